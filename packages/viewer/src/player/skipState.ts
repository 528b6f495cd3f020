/**
 * Skip inactivity across seeks. While playing, rrweb 2.1.6 fast-forwards an idle stretch up to
 * the next user interaction it picked, and returns to normal speed when that event is cast. A seek
 * kept the pick: past it, the event was never cast again and playback stayed fast-forwarding to
 * the end; before it, playback fast-forwarded through activity. A seek ends the skip; rrweb
 * detects the next idle stretch from the new position as it plays.
 */
import type { Replayer } from '@rrweb/replay';

export function endSkip(r: Replayer): void {
  (r as unknown as { backToNormal(): void }).backToNormal();
}
