import { Readable } from 'node:stream';
import type { ReplayEvent } from '@reprise/protocol';

/**
 * `GET /sessions/:id/events` as a byte stream: one `{t, kind, data}` line per event, written
 * group by group as the store reads batches (Store.streamEvents), so neither the session nor
 * its text is ever whole in memory. An event that cannot be serialized (nested too deep for
 * JSON.stringify, stored before ingest bounded depth) is left out and reported, never a 500.
 */
export function ndjsonStream(groups: AsyncIterable<ReplayEvent[]>, onUnreadable: (e: ReplayEvent, err: unknown) => void): Readable {
  async function* lines(): AsyncGenerator<string> {
    for await (const group of groups) {
      let text = '';
      for (const e of group) {
        try {
          text += JSON.stringify({ t: e.t, kind: e.kind, data: e.data }) + '\n';
        } catch (err) {
          onUnreadable(e, err);
        }
      }
      if (text) yield text;
    }
  }
  return Readable.from(lines(), { objectMode: false });
}
