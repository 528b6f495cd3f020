/**
 * Network capture for fetch, XMLHttpRequest and navigator.sendBeacon.
 *
 * Each initiator has its hook (fetch.ts, xhr.ts, beacon.ts), patched at start so no request is
 * missed; a hook takes what must be taken at once (calls.ts) and hands the finished call to the
 * records code (records.ts: bodies, redaction, the event), which the script-tag build loads as a
 * chunk (records-loader.ts). Calls that finish before it arrives wait here, in order, bounded;
 * if the page is left first, they are recorded without their bodies (record-base.ts).
 * The recorder's own uploads are never recorded.
 */
import { debugLog } from '../../guard.js';
import type { CaptureContext, Stop } from '../context.js';
import type { Patched } from '../patch.js';
import { createRedactor, pageBaseUrl } from '../privacy.js';
import { patchBeacon } from './beacon.js';
import { dropClones, type NetCall, type NetConfig, type TakeCall } from './calls.js';
import { patchFetch } from './fetch.js';
import { loadRecords, loadedRecords } from './records-loader.js';
import { bareRecord, networkEmitter, unreadRecord, type RecordBase } from './record-base.js';
import { traceTargets } from './trace-context.js';
import { patchXhr } from './xhr.js';

/** Calls waiting for the records code: bounded, whatever the page requests in its first moments. */
const MAX_WAITING = 200;

export interface NetworkCapture {
  stop: Stop;
  /** The page is being hidden: calls still waiting for the records code are recorded without bodies. */
  onHide(): void;
}

export function startNetworkCapture(ctx: CaptureContext): NetworkCapture {
  const o = ctx.opts;
  const cfg: NetConfig = {
    redactor: createRedactor(o.redactKeys, o.redactHeaders),
    captureBodies: o.captureBodies,
    allow: o.bodyUrlAllow,
    deny: o.bodyUrlDeny,
    max: o.networkBodyMaxBytes,
    // Buffer mode keeps requests nobody may ever upload: no trace for them. (A sampled-out
    // session never gets here: nothing is patched.)
    trace: o.mode === 'buffer' ? null : traceTargets(o.tracePropagationTargets, pageBaseUrl()),
  };

  let stopped = false;
  const base: RecordBase = { bare: bareRecord, emit: networkEmitter(ctx, cfg) };
  const create = loadedRecords();
  let records: TakeCall | null = create ? create(ctx, cfg, base) : null;
  // null once the chunk can't be had or capture stopped: calls are let go.
  let waiting: NetCall[] | null = records ? null : [];
  let dropped = 0;
  const take: TakeCall = (call) => {
    if (records) return records(call);
    if (!waiting) return dropClones(call);
    // The oldest go first: their clones hold the most of what nobody has read yet.
    if (waiting.push(call) > MAX_WAITING) {
      dropClones(waiting.shift()!);
      if (++dropped === 1) debugLog('network: requests finished before the records code arrived were dropped (queue full)');
    }
  };
  if (!records)
    void loadRecords().then((m) =>
      ctx.guard.run(() => {
        const queue = waiting ?? [];
        waiting = null;
        if (m && !stopped) {
          const r = (records = m(ctx, cfg, base));
          for (const call of queue) r(call);
        } else queue.forEach(dropClones);
      }),
    );

  const patches: Array<Patched<unknown> | null> = [
    // Nothing to clone for once the records code decides, or can't be had (clones would be dropped unread).
    patchFetch(ctx, cfg, take, () => records !== null || waiting === null),
    ...patchXhr(ctx, cfg, take),
    patchBeacon(ctx, take),
  ];
  return {
    stop() {
      stopped = true;
      for (const p of patches.splice(0)) if (p) ctx.guard.run(() => p.restore());
    },
    onHide() {
      // The page may never come back to read them: record what is known now. (If it does come
      // back, later calls still wait for the chunk.)
      for (const call of waiting?.splice(0) ?? []) {
        dropClones(call);
        ctx.guard.run(() => base.emit(unreadRecord(call, cfg.captureBodies)));
      }
    },
  };
}
