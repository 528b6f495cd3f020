/** Entry of the script-tag build's lazy chunk dist/browser/reprise-buffer.<hash>.js (buffer-loader-lazy.ts). */
export { BufferMode } from './buffer-mode.js';
