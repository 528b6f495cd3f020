/** Entry of the script-tag build's lazy chunk dist/browser/reprise-codec.<hash>.js (codec-loader-lazy.ts). */
export { codec } from './transport/codec.js';
