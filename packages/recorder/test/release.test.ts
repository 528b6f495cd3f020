import { describe, expect, it } from 'vitest';
import { LIMITS } from '@reprise/protocol';
import { parseBatch } from '@reprise/protocol/schema';
import { resolveOptions, type ResolvedOptions } from '../src/options.js';

const base = { projectKey: 'pk_test', endpoint: 'https://replay.example.com' };
// resolveOptions resolves the endpoint against the page's location.
(globalThis as { location?: { href: string } }).location ??= { href: 'https://app.example.com/' };
const release = (v: unknown) => (resolveOptions({ ...base, release: v as string }) as ResolvedOptions).release;

describe('the release option', () => {
  it('is trimmed, cut to the protocol length, and null when blank or not a string (never refused)', () => {
    expect(release(' 1.4.2 ')).toBe('1.4.2');
    expect(release('')).toBeNull();
    expect(release(undefined)).toBeNull();
    expect(release(42)).toBeNull();
    expect(release('x'.repeat(500))).toHaveLength(LIMITS.maxReleaseLength);
  });

  it('travels in batch meta, which the server validates', () => {
    const batch = { v: 1, sessionId: 'sess_release_1', seq: 0, events: [], meta: { url: 'https://a.example/', release: '1.4.2' } };
    expect(parseBatch(batch)).toMatchObject({ ok: true, batch: { meta: { release: '1.4.2' } } });
    expect(parseBatch({ ...batch, meta: { release: 'x'.repeat(LIMITS.maxReleaseLength + 1) } }).ok).toBe(false);
  });
});
