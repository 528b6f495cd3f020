/** Entry of the script-tag build's lazy chunk dist/browser/reprise-network.<hash>.js (capture/network/records-loader-lazy.ts). */
export { createRecords } from './capture/network/records.js';
