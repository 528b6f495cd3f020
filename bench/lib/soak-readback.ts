import { addDigest, lineHash, type SessionExpect } from './soak-recorders.js';

export interface ReadBackResult {
  sessions: number;
  events: number;
  bytes: number;
  /** Acknowledged batches whose marker event is not among the session's events. */
  missingBatches: number;
  /** Sessions whose events differ from the acknowledged ones (count or digest), or that failed to read. */
  badSessions: number;
  ms: number;
}

const PARALLEL = 4;

/** Reads every session back through the API (as the viewer does) and compares it with what was acknowledged. */
export async function readBack(
  base: string,
  admin: { email: string; password: string },
  expected: Map<string, SessionExpect>,
): Promise<ReadBackResult> {
  const t0 = Date.now();
  const login = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: base },
    body: JSON.stringify(admin),
  });
  if (login.status !== 200) throw new Error(`login failed: ${login.status} ${await login.text()}`);
  const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
  const out: ReadBackResult = { sessions: 0, events: 0, bytes: 0, missingBatches: 0, badSessions: 0, ms: 0 };
  const ids = [...expected.keys()];
  let next = 0;
  const worker = async () => {
    while (next < ids.length) {
      const id = ids[next++]!;
      const exp = expected.get(id)!;
      const res = await fetch(`${base}/api/v1/sessions/${encodeURIComponent(id)}/events`, { headers: { cookie } });
      out.sessions++;
      if (res.status !== 200) {
        out.badSessions++;
        out.missingBatches += exp.seqs.size;
        continue;
      }
      const text = await res.text();
      out.bytes += text.length;
      let events = 0;
      let digest = 0n;
      const seen = new Set<number>();
      for (const line of text.split('\n')) {
        if (line === '') continue;
        events++;
        digest = addDigest(digest, lineHash(line));
        if (line.includes('"name":"soak"')) {
          const e = JSON.parse(line) as { data: { data: { s: string; q: number } } };
          if (e.data.data.s === id) seen.add(e.data.data.q);
        }
      }
      out.events += events;
      for (const q of exp.seqs) if (!seen.has(q)) out.missingBatches++;
      if (events !== exp.events || digest !== exp.digest) out.badSessions++;
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  out.ms = Date.now() - t0;
  return out;
}
