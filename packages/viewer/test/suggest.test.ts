import { describe, expect, it } from 'vitest';
import { apply, suggest, wordAt, type FieldInfo } from '../src/search/suggest';

const FIELDS: FieldInfo[] = [
  { name: 'status', description: 'HTTP status of a request', examples: ['status:500'] },
  { name: 'has', description: 'Sessions with a signal', examples: ['has:rage'], values: ['error', 'rage', 'dead', 'feedback'] },
  { name: 'browser', description: 'Browser name', examples: ['browser:chrome'], values: ['Chrome', 'Firefox', 'Mobile Safari'] },
];

describe('search bar suggestions', () => {
  it('finds the word around the caret, keeping quoted spaces and splitting on parentheses', () => {
    expect(wordAt('a:1 console:"x y" b', 15)).toEqual({ start: 4, end: 17 });
    expect(wordAt('(has:ra', 7)).toEqual({ start: 1, end: 7 });
  });

  it('suggests field names after a word start, with descriptions, and none on an empty word', () => {
    expect(suggest('', 0, FIELDS)).toEqual([]);
    const s = suggest('status:500 -ha', 14, FIELDS);
    expect(s.map((x) => [x.label, x.detail])).toEqual([['has:', 'Sessions with a signal']]);
    // The negation stays; the field name replaces the typed prefix.
    expect(apply('status:500 -ha', s[0]!)).toEqual({ text: 'status:500 -has:', caret: 16 });
    expect(suggest('', 0, FIELDS, { all: true })).toHaveLength(3);
  });

  it('suggests values after field:, prefix matches first, quoting values with spaces', () => {
    expect(suggest('has:', 4, FIELDS).map((x) => x.label)).toEqual(['error', 'rage', 'dead', 'feedback']);
    expect(suggest('has:e', 5, FIELDS).map((x) => x.label)).toEqual(['error', 'rage', 'dead', 'feedback']);
    expect(suggest('has:ag', 6, FIELDS).map((x) => x.label)).toEqual(['rage']);
    const [safari] = suggest('browser:mob', 11, FIELDS);
    expect(apply('browser:mob', safari!)).toEqual({ text: 'browser:"Mobile Safari" ', caret: 24 });
    // In the middle of the query no extra space is added before what follows.
    const [rage] = suggest('has:ra status:500', 6, FIELDS);
    expect(apply('has:ra status:500', rage!).text).toBe('has:rage status:500');
    // A complete value needs no suggestion (Enter searches), an unknown field has none.
    expect(suggest('has:rage', 8, FIELDS)).toEqual([]);
    expect(suggest('nope:x', 6, FIELDS)).toEqual([]);
  });
});
