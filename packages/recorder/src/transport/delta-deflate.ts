/**
 * Deflating a batch in the delta form (protocol delta-form.ts): shared by the compression
 * Worker (every batch) and the codec's synchronous path (batches cut at pagehide), so both
 * send the same bytes for the same batch.
 */
import { zlibSync } from 'fflate';
import { decodeDeltaForm, encodeDeltaForm } from '@reprise/protocol';

// Below this, a second pass has nothing to find (its own header and checksum cost 6 bytes).
const AGAIN_MIN_BYTES = 512;

/**
 * zlib of the batch's delta form against `deltaDict`, deflated once more when `twice` is
 * allowed and that is smaller; null when the batch has no delta form that round-trips
 * (the caller deflates it as it is).
 */
export function deflateDeltaForm(
  input: Uint8Array,
  deltaDict: Uint8Array,
  twiceAllowed: boolean,
): { bytes: Uint8Array; twice: boolean } | null {
  const form = deltaForm(input);
  if (!form) return null;
  const once = zlibSync(form, { level: 6, dictionary: deltaDict });
  const again = twiceAllowed ? deflateAgain(once) : null;
  return again ? { bytes: again, twice: true } : { bytes: once, twice: false };
}

/**
 * The zlib stream deflated once more (protocol delta-form.ts says why that pays on regular
 * batches), when that is smaller; else null. Level 9: a little smaller than 6 on the payload
 * benchmark's batches, and the stream is small next to the batch it came from, so cheap either way.
 */
function deflateAgain(zlib: Uint8Array): Uint8Array | null {
  if (zlib.length < AGAIN_MIN_BYTES) return null;
  const again = zlibSync(zlib, { level: 9 });
  return again.length < zlib.length ? again : null;
}

/** The delta form of the batch, only if the server's decoding gives back exactly these bytes; else null (plain deflate). */
function deltaForm(input: Uint8Array): Uint8Array | null {
  try {
    const form = encodeDeltaForm(input);
    if (!form) return null;
    const back = decodeDeltaForm(form);
    if (!back || back.length !== input.length) return null;
    for (let i = 0; i < input.length; i++) if (back[i] !== input[i]) return null;
    return form;
  } catch {
    return null;
  }
}
