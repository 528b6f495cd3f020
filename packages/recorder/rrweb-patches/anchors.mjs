// Text surgery on @rrweb/record's record.js: every anchor must be found exactly as expected, or
// the build fails (after an rrweb upgrade, review the changes again).

/** `src` with its one `anchor` replaced. */
export function replaceOnce(src, anchor, replacement) {
  const at = src.indexOf(anchor);
  if (at < 0 || src.indexOf(anchor, at + 1) >= 0) {
    throw new Error(`rrweb-patches: expected exactly one "${anchor}" in @rrweb/record's record.js (is rrweb still 2.1.6?)`);
  }
  return src.slice(0, at) + replacement + src.slice(at + anchor.length);
}

/** The text between two anchors of `src` (start included, end excluded); each anchor must be unique. */
export function between(src, start, end) {
  const at = src.indexOf(start);
  const stop = src.indexOf(end, at);
  if (at < 0 || stop < 0 || src.indexOf(start, at + 1) >= 0) {
    throw new Error(`rrweb-patches: expected one "${start}" followed by "${end}" in @rrweb/record's record.js (is rrweb still 2.1.6?)`);
  }
  return src.slice(at, stop);
}

export function replaceAll(src, anchor, replacement, count) {
  const parts = src.split(anchor);
  if (parts.length - 1 !== count)
    throw new Error(`rrweb-patches: expected ${count} × "${anchor}" in @rrweb/record's record.js (is rrweb still 2.1.6?)`);
  return parts.join(replacement);
}
