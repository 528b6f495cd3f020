import type { BackendLog, BackendSpan } from '@reprise/protocol';

/** What one OTLP export request carried, once decoded and checked (otlp/decode.ts). */
export interface OtlpPayload {
  spans: BackendSpan[];
  logs: BackendLog[];
  /** Items left out as unusable (no valid trace id, over the per-request caps): OTLP partialSuccess.rejected*. */
  rejected: number;
}

export type OtlpSignal = 'traces' | 'logs';

/** A request body that is not an OTLP export: a 400 with this message. */
export class OtlpInputError extends Error {}

/** Caps on what one export request may bring in (every value is bounded before redaction and storage). */
export const OTLP_LIMITS = {
  /** Compressed request body. */
  maxBodyBytes: 4 * 1024 * 1024,
  /** After gzip. */
  maxDecodedBytes: 16 * 1024 * 1024,
  /** Spans or log records per request; the rest are rejected. */
  maxItems: 20_000,
  maxAttributes: 128,
  maxEvents: 128,
  /** Characters of one string value (attributes, names, log bodies); longer ones are cut with a mark. */
  maxString: 8 * 1024,
  /** Depth of nested arrays and maps in attribute values and log bodies. */
  maxDepth: 8,
} as const;
