import { z } from 'zod';
import type { NetworkData, ReplayEvent } from '@reprise/protocol';
import { fitLines } from '../budget.js';
import { offset, readableSession, ToolError } from '../context.js';
import { formatBody, formatHeaders } from '../format.js';
import { defineTool } from '../tool.js';

const BODY_CHARS = 6_000;

export const getNetworkRequest = defineTool({
  name: 'get_network_request',
  description:
    'One recorded request of a session with its headers and bodies as stored (redacted by the recorder); requestId is the recorded id, or a URL fragment that names one request.',
  input: {
    sessionId: z.string().min(1).max(64).describe('Session id'),
    requestId: z
      .string()
      .min(1)
      .max(2000)
      .describe('The recorded request id, or part of its URL (e.g. /api/checkout) when only one request matches'),
  },
  async run(ctx, { sessionId, requestId }) {
    const session = await readableSession(ctx, sessionId);
    const requests: ReplayEvent<'network', NetworkData>[] = [];
    for await (const group of ctx.store.streamEvents(session.id)) {
      for (const e of group) if (e.kind === 'network' && isNetwork(e.data)) requests.push(e as ReplayEvent<'network', NetworkData>);
    }
    const exact = requests.filter((r) => r.data.id === requestId);
    const matches = exact.length ? exact : requests.filter((r) => r.data.url.includes(requestId));
    if (matches.length !== 1) {
      const list = requests.map(
        (r) => `- ${r.data.id}  ${offset(r.t, session.startedAt)}  ${r.data.method} ${r.data.url} → ${r.data.status || 'failed'}`,
      );
      const why =
        matches.length === 0
          ? `no request ${JSON.stringify(requestId)} in session ${session.id}`
          : `${matches.length} requests match ${JSON.stringify(requestId)}: pass one id`;
      throw new ToolError(`${why}. Its requests:\n${fitLines(list, 6_000, 'requests') || '(none recorded)'}`);
    }
    const { t, data: r } = matches[0]!;
    const outcome = r.status
      ? `${r.status}${r.statusText ? ` ${r.statusText}` : ''}`
      : `failed (${r.error ?? 'no response'}${r.errorMessage ? `: ${r.errorMessage}` : ''})`;
    return [
      `${r.method} ${r.url} → ${outcome}`,
      `id ${r.id}, ${r.initiator}, at ${offset(t, session.startedAt)}, took ${Math.round(r.durationMs)} ms`,
      `Request headers:\n${formatHeaders(r.requestHeaders)}`,
      `Request body ${formatBody(r.requestBody, BODY_CHARS)}`,
      `Response headers:\n${formatHeaders(r.responseHeaders)}`,
      `Response body ${formatBody(r.responseBody, BODY_CHARS)}`,
      // The "Full stack" capability (server-side traces joined to requests) does not exist yet.
      'Backend spans: not available (this Reprise server does not record backend traces).',
    ].join('\n');
  },
});

function isNetwork(d: unknown): d is NetworkData {
  return !!d && typeof d === 'object' && typeof (d as NetworkData).id === 'string' && typeof (d as NetworkData).url === 'string';
}
