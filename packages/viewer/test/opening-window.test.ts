import { describe, expect, it } from 'vitest';
import { formatWindowHeader, parseStartParam, parseWindowHeader } from '@reprise/protocol';

// The server names the range of an `…/events?open=` answer in a header; the player counts those
// events as its first window only if the header reads back as exactly the range it computed.
describe('the Reprise-Window header', () => {
  it('reads back every range the server writes, open ends included', () => {
    for (const r of [
      { from: 1732370000123, to: 1732370010123 },
      { from: 1732370000123, to: Infinity },
      { from: -Infinity, to: Infinity },
      { from: -Infinity, to: 1732370000000.5 },
    ]) {
      expect(parseWindowHeader(formatWindowHeader(r))).toEqual(r);
    }
  });

  it('is null when missing or not two bounds', () => {
    for (const v of [null, '', '1', '1 2 3', 'a b', '1,2', '* -']) expect(parseWindowHeader(v), String(v)).toBeNull();
  });
});

describe('?t= of a session URL', () => {
  it('is an offset in whole ms, 0 unless a positive number', () => {
    expect(parseStartParam('12.3456')).toBe(12346);
    expect(parseStartParam('7')).toBe(7000);
    for (const v of [null, '', '-3', '0', 'abc', 'Infinity']) expect(parseStartParam(v), String(v)).toBe(0);
  });
});
