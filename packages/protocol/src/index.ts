export * from './types.js';
export { toNdjsonLine, parseNdjson } from './ndjson.js';
export * from './capture-types.js';
export * from './dictionary.js';
export * from './session-key.js';
export * from './assets.js';
export * from './digest-types.js';
export { stepsMarkdown } from './steps-markdown.js';
export * from './trace-types.js';
