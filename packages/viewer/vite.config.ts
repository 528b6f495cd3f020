import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// In development the API, SDK, ingest and demo routes live on the Reprise server;
// proxying keeps them same-origin so the auth cookie and CSP behave as in production.
const backend = 'http://localhost:8080';

export default defineConfig({
  base: '/',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true },
  server: {
    proxy: {
      '/api': backend,
      '/sdk': backend,
      '/ingest': backend,
      '/demo': backend,
    },
  },
});
