/** Public surface of the digest module (MCP tools, API routes and the bench import from here). */
export type { Digest, DigestLine, DigestOptions, DigestProblem, Step, StepKind, StepList, StepOutcome, StepTarget } from './types.js';
export { buildDigest, DEFAULT_BUDGET_TOKENS, digestOf, estimateTokens, MAX_BUDGET_TOKENS, MIN_BUDGET_TOKENS } from './digest.js';
export { buildSteps, stepsMarkdown, stepsOf } from './steps.js';
export { readFacts } from './facts.js';
