/**
 * Everything compression needs on the main thread besides the Worker: fflate (synchronous
 * compression at pagehide, inflating a body to resend it self-contained), the static preset
 * dictionary, the Worker's source and its main-thread side (worker-compressor.ts). The npm build imports it directly; the script-tag build
 * loads it as a chunk after recording has started (codec-loader-lazy.ts), so the first load
 * carries none of it.
 */
import { gzipSync, strFromU8, strToU8, unzlibSync, zlibSync } from 'fflate';
import { decodeDeltaForm, staticDictionaryBytes, type StaticDictionaryId } from '@reprise/protocol';
import { deflateDeltaForm } from './delta-deflate.js';
import { presetDictionaries, type DictionaryBytes } from './preset-dictionaries.js';
import { WorkerCompressor, type WorkerCompressorHooks } from './worker-compressor.js';

/** A compressed body: zlib against the dictionary it was given (`deflate`), or gzip. */
export interface Compressed {
  bytes: Uint8Array<ArrayBuffer>;
  deflate: boolean;
  /** `bytes` is zlib of the batch's delta form, against the delta dictionary. */
  delta?: boolean;
  /** With `delta`: that zlib stream deflated once more, without a dictionary. */
  twice?: boolean;
  /** When asked for: the batch's reference text as the server rebuilds it (worker only). */
  ref?: string;
}

export interface Codec {
  /**
   * zlib against `dict` when given, else gzip; with `delta`, zlib of the batch's delta form
   * against `delta.dict` (deflated again when `delta.twice` allows and it is smaller) when the
   * batch has one. Null if it fails (the caller sends plain JSON).
   */
  compressNow(text: string, dict: Uint8Array | null, delta?: DeltaOptions | null): Compressed | null;
  /** The JSON of a body deflated against `dict` (`delta`: of its delta form; `twice`: deflated again), or null. */
  inflateToText(body: Uint8Array, dict: Uint8Array, delta: boolean, twice: boolean): string | null;
  /** The inner zlib stream of a body deflated twice, or null. */
  innerStream(body: Uint8Array): Uint8Array<ArrayBuffer> | null;
  /** A preset dictionary's bytes on the main thread (a pagehide send, a resend): see preset-dictionaries.ts. */
  presetDictionaries(staticId: StaticDictionaryId, reference: string | null): DictionaryBytes;
  /** The compression Worker's code (compress-worker.ts bundled), started from a Blob URL; null when not built in. */
  workerSource: string | null;
  /** The Worker's main-thread side (worker-compressor.ts); null without workerSource. */
  workerCompressor(hooks: WorkerCompressorHooks): WorkerCompressor | null;
}

/** The delta form's dictionary, and whether the server is known to take a body deflated twice. */
export interface DeltaOptions {
  dict: Uint8Array;
  twice: boolean;
}

declare const __REPRISE_COMPRESS_WORKER__: string | undefined;

export const codec: Codec = {
  compressNow(text, dict, delta) {
    try {
      const input = strToU8(text);
      const form = dict && delta ? deflateDeltaForm(input, delta.dict, delta.twice) : null;
      if (form) return { bytes: form.bytes as Uint8Array<ArrayBuffer>, deflate: true, delta: true, twice: form.twice };
      const bytes = (dict ? zlibSync(input, { level: 6, dictionary: dict }) : gzipSync(input, { level: 6 })) as Uint8Array<ArrayBuffer>;
      return { bytes, deflate: !!dict };
    } catch {
      return null;
    }
  },
  inflateToText(body, dict, delta, twice) {
    try {
      const raw = unzlibSync(twice ? unzlibSync(body) : body, { dictionary: dict });
      const json = delta ? decodeDeltaForm(raw) : raw;
      return json ? strFromU8(json) : null;
    } catch {
      return null;
    }
  },
  innerStream(body) {
    try {
      return unzlibSync(body) as Uint8Array<ArrayBuffer>;
    } catch {
      return null;
    }
  },
  presetDictionaries: (staticId, reference) => presetDictionaries(staticDictionaryBytes(staticId), reference),
  // Absent when the sources run unbundled (unit tests): then there is no worker.
  workerSource: typeof __REPRISE_COMPRESS_WORKER__ === 'string' ? __REPRISE_COMPRESS_WORKER__ : null,
  workerCompressor(hooks) {
    return codec.workerSource ? new WorkerCompressor(codec.workerSource, hooks) : null;
  },
};
