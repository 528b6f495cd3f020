/**
 * Which preset dictionary a batch is deflated against (wire format: docs/ARCHITECTURE.md).
 * Every dictionary holds the static `r1` vocabulary; most also hold a reference: the start
 * of an earlier page-start batch (the one carrying a full snapshot) of this session, as the
 * server stores it. Page loads of one site repeat their markup and CSS, so a new page costs
 * little more than its differences. References survive page loads in sessionStorage, since
 * each full page load starts a new recorder.
 *
 * A reference the server may lack only costs a round trip on a normal send (422, then the
 * batch goes again as plain gzip). A pagehide send cannot be redone, so it only uses references the
 * server surely rebuilds: one it has decoded with, or a stored batch whose text went through
 * the server's JSON round trip (in the compression worker); and gzip until deflate is proven.
 */
import {
  CURRENT_STATIC_DICTIONARY,
  DICT_PARAM,
  REF_PARAM,
  REFERENCE_MAX_BYTES,
  formatDictionaryRef,
  referenceText,
  type DictionaryRef,
  type StaticDictionaryId,
} from '@reprise/protocol';
import type { KeyValueStore } from '../storage.js';
import { loadedCodec } from './codec-loader.js';
import type { DictionaryBytes } from './preset-dictionaries.js';
import { toJson } from '../json.js';

/** What a preset dictionary is built from (the compression worker builds it from this: compress-worker.ts). */
export interface DictionarySource {
  /** Names these bytes among the dictionaries of the page: a reference whose text changed (canonicalized) is another key. */
  key: string;
  staticId: StaticDictionaryId;
  /** The reference text (at least REFERENCE_MAX_BYTES of UTF-8 when it is that long), or null: the static vocabulary alone. */
  reference: string | null;
}

/** A preset dictionary as the wire names it, with its bytes (built on the main thread only when read). */
export interface PresetDictionary extends DictionaryBytes {
  ref: DictionaryRef | null;
  /** `&dict=…[&ref=…]`, appended to the ingest URL. */
  query: string;
  source: DictionarySource;
}

/**
 * cut: its batch is queued in this page; sent: it left in a keepalive (or a parked batch) of
 * an earlier page, fate unknown; stored: acknowledged; proven: a batch deflated against it
 * was acknowledged, so the server rebuilds it byte for byte.
 */
type RefState = 'cut' | 'sent' | 'stored' | 'proven';

interface RefEntry {
  seq: number;
  path: string;
  /** referenceText of the batch's events (long enough for REFERENCE_MAX_BYTES). */
  text: string;
  state: RefState;
  /** `text` went through the same JSON round trip as on the server (compression worker): once stored, it is what the server rebuilds. */
  canonical: boolean;
  dict?: PresetDictionary;
}

/** unknown until the server acknowledges a deflate batch; off after it refused the encoding (415). */
type DeflateState = 'unknown' | 'ok' | 'off';

interface Persisted {
  s: string;
  d: DeflateState;
  /** The delta form's state (absent in what older recorders saved: unknown). */
  x?: DeflateState;
  /** The delta form deflated twice: 'ok' once acknowledged (absent: unknown). */
  w?: 'ok';
  r: { q: number; p: string; x: string; st: RefState; c: boolean }[];
}

export const DICT_KEY = 'reprise:dict';
/**
 * References kept: a few typical pages of a site, two at most per path while the newer one is
 * not yet safe at pagehide; ~150 KB of sessionStorage.
 */
const MAX_REFS = 6;

/** Path of a page URL, without origin, query or fragment: the key that pairs similar page loads. */
export function pathOf(url: string | undefined): string {
  if (!url) return '';
  const m = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*([^?#]*)/i.exec(url);
  return (m ? m[1] : url.split(/[?#]/)[0]) || '/';
}

export class DictionaryBook {
  private sessionId: string | null = null;
  private deflate: DeflateState = 'unknown';
  /** The delta form (Content-Encoding: reprise-delta, deflate): ok once acknowledged, off after a 415 for it. */
  private delta: DeflateState = 'unknown';
  /** The delta form deflated twice (reprise-delta, deflate, deflate): proven once acknowledged; a 415 for it turns `delta` off. */
  private twiceOk = false;
  private refs: RefEntry[] = [];
  private staticOnly: PresetDictionary | null = null;

  constructor(private readonly store: KeyValueStore) {}

  /** A page-start batch was cut: its events may seed the dictionaries of later batches. */
  addPageStart(sessionId: string, seq: number, path: string, eventJson: readonly string[]): void {
    this.open(sessionId);
    // A proven older load of the same page stays until this one is proven (pagehide sends need one).
    this.refs = this.refs.filter((r) => r.path !== path || r.state === 'proven');
    this.refs.push({ seq, path, text: clip(referenceText(eventJson)), state: 'cut', canonical: false });
    while (this.refs.length > MAX_REFS) this.refs.splice(this.evictionIndex(), 1);
  }

  /**
   * The reference to drop when the book is full: the oldest one with a newer reference of its
   * path that pagehide sends may use; else the oldest one not safe at pagehide whose path has one
   * that is; else the oldest. A page left within a batch interval sends its page-start batch only
   * at pagehide, and that reference never becomes safe at pagehide (its fate is unknown): the
   * older proven one of its path is then the only one its next visit's pagehide send can use.
   */
  private evictionIndex(): number {
    const refs = this.refs;
    const superseded = refs.findIndex((r, k) => refs.some((n, j) => j > k && n.path === r.path && safeAtPagehide(n)));
    if (superseded >= 0) return superseded;
    const unsafeTwin = refs.findIndex((r) => !safeAtPagehide(r) && refs.some((n) => n.path === r.path && safeAtPagehide(n)));
    return Math.max(unsafeTwin, 0);
  }

  /**
   * The dictionary for a batch of this page (`path`), or null for plain gzip. The newest usable
   * reference of the same path, else the newest usable one, else the static dictionary alone.
   */
  choose(sessionId: string, path: string, atPagehide: boolean): PresetDictionary | null {
    if (sessionId !== this.sessionId) {
      // A batch of an older session (rotated while it waited): no reference of it is kept.
      return this.deflate === 'off' || (atPagehide && this.deflate !== 'ok') ? null : this.staticOnlyDictionary();
    }
    if (this.deflate === 'off' || (atPagehide && this.deflate !== 'ok')) return null;
    const usable = (r: RefEntry) => (atPagehide ? safeAtPagehide(r) : r.state !== 'cut');
    let pick: RefEntry | undefined;
    for (let i = this.refs.length - 1; i >= 0; i--) {
      const r = this.refs[i]!;
      if (!usable(r)) continue;
      if (r.path === path) {
        pick = r;
        break;
      }
      pick ??= r;
    }
    return pick ? this.dictOf(pick) : this.staticOnlyDictionary();
  }

  /** Whether deflated batches of this session may be sent in the delta form (not after the server refused it). */
  deltaAllowed(sessionId: string): boolean {
    return sessionId === this.sessionId && this.delta !== 'off';
  }

  /** Whether a body deflated against `dict` (`delta`: in the delta form) may go out in a pagehide send as it is. */
  safeAtPagehide(sessionId: string, dict: PresetDictionary, delta = false): boolean {
    if (this.deflate !== 'ok') return false;
    if (delta && (this.delta !== 'ok' || sessionId !== this.sessionId)) return false;
    if (!dict.ref) return true;
    return sessionId === this.sessionId && this.refs.some((r) => r.seq === dict.ref!.seq && safeAtPagehide(r));
  }

  /** The compression worker returned batch `seq`'s reference text after the server's JSON round trip. */
  canonicalized(sessionId: string, seq: number, text: string): void {
    if (sessionId !== this.sessionId) return;
    const r = this.refs.find((x) => x.seq === seq);
    if (!r || r.canonical) return;
    text = clip(text);
    if (r.text !== text) r.dict = undefined; // not what the server will rebuild: never send that one
    r.text = text;
    r.canonical = true;
  }

  /**
   * How a batch encoded at pagehide may use the delta form: only once the server has taken it
   * in this session (and deflated twice only once it has taken that), since a refusal after
   * unload is never read. Null: deflate the batch as it is.
   */
  pagehideDelta(sessionId: string): { twice: boolean } | null {
    if (sessionId !== this.sessionId || this.deflate !== 'ok' || this.delta !== 'ok') return null;
    return { twice: this.twiceOk };
  }

  /**
   * Whether a body deflated twice may go out at pagehide as it is: only once the server took one
   * (one that predates it answers 415, which nobody reads after unload).
   */
  twiceSafeAtPagehide(sessionId: string): boolean {
    return sessionId === this.sessionId && this.twiceOk;
  }

  /** The server acknowledged batch `seq` of `sessionId`, sent with `dict` (null: gzip or plain), in the delta form (`twice`: deflated twice) or not. */
  acked(sessionId: string, seq: number, dict: PresetDictionary | null, delta = false, twice = false): void {
    if (sessionId !== this.sessionId) return;
    if (dict) this.deflate = 'ok';
    if (dict && delta) this.delta = 'ok';
    if (dict && delta && twice) this.twiceOk = true;
    for (const r of this.refs) if (r.seq === seq && r.state !== 'proven') r.state = 'stored';
    const proven = dict?.ref ? this.refs.find((r) => r.seq === dict.ref!.seq) : undefined;
    if (proven) {
      proven.state = 'proven';
      this.refs = this.refs.filter((r) => r === proven || r.path !== proven.path || r.seq > proven.seq);
    }
  }

  /**
   * The server could not use `dict` (422): forget its reference. Refused the encoding (415): stop
   * using the delta form if the body was in it (a server that takes deflate but not the delta
   * form), else deflate itself.
   */
  refused(sessionId: string, dict: PresetDictionary, unsupported: boolean, delta = false): void {
    if (unsupported) {
      if (delta) this.delta = 'off';
      else this.deflate = 'off';
      return;
    }
    if (sessionId === this.sessionId && dict.ref) this.refs = this.refs.filter((r) => r.seq !== dict.ref!.seq);
  }

  /** Saves the book for the next page of this tab (pagehide): what this page queued has left by now. */
  save(): void {
    if (!this.sessionId) return;
    const data: Persisted = {
      s: this.sessionId,
      d: this.deflate,
      x: this.delta,
      ...(this.twiceOk ? { w: 'ok' as const } : {}),
      r: this.refs.map((r) => ({ q: r.seq, p: r.path, x: r.text, st: r.state === 'cut' ? 'sent' : r.state, c: r.canonical })),
    };
    this.store.set(DICT_KEY, toJson(data));
  }

  /** Switches the book to `sessionId` (no-op if it is already), loading what an earlier page of this tab saved. */
  open(sessionId: string): void {
    if (sessionId === this.sessionId) return;
    this.sessionId = sessionId;
    this.deflate = 'unknown';
    this.delta = 'unknown';
    this.twiceOk = false;
    this.refs = [];
    const saved = readPersisted(this.store);
    if (!saved || saved.s !== sessionId) return;
    this.deflate = saved.d;
    this.delta = saved.x === 'ok' || saved.x === 'off' ? saved.x : 'unknown';
    this.twiceOk = saved.w === 'ok';
    this.refs = saved.r.slice(-MAX_REFS).map((r) => ({ seq: r.q, path: r.p, text: r.x, state: r.st, canonical: r.c === true }));
  }

  private staticOnlyDictionary(): PresetDictionary {
    this.staticOnly ??= lazyBytes(null, `&${DICT_PARAM}=${CURRENT_STATIC_DICTIONARY}`, null);
    return this.staticOnly;
  }

  private dictOf(r: RefEntry): PresetDictionary {
    if (!r.dict) {
      const ref = { sessionId: this.sessionId!, seq: r.seq };
      r.dict = lazyBytes(ref, `&${DICT_PARAM}=${CURRENT_STATIC_DICTIONARY}&${REF_PARAM}=${formatDictionaryRef(ref)}`, r.text);
    }
    return r.dict;
  }
}

/** The server surely rebuilds this reference: it decoded with it, or stored it and the text is its round trip. */
function safeAtPagehide(r: RefEntry): boolean {
  return r.state === 'proven' || (r.state === 'stored' && r.canonical);
}

/** Dictionaries made by this page, for their keys. */
let dictionaries = 0;

/**
 * A dictionary whose bytes are built on first use. Batches compressed in the worker never read
 * them (the worker builds its own from `source`); a pagehide send or a resend does, after the
 * codec is loaded (it brings the static dictionary).
 */
function lazyBytes(ref: DictionaryRef | null, query: string, reference: string | null): PresetDictionary {
  let built: DictionaryBytes | null = null;
  const build = () => {
    if (built) return built;
    const codec = loadedCodec();
    if (!codec) throw new Error('the codec is not loaded');
    built = codec.presetDictionaries(CURRENT_STATIC_DICTIONARY, reference);
    return built;
  };
  return {
    ref,
    query,
    source: { key: `${++dictionaries}:${query}`, staticId: CURRENT_STATIC_DICTIONARY, reference },
    get bytes() {
      return build().bytes;
    },
    get deltaBytes() {
      return build().deltaBytes;
    },
  };
}

/** At least REFERENCE_MAX_BYTES of UTF-8 (a UTF-16 unit is never less than a byte): all the dictionary uses. */
function clip(text: string): string {
  return text.length > REFERENCE_MAX_BYTES ? text.slice(0, REFERENCE_MAX_BYTES) : text;
}

function readPersisted(store: KeyValueStore): Persisted | null {
  try {
    const v = JSON.parse(store.get(DICT_KEY) ?? 'null') as Persisted | null;
    if (!v || typeof v.s !== 'string' || !Array.isArray(v.r) || !['unknown', 'ok', 'off'].includes(v.d)) return null;
    const states: RefState[] = ['sent', 'stored', 'proven'];
    v.r = v.r.filter((r) => r && typeof r.q === 'number' && typeof r.p === 'string' && typeof r.x === 'string' && states.includes(r.st));
    return v;
  } catch {
    return null;
  }
}
