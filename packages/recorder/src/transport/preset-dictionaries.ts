import { REFERENCE_MAX_BYTES, deltaFormReference, presetDictionary } from '@reprise/protocol';

/** A preset dictionary's bytes, for a plain body and for a delta-form body. */
export interface DictionaryBytes {
  bytes: Uint8Array;
  /** The same dictionary with its reference in the delta form (protocol delta-form.ts). */
  deltaBytes: Uint8Array;
}

/**
 * Builds a preset dictionary as the server does: the static vocabulary, then the reference's
 * first REFERENCE_MAX_BYTES of UTF-8. The compression worker builds them for its jobs
 * (compress-worker.ts); the main thread only for a pagehide send or a resend (codec.ts).
 */
export function presetDictionaries(staticDict: Uint8Array, reference: string | null): DictionaryBytes {
  const refBytes = reference === null ? null : new TextEncoder().encode(reference).subarray(0, REFERENCE_MAX_BYTES);
  const bytes = presetDictionary(staticDict, refBytes);
  return { bytes, deltaBytes: refBytes === null ? bytes : presetDictionary(staticDict, deltaFormReference(refBytes)) };
}
