import type { ClickProblem, ErrorGroup, FailingEndpoint } from '@reprise/protocol';
import type { ProblemQuery, ProblemRows } from './types.js';

/**
 * "Top problems" aggregate rows, the same in both dialects, and their mapping to API objects:
 * each backend only runs its queries (sqlite/problems.ts, postgres/problems.ts).
 */
interface GroupCounts {
  count: number;
  sessions: number;
  last_seen: number;
}
export type EndpointRow = GroupCounts & { method: string; route: string };
export type ErrorGroupRow = GroupCounts & {
  key: string;
  name: string | null;
  message: string;
  /** The newest error's stack, release and session (for its resolved top frame). */
  stack?: string | null;
  release?: string | null;
  session_id?: string;
};

/** The newest error of a group, for the API to resolve its top frame; never sent as is. */
export interface ErrorSample {
  stack: string | null;
  release: string | null;
  sessionId: string | null;
}
export type ClickProblemRow = GroupCounts & { selector: string; text: string | null };

/** An endpoint group with its statuses, most frequent first. */
export function toFailingEndpoint(r: EndpointRow, statuses: number[]): ProblemRows<FailingEndpoint>[number] {
  return { method: r.method, route: r.route, statuses, count: r.count, sessions: r.sessions, lastSeen: r.last_seen };
}

/** A group's key is its message key (or raw message); `example` is the newest message in it. */
export function toErrorGroup(r: ErrorGroupRow): ProblemRows<ErrorGroup>[number] & { sample?: ErrorSample } {
  return {
    name: r.name,
    message: r.key,
    example: r.message,
    count: r.count,
    sessions: r.sessions,
    lastSeen: r.last_seen,
    sample: { stack: r.stack ?? null, release: r.release ?? null, sessionId: r.session_id ?? null },
  };
}

export function toClickProblem(type: 'rage' | 'dead', r: ClickProblemRow): ProblemRows<ClickProblem>[number] {
  return { type, selector: r.selector, text: r.text, count: r.count, sessions: r.sessions, lastSeen: r.last_seen };
}

/** A backend's "top problems" aggregates as stored (sealed text still sealed): its problems.ts over its database. */
export interface ProblemAggregates {
  failingEndpoints(q: ProblemQuery): ProblemRows<FailingEndpoint> | Promise<ProblemRows<FailingEndpoint>>;
  errorGroups(q: ProblemQuery): ProblemRows<ErrorGroup> | Promise<ProblemRows<ErrorGroup>>;
  clickProblems(q: ProblemQuery & { type: 'rage' | 'dead' }): ProblemRows<ClickProblem> | Promise<ProblemRows<ClickProblem>>;
}
