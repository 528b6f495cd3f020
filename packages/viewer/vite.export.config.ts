import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

/**
 * The self-contained HTML export's bundle (docs/html-export.md): the player and the devtools
 * panels without the API, built as ONE script and ONE stylesheet so the server can inline them
 * into the exported file (a page opened from file:// may not load module chunks). The manifest
 * names the two files; `packages/server/src/export/html/bundle.ts` reads it.
 */
export default defineConfig({
  base: './',
  plugins: [react()],
  build: {
    outDir: 'dist-export',
    emptyOutDir: true,
    manifest: true,
    // Nothing may be fetched from file://: any asset a stylesheet names becomes a data: URL.
    assetsInlineLimit: Number.MAX_SAFE_INTEGER,
    cssCodeSplit: false,
    // No preload helper nor polyfill: there is only one chunk.
    modulePreload: false,
    rolldownOptions: {
      input: 'export.html',
      // rrweb's replayer is a lazy chunk in the viewer; here everything is one script.
      output: { codeSplitting: false },
    },
  },
});
