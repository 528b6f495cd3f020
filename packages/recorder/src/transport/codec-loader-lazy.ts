/**
 * The script-tag build's codec-loader.ts (swapped in by build.mjs): the codec (fflate, the
 * static dictionary and the Worker's source, ~40% of the SDK) is a chunk next to reprise.js,
 * `reprise-codec.<hash>.js`, imported once recording has started. Until it is there, batches
 * wait (normal sends) or leave as plain JSON (pagehide: a send then cannot wait for a fetch).
 * If it can't be had (no currentScript, network, CSP, an SDK host without CORS), batches go
 * as gzip via CompressionStream, or plain JSON: recording never depends on it. The name
 * carries a hash of its content, so a cached reprise.js never runs against another version.
 */
import type { Codec } from './codec.js';

declare const __REPRISE_CODEC_CHUNK__: string;

// The chunk sits next to this script: read its URL while the script is being evaluated.
const chunkUrl: string | null = (() => {
  try {
    const s = document.currentScript;
    return s instanceof HTMLScriptElement && s.src ? new URL(__REPRISE_CODEC_CHUNK__, s.src).href : null;
  } catch {
    return null;
  }
})();

let loaded: Codec | null = null;
let loading: Promise<Codec | null> | null = null;

export function loadedCodec(): Codec | null {
  return loaded;
}

export function loadCodec(): Promise<Codec | null> {
  loading ??= chunkUrl
    ? // A module import: no DOM node for the recording to see, no global; CORS like the ingest.
      (import(/* webpackIgnore: true */ chunkUrl) as Promise<{ codec?: Codec }>).then(
        (m) => (loaded = m.codec ?? null),
        () => null,
      )
    : Promise.resolve(null);
  return loading;
}
