import { describe, expect, it } from 'vitest';
import { metric } from '../lib/results.js';
import { runSoak, soakOptions } from '../soak.js';

// Smoke mode: 50 recorders for 10 s on SQLite (a batch every 2 s), malformed requests mixed in;
// the full soak (1,000 recorders, 10 minutes, both backends) is `npm run bench -- soak`.
describe('soak benchmark in smoke mode', () => {
  it("acknowledges the recorders' batches, refuses the malformed ones with 4xx, and reads every acknowledged batch back", async () => {
    const r = await runSoak(soakOptions({ smoke: true, command: 'vitest smoke' }));
    expect(r.options).toMatchObject({ recorders: 50, backends: 'sqlite' });
    expect(metric(r, 'sqliteAcked').median).toBeGreaterThan(50);
    expect(metric(r, 'sqliteFailed5xx').median).toBe(0);
    expect(metric(r, 'sqliteFailedOther').median).toBe(0);
    expect(metric(r, 'sqliteMalformed4xx').median).toBeGreaterThan(0);
    expect(metric(r, 'sqliteMalformedNot4xx').median).toBe(0);
    expect(metric(r, 'sqliteReadbackMissing').median).toBe(0);
    expect(metric(r, 'sqliteReadbackBadSessions').median).toBe(0);
    expect(metric(r, 'sqliteRssEndMiB').median).toBeGreaterThan(0);
    expect(metric(r, 'sqliteAckP99Ms').median).toBeGreaterThanOrEqual(metric(r, 'sqliteAckP50Ms').median);
  });
});
