import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import '@rrweb/replay/dist/style.css';
import './styles.css';
import { App } from './App';

const root = document.getElementById('root');
if (!root) throw new Error('#root missing from index.html');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
