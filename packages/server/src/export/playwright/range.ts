/**
 * The stretch of a session an export covers: `from` and `to` are ms offsets from the session
 * start ("12000") or ISO times ("2026-12-06T15:04:05Z"); either may be left out.
 */
export interface ExportRange {
  /** Epoch ms, inclusive. */
  from: number;
  /** Epoch ms, inclusive. */
  to: number;
}

/** A `from`/`to` value that is neither an offset nor an ISO time. */
export class RangeParamError extends Error {}

export function parseRange(from: string | undefined, to: string | undefined, startedAt: number, endedAt: number): ExportRange {
  const range = { from: moment(from, 'from', startedAt) ?? startedAt, to: moment(to, 'to', startedAt) ?? endedAt };
  if (range.to < range.from) throw new RangeParamError('to must not be before from');
  return range;
}

function moment(v: string | undefined, name: string, startedAt: number): number | null {
  if (v === undefined || v === '') return null;
  if (/^\d{1,12}$/.test(v)) return startedAt + Number(v);
  // Only full ISO times: Date.parse accepts too many shapes ("1", "May 3") to take anything else.
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(v)) {
    const t = Date.parse(v);
    if (Number.isFinite(t)) return t;
  }
  throw new RangeParamError(`${name} must be ms from the session start or an ISO time`);
}
