/**
 * Resolves the recorded stacks a session's panels show through the server's source maps
 * (POST /api/v1/sessions/:id/stacks/resolve), batching the stacks rendered together into one
 * request and keeping each answer for the session. A stack that cannot be resolved (the request
 * failed) keeps showing as recorded.
 */
import { createContext, useContext, useEffect, useSyncExternalStore } from 'react';
import type { ResolvedFrame } from '@reprise/protocol';

/** What the server allows per request. */
const MAX_PER_REQUEST = 200;
const MAX_STACK_CHARS = 16 * 1024;

export type StackState = { status: 'pending' } | { status: 'done'; frames: ResolvedFrame[] } | { status: 'failed' };

export class StackResolver {
  private readonly states = new Map<string, StackState>();
  private queue: string[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly sessionId: string,
    private readonly post: (sessionId: string, stacks: string[]) => Promise<ResolvedFrame[][]>,
  ) {}

  state(stack: string): StackState | undefined {
    return this.states.get(stack);
  }

  /** Asks for a stack once; the answer arrives through subscribe. */
  request(stack: string): void {
    if (this.states.has(stack)) return;
    if (stack.length > MAX_STACK_CHARS) {
      this.states.set(stack, { status: 'failed' });
      return;
    }
    this.states.set(stack, { status: 'pending' });
    this.queue.push(stack);
    this.timer ??= setTimeout(() => this.flush(), 30);
  }

  subscribe = (fn: () => void): (() => void) => {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  };

  private flush(): void {
    this.timer = null;
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, MAX_PER_REQUEST);
      this.post(this.sessionId, batch)
        .then(
          (answers) =>
            batch.forEach((s, i) => this.states.set(s, answers[i] ? { status: 'done', frames: answers[i] } : { status: 'failed' })),
          () => batch.forEach((s) => this.states.set(s, { status: 'failed' })),
        )
        .finally(() => this.listeners.forEach((l) => l()));
    }
  }
}

export const StackResolverContext = createContext<StackResolver | null>(null);

/** The stack's resolution: undefined without a resolver (outside a session) or before asking. */
export function useResolvedStack(stack: string | undefined): StackState | undefined {
  const resolver = useContext(StackResolverContext);
  useEffect(() => {
    if (resolver && stack) resolver.request(stack);
  }, [resolver, stack]);
  return useSyncExternalStore(resolver ? resolver.subscribe : noSubscribe, () => (resolver && stack ? resolver.state(stack) : undefined));
}

const noSubscribe = () => () => {};
