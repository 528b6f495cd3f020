/**
 * The compression Worker's code. build.mjs bundles this file on its own (fflate included) and
 * inlines the result as a string (compress.ts starts it from a Blob URL): CompressionStream
 * has no preset dictionaries, fflate does. Never imported by the recorder itself.
 */
import { gzipSync, zlibSync } from 'fflate';
import { referenceText } from '@reprise/protocol';
import { deflateDeltaForm } from './delta-deflate.js';
import { presetDictionaries, type DictionaryBytes } from './preset-dictionaries.js';

/** A job's preset dictionary, by what it is built from (dictionary-book.ts DictionarySource). */
export interface JobDictionary {
  key: string;
  staticId: string;
  /** The static vocabulary's bytes, sent with the first job that names `staticId`. */
  staticBytes?: Uint8Array;
  reference: string | null;
}

export interface CompressJob {
  id: number;
  /** The batch JSON. */
  text: string;
  /** Preset dictionary: zlib (Content-Encoding: deflate) against it; absent: gzip. */
  dict?: JobDictionary;
  /** With `dict`: deflate the batch's delta form against the dictionary's delta twin when the batch has one. */
  delta?: boolean;
  /** The batch is a dictionary reference: also return its reference text as the server will rebuild it. */
  ref?: boolean;
}

export interface CompressReply {
  id: number;
  buf?: ArrayBuffer;
  /** True when `buf` is zlib against the job's dictionary. */
  deflate?: boolean;
  /** True when `buf` is zlib of the delta form, against the job's `deltaDict`. */
  delta?: boolean;
  /** With `delta`: that zlib stream deflated once more, without a dictionary (`reprise-delta, deflate, deflate`). */
  twice?: boolean;
  /** referenceText of the batch's events after a JSON round trip, as the server stores and re-serializes them. */
  ref?: string;
  error?: string;
}

interface WorkerScope {
  onmessage: ((e: MessageEvent<CompressJob>) => void) | null;
  postMessage(message: CompressReply, transfer: Transferable[]): void;
}

const scope = self as unknown as WorkerScope;

// A page uses a few dictionaries (the static one, then one per reference: dictionary-book.ts
// keeps at most MAX_REFS); the last few built are kept.
const MAX_DICTIONARIES = 8;
const statics = new Map<string, Uint8Array>();
const built = new Map<string, DictionaryBytes>();

function dictionaryOf(d: JobDictionary): DictionaryBytes {
  let out = built.get(d.key);
  if (out) {
    // Most recently used last: the first key is the one to drop.
    built.delete(d.key);
    built.set(d.key, out);
    return out;
  }
  if (d.staticBytes) statics.set(d.staticId, d.staticBytes);
  const staticDict = statics.get(d.staticId);
  if (!staticDict) throw new Error(`static dictionary ${d.staticId} was never sent`);
  out = presetDictionaries(staticDict, d.reference);
  built.set(d.key, out);
  if (built.size > MAX_DICTIONARIES) built.delete(built.keys().next().value!);
  return out;
}

scope.onmessage = (e) => {
  const { id, text, ref } = e.data;
  try {
    const input = new TextEncoder().encode(text);
    const dict = e.data.dict ? dictionaryOf(e.data.dict) : null;
    const delta = dict && e.data.delta ? deflateDeltaForm(input, dict.deltaBytes, true) : null;
    const out = delta ? delta.bytes : dict ? zlibSync(input, { level: 6, dictionary: dict.bytes }) : gzipSync(input, { level: 6 });
    // Transfer exactly the output bytes (a view may sit on a larger buffer).
    const exact = out.byteOffset === 0 && out.byteLength === out.buffer.byteLength ? out : out.slice();
    const reply: CompressReply = { id, buf: exact.buffer as ArrayBuffer, deflate: !!dict };
    if (delta) reply.delta = true;
    if (delta?.twice) reply.twice = true;
    if (ref) reply.ref = canonicalReference(text);
    scope.postMessage(reply, [exact.buffer as ArrayBuffer]);
  } catch (err) {
    scope.postMessage({ id, error: String(err) }, []);
  }
};

/** The server's reference text of a batch: its events parsed and re-serialized as {t, kind, data}. */
function canonicalReference(json: string): string | undefined {
  try {
    const events = (JSON.parse(json) as { events: { t: unknown; kind: unknown; data: unknown }[] }).events;
    return referenceText(events.map((e) => JSON.stringify({ t: e.t, kind: e.kind, data: e.data })));
  } catch {
    return undefined;
  }
}
