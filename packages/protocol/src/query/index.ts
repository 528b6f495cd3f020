/**
 * `@reprise/protocol/query`: the session search language shared by the API
 * (`GET /api/v1/sessions?q=`), the CLI (`reprise sessions search`) and the viewer's search bar.
 * Pure TypeScript without dependencies. The language is documented in docs/search.md.
 */
export * from './ast.js';
export { parseQuery, MAX_QUERY_LENGTH, MAX_QUERY_TERMS, MAX_QUERY_DEPTH } from './parse.js';
export { QUERY_FIELDS, didYouMean, parseDurationMs, parseDateRange, type QueryFieldInfo } from './fields.js';
export { tokenizeQuery, type Token, type WordToken, type TokenizeResult } from './tokenize.js';
