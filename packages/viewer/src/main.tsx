import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import '@rrweb/replay/dist/style.css';
import './styles.css';
import { App } from './App';
import { prefetchSession } from './player/prefetch';

// A session page's data is on its way while React renders the page the first time.
prefetchSession(window.location.pathname);

const root = document.getElementById('root');
if (!root) throw new Error('#root missing from index.html');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
