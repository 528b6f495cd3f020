export * from './types.js';
export { toNdjsonLine, parseNdjson } from './ndjson.js';
