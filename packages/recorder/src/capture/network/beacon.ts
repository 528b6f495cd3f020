/** navigator.sendBeacon hook: handed over at once, since a beacon has no response the page can see. */
import { isOwnRequest } from '../../transport/own-request.js';
import type { CaptureContext } from '../context.js';
import { patchMethod, type Patched } from '../patch.js';
import { absoluteUrl } from '../privacy.js';
import type { TakeCall } from './calls.js';

export function patchBeacon(ctx: CaptureContext, take: TakeCall): Patched<unknown> | null {
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
          if (!isOwnRequest(rawUrl)) {
            const t0 = performance.now();
            take({ initiator: 'beacon', method: 'POST', url: absoluteUrl(rawUrl), headers: {}, body, queued, startedAt: Date.now(), t0 });
          }
        } catch (err) {
          ctx.guard.report(err);
        }
        return queued;
      } as Navigator['sendBeacon'],
  ) as Patched<unknown> | null;
}
