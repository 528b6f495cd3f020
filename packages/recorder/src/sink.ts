import type { ReplayEvent } from '@reprise/protocol';

/**
 * Where capture modules put events. DOM capture is the first producer; console,
 * network and error capture will push their own kinds through the same sink.
 */
export interface EventSink {
  push(event: ReplayEvent): void;
}
