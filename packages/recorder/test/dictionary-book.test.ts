import { describe, expect, it } from 'vitest';
import { DICT_PARAM, REF_PARAM } from '@reprise/protocol';
import { createMemoryStore } from '../src/storage.js';
import { DICT_KEY, DictionaryBook, pathOf } from '../src/transport/dictionary-book.js';

const SID = 'sess_book_0001';
const lines = (n: number) =>
  Array.from({ length: n }, (_, i) => JSON.stringify({ t: i, kind: 'dom', data: { type: 3, timestamp: i, data: { i } } }));
const refOf = (d: { ref: { seq: number } | null } | null) => (d === null ? 'gzip' : d.ref === null ? 'static' : d.ref.seq);

describe('dictionary book: which preset dictionary a batch uses', () => {
  it('pairs page loads by path', () => {
    expect(pathOf('https://shop.example/cart?x=1#top')).toBe('/cart');
    expect(pathOf('https://shop.example')).toBe('/');
    expect(pathOf(undefined)).toBe('');
  });

  it('normal sends: the static dictionary until a page-start batch is acknowledged, then the newest of the same path', () => {
    const book = new DictionaryBook(createMemoryStore());
    book.open(SID);
    expect(refOf(book.choose(SID, '/a', false))).toBe('static');
    book.addPageStart(SID, 0, '/a', lines(3));
    expect(refOf(book.choose(SID, '/a', false))).toBe('static'); // not acknowledged yet
    book.acked(SID, 0, book.choose(SID, '/a', false));
    expect(refOf(book.choose(SID, '/a', false))).toBe(0);
    book.addPageStart(SID, 1, '/b', lines(4));
    book.acked(SID, 1, null);
    expect(refOf(book.choose(SID, '/b', false))).toBe(1);
    expect(refOf(book.choose(SID, '/a', false))).toBe(0);
    expect(refOf(book.choose(SID, '/c', false))).toBe(1); // no page of that path: the newest
    const d = book.choose(SID, '/a', false)!;
    expect(d.query).toBe(`&${DICT_PARAM}=r1&${REF_PARAM}=${SID}.0`);
    // The end of the static dictionary, then the reference text (here short: all of the static one fits).
    expect(d.bytes.length).toBeLessThanOrEqual(32_000);
    expect(
      Buffer.from(d.bytes)
        .toString('utf8')
        .endsWith(
          lines(3)
            .map((l) => l + '\n')
            .join(''),
        ),
    ).toBe(true);
  });

  it('pagehide sends: gzip until deflate is proven, then only references the server surely rebuilds', () => {
    const book = new DictionaryBook(createMemoryStore());
    book.open(SID);
    expect(book.choose(SID, '/a', true)).toBeNull();
    book.addPageStart(SID, 0, '/a', lines(3));
    const first = book.choose(SID, '/a', false)!;
    book.acked(SID, 0, first); // a deflate batch was taken: deflate is proven
    expect(refOf(book.choose(SID, '/a', true))).toBe('static'); // stored, but its text was not canonicalized
    expect(book.safeAtPagehide(SID, book.choose(SID, '/a', false)!)).toBe(false);
    book.canonicalized(
      SID,
      0,
      lines(3)
        .map((l) => l + '\n')
        .join(''),
    );
    expect(refOf(book.choose(SID, '/a', true))).toBe(0);

    book.addPageStart(SID, 1, '/b', lines(2));
    book.acked(SID, 1, null);
    expect(refOf(book.choose(SID, '/b', true))).toBe(0); // /b stored, not canonical: falls back to the proven-safe one
    book.acked(SID, 2, book.choose(SID, '/b', false)); // a batch deflated against /b was acknowledged: proven
    expect(refOf(book.choose(SID, '/b', true))).toBe(1);
  });

  it('a canonical text that differs replaces the one the recorder had', () => {
    const book = new DictionaryBook(createMemoryStore());
    book.addPageStart(SID, 0, '/a', ['{"kind":"dom","t":1,"data":{}}']);
    book.acked(SID, 0, null);
    const before = book.choose(SID, '/a', false)!;
    book.canonicalized(SID, 0, '{"t":1,"kind":"dom","data":{}}\n');
    const after = book.choose(SID, '/a', false)!;
    expect(after).not.toBe(before);
    expect(Buffer.from(after.bytes).toString('utf8').endsWith('{"t":1,"kind":"dom","data":{}}\n')).toBe(true);
    // The compression worker builds and keeps dictionaries by key: the new text is another one.
    expect(after.source.reference).toBe('{"t":1,"kind":"dom","data":{}}\n');
    expect(after.source.key).not.toBe(before.source.key);
    expect(after.query).toBe(before.query);
  });

  it('a refused reference is forgotten; a refused encoding (415) turns deflate off for the session', () => {
    const book = new DictionaryBook(createMemoryStore());
    book.addPageStart(SID, 0, '/a', lines(3));
    book.acked(SID, 0, null);
    const d = book.choose(SID, '/a', false)!;
    book.refused(SID, d, false);
    expect(refOf(book.choose(SID, '/a', false))).toBe('static');
    book.refused(SID, book.choose(SID, '/a', false)!, true);
    expect(book.choose(SID, '/a', false)).toBeNull();
  });

  it('survives page loads through the store; what the page had queued counts as sent, never as proven', () => {
    const store = createMemoryStore();
    const book = new DictionaryBook(store);
    book.addPageStart(SID, 0, '/a', lines(3));
    book.acked(SID, 0, book.choose(SID, '/a', false));
    book.addPageStart(SID, 1, '/b', lines(3)); // left in a keepalive
    book.save();
    const next = new DictionaryBook(store);
    next.open(SID);
    expect(refOf(next.choose(SID, '/b', false))).toBe(1);
    expect(refOf(next.choose(SID, '/b', true))).toBe('static');
    // Another session (rotated) starts from scratch.
    next.open('sess_book_0002');
    expect(refOf(next.choose('sess_book_0002', '/a', false))).toBe('static');
    store.set(DICT_KEY, '{"broken');
    const third = new DictionaryBook(store);
    third.open(SID);
    expect(refOf(third.choose(SID, '/a', false))).toBe('static');
  });

  it('keeps at most six references, about 150 KB in the store', () => {
    const store = createMemoryStore();
    const book = new DictionaryBook(store);
    const big = Array.from({ length: 400 }, (_, i) => JSON.stringify({ t: i, kind: 'dom', data: { text: 'x'.repeat(200) } }));
    for (let i = 0; i < 10; i++) {
      book.addPageStart(SID, i, `/p${i}`, big);
      book.acked(SID, i, null);
    }
    expect(refOf(book.choose(SID, '/p0', false))).toBe(9);
    expect(refOf(book.choose(SID, '/p4', false))).toBe(4);
    expect(refOf(book.choose(SID, '/p3', false))).toBe(9);
    book.save();
    const saved = store.get(DICT_KEY)!;
    // Six texts of at most 24,000 characters, JSON-escaped.
    expect(saved.length).toBeLessThan(6 * 24_000 * 1.25);
  });

  it('a full book keeps the proven reference of a page whose later visits left only at pagehide', () => {
    const book = new DictionaryBook(createMemoryStore());
    book.open(SID);
    const prove = (seq: number, path: string) => {
      book.addPageStart(SID, seq, path, lines(3));
      book.acked(SID, seq, null);
      book.acked(SID, 100 + seq, book.choose(SID, path, false)); // a later batch deflated against it
    };
    prove(0, '/cart');
    // Every later visit of /cart leaves within a batch interval: its start goes at pagehide, fate unknown.
    book.addPageStart(SID, 1, '/cart', lines(3));
    prove(2, '/checkout');
    prove(3, '/');
    // Newer visits of the other pages, proven too, then more pages until the book overflows.
    prove(4, '/checkout');
    prove(5, '/');
    prove(6, '/p6');
    prove(7, '/p7');
    prove(8, '/p8');
    expect(refOf(book.choose(SID, '/cart', true))).toBe(0);
    expect(refOf(book.choose(SID, '/cart', false))).toBe(0);
    // Full again with one reference per page: the oldest page goes (/cart's), then a visit uses the newest.
    prove(9, '/p9');
    expect(refOf(book.choose(SID, '/cart', true))).toBe(9);
    expect(refOf(book.choose(SID, '/checkout', true))).toBe(4);
  });

  it('pagehide sends: a body deflated twice goes as it is only once the server took one, on this page or an earlier one of the tab', () => {
    const store = createMemoryStore();
    const book = new DictionaryBook(store);
    book.open(SID);
    const dict = book.choose(SID, '/a', false)!;
    book.acked(SID, 0, dict, true); // the delta form, deflated once: says nothing of the second pass
    expect(book.safeAtPagehide(SID, dict, true)).toBe(true);
    expect(book.twiceSafeAtPagehide(SID)).toBe(false);
    book.acked(SID, 1, dict, true, true);
    expect(book.twiceSafeAtPagehide(SID)).toBe(true);
    expect(book.twiceSafeAtPagehide('sess_other_0001')).toBe(false);
    book.save();
    const next = new DictionaryBook(store);
    next.open(SID);
    expect(next.twiceSafeAtPagehide(SID)).toBe(true);
  });
});
