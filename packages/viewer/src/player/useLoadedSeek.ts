/**
 * Seeks with range loading: a moment whose window is not loaded yet is shown once it is (the old
 * frame stays meanwhile, `waiting` is true), unless another seek came first.
 */
import { useCallback, useRef, useState, type RefObject } from 'react';
import type { Replayer } from '@rrweb/replay';

/** Null when the moment can be shown now, else a promise that resolves once its window is handed over. */
export type EnsureLoaded = (offsetMs: number) => Promise<void> | null;

export function useLoadedSeek(replayer: RefObject<Replayer | null>, ensureLoaded: EnsureLoaded | undefined) {
  const ensure = useRef(ensureLoaded);
  ensure.current = ensureLoaded;
  const seq = useRef(0);
  const [waiting, setWaiting] = useState(false);
  const waitingRef = useRef(false);
  waitingRef.current = waiting;

  /** Runs `apply` once the moment `ms` is loaded: at once when it is. Returns false when it had to wait. */
  const whenLoaded = useCallback(
    (ms: number, apply: (r: Replayer) => void): boolean => {
      const mine = ++seq.current;
      const r = replayer.current;
      if (!r) return true;
      const pending = ensure.current?.(ms) ?? null;
      if (!pending) {
        setWaiting(false);
        apply(r);
        return true;
      }
      setWaiting(true);
      pending.then(
        () => {
          if (mine !== seq.current || replayer.current !== r) return;
          setWaiting(false);
          apply(r);
        },
        () => {
          // A failed window: stay where we are; the next seek tries again.
          if (mine === seq.current) setWaiting(false);
        },
      );
      return false;
    },
    [replayer],
  );

  /** Drops a seek still waiting for its window (the user did something else). */
  const cancel = useCallback(() => {
    seq.current++;
    setWaiting(false);
  }, []);

  return { whenLoaded, cancel, waiting, waitingRef };
}
