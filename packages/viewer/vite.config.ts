import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';

// In development the API, SDK, ingest and demo routes live on the Reprise server;
// proxying keeps them same-origin so the auth cookie and CSP behave as in production.
const backend = 'http://localhost:8080';

export default defineConfig({
  base: '/',
  plugins: [react(), sessionPageModules()],
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

/**
 * Writes `session-page.json`: the lazy chunks a session page loads at once (rrweb's replayer),
 * which the server names as modulepreload hints in the session pages it serves
 * (packages/server/src/http/session-hints.ts), so they load beside the main bundle, not after it.
 */
function sessionPageModules(): Plugin {
  return {
    name: 'reprise-session-page-modules',
    generateBundle(_options, bundle) {
      const chunks = Object.values(bundle).flatMap((c) => (c.type === 'chunk' ? [c] : []));
      const replayer = chunks.find(
        (c) => c.isDynamicEntry && [c.facadeModuleId ?? '', ...c.moduleIds].some((m) => m.includes('/@rrweb/replay/')),
      );
      if (!replayer) return this.error("rrweb's replay chunk is missing from the build");
      // With the chunks it imports, but not the entry: the page's own script loads that.
      const entries = new Set(chunks.filter((c) => c.isEntry).map((c) => c.fileName));
      const files = [replayer.fileName, ...replayer.imports.filter((f) => !entries.has(f))];
      this.emitFile({ type: 'asset', fileName: 'session-page.json', source: JSON.stringify({ modulePreload: files.map((f) => `/${f}`) }) });
    },
  };
}
