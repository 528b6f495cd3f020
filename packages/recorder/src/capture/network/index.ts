/**
 * Network capture for fetch, XMLHttpRequest and navigator.sendBeacon.
 *
 * Each initiator has its module (fetch.ts, xhr.ts, beacon.ts); all fill in the same record
 * (record.ts) and capture bodies the same way (body.ts). Everything is redacted (privacy.ts)
 * before the event is pushed, and the recorder's own uploads are never recorded.
 */
import type { NetworkData, ReplayEvent } from '@reprise/protocol';
import type { CaptureContext, Stop } from '../context.js';
import type { Patched } from '../patch.js';
import { createRedactor, pageBaseUrl } from '../privacy.js';
import { patchBeacon } from './beacon.js';
import { patchFetch } from './fetch.js';
import type { NetConfig } from './record.js';
import { traceTargets } from './trace-context.js';
import { patchXhr } from './xhr.js';

export function startNetworkCapture(ctx: CaptureContext): Stop {
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
  const r = cfg.redactor;

  const emit = (d: NetworkData): void => {
    // Redaction happens here, on everything, just before the event exists.
    const data: NetworkData = {
      ...d,
      url: r.url(d.url),
      requestHeaders: r.headers(d.requestHeaders),
      responseHeaders: r.headers(d.responseHeaders),
    };
    const event: ReplayEvent<'network', NetworkData> = { t: d.startedAt, kind: 'network', data };
    ctx.sink.push(event);
  };

  const patches: Array<Patched<unknown> | null> = [patchFetch(ctx, cfg, emit), ...patchXhr(ctx, cfg, emit), patchBeacon(ctx, cfg, emit)];
  return () => {
    for (const p of patches.splice(0)) if (p) ctx.guard.run(() => p.restore());
  };
}
