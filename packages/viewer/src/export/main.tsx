/**
 * Entry of the self-contained HTML export (vite.export.config.ts): reads the session inlined in
 * the file and shows it with the viewer's player and panels. It makes no request at all.
 */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import '@rrweb/replay/dist/style.css';
import '../styles.css';
import { ExportPage } from './ExportPage';
import { inlineAssets, readExportData, UnreadableExport } from './data';

const root = document.getElementById('root');
if (!root) throw new Error('#root missing from the export');
let page;
try {
  page = <ExportPage data={inlineAssets(readExportData(document))} />;
} catch (err) {
  if (!(err instanceof UnreadableExport)) throw err;
  page = (
    <main className="page">
      <p className="error" role="alert">
        {err.message}
      </p>
    </main>
  );
}
createRoot(root).render(<StrictMode>{page}</StrictMode>);
