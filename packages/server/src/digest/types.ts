// The shapes are shared with the viewer, so they live in the protocol package.
export type {
  Digest,
  DigestLine,
  DigestOptions,
  DigestProblem,
  Step,
  StepKind,
  StepList,
  StepOutcome,
  StepTarget,
} from '@reprise/protocol';
