import type { IssueStatus } from '@reprise/protocol';
import semver from 'semver';

/**
 * Whether an occurrence of a resolved issue reopens it (docs/issues.md, "Regressions").
 * Releases are compared as semantic versions when both parse (`1.4.0`, `v2.0.0-rc.1`);
 * otherwise (commit hashes, build numbers as text, one semver and one not) by when the
 * project first saw each release: the one first seen later is the newer.
 */

export const ISSUE_STATUSES: readonly IssueStatus[] = ['open', 'resolved', 'ignored'];

/** A release with the time the project first saw it (an error or session carrying it). */
export interface SeenRelease {
  name: string;
  firstSeen: number;
}

/** Positive when `a` is newer than `b`, negative when older, 0 when neither can be told. */
export function compareReleases(a: SeenRelease, b: SeenRelease): number {
  if (a.name === b.name) return 0;
  const va = semver.clean(a.name, { loose: true });
  const vb = semver.clean(b.name, { loose: true });
  if (va && vb && semver.compare(va, vb) !== 0) return semver.compare(va, vb);
  return Math.sign(a.firstSeen - b.firstSeen);
}

export interface ResolvedState {
  status: IssueStatus;
  /** The release the issue was marked resolved in; null = resolved without a release. */
  resolvedIn: SeenRelease | null;
  /** When it was marked resolved. */
  resolvedAt: number | null;
}

/**
 * A resolved issue reopens when it recurs in a release newer than the one it was resolved in;
 * resolved without a release, any occurrence after the resolution reopens it. An occurrence
 * without a release never reopens an issue resolved in one (nothing says it is newer).
 * Open issues stay open and ignored ones stay ignored.
 */
export function reopens(issue: ResolvedState, occurrence: { t: number; release: SeenRelease | null }): boolean {
  if (issue.status !== 'resolved') return false;
  if (!issue.resolvedIn) return issue.resolvedAt === null || occurrence.t > issue.resolvedAt;
  return occurrence.release !== null && compareReleases(occurrence.release, issue.resolvedIn) > 0;
}
