import { afterEach, describe, expect, it } from 'vitest';
import { timeZone } from '../src/capture/env.js';

// The first Intl.DateTimeFormat of a page costs 30-90 ms of main thread in Chromium; Temporal is nearly free.
const g = globalThis as { Temporal?: unknown };
const saved = g.Temporal;
afterEach(() => {
  if (saved === undefined) delete g.Temporal;
  else g.Temporal = saved;
});

describe('env time zone', () => {
  it('prefers Temporal.Now.timeZoneId()', () => {
    g.Temporal = { Now: { timeZoneId: () => 'Europe/Berlin' } };
    expect(timeZone()).toBe('Europe/Berlin');
  });

  it('falls back to Intl when Temporal is missing, throws or answers nothing', () => {
    const intl = Intl.DateTimeFormat().resolvedOptions().timeZone;
    delete g.Temporal;
    expect(timeZone()).toBe(intl);
    g.Temporal = {
      Now: {
        timeZoneId: () => {
          throw new Error('unsupported');
        },
      },
    };
    expect(timeZone()).toBe(intl);
    g.Temporal = { Now: { timeZoneId: () => '' } };
    expect(timeZone()).toBe(intl);
  });
});
