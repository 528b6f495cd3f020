/** navigator.sendBeacon capture: recorded at once, since a beacon has no response the page can see. */
import type { NetworkData } from '@reprise/protocol';
import { isOwnRequest } from '../../transport/own-request.js';
import type { CaptureContext } from '../context.js';
import { patchMethod, type Patched } from '../patch.js';
import { absoluteUrl } from '../privacy.js';
import { requestBody } from './body.js';
import { newRequestRecord, type EmitRecord, type NetConfig } from './record.js';

export function patchBeacon(ctx: CaptureContext, cfg: NetConfig, emit: EmitRecord): Patched<unknown> | null {
  if (typeof navigator === 'undefined' || typeof navigator.sendBeacon !== 'function') return null;
  return patchMethod(
    navigator,
    'sendBeacon',
    (original, isActive) =>
      function (this: Navigator, url: string | URL, body?: BodyInit | null): boolean {
        // eslint-disable-next-line prefer-rest-params
        const queued = original.apply(this, arguments as unknown as [string | URL, BodyInit?]);
        if (!isActive()) return queued;
        try {
          const rawUrl = String(url);
          if (!isOwnRequest(rawUrl)) emit(beaconRecord(cfg, rawUrl, body, queued));
        } catch (err) {
          ctx.guard.report(err);
        }
        return queued;
      } as Navigator['sendBeacon'],
  ) as Patched<unknown> | null;
}

function beaconRecord(cfg: NetConfig, rawUrl: string, body: BodyInit | null | undefined, queued: boolean): NetworkData {
  const abs = absoluteUrl(rawUrl);
  let ctype = '';
  try {
    if (typeof Blob !== 'undefined' && body instanceof Blob) ctype = body.type;
  } catch {
    /* ignore */
  }
  // Status stays 0: the page never sees an answer.
  const data = newRequestRecord('beacon', 'POST', abs, ctype ? { 'content-type': ctype } : {}, requestBody(cfg, abs, body, ctype));
  if (queued) data.statusText = 'queued';
  else {
    data.error = 'network';
    data.errorMessage = 'sendBeacon refused to queue the request';
  }
  return data;
}
