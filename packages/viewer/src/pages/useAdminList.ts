/**
 * The state of an admin list page (links, tokens): the loaded list, its load error, a refresh
 * (optionally every `everyMs`) and a revoke that asks first and reloads after.
 */
import { useCallback, useEffect, useState } from 'react';
import { ApiError, isAbort } from '../api';

export function errorMessage(err: unknown): string {
  return err instanceof ApiError || err instanceof Error ? err.message : String(err);
}

/** `load` must be stable (a module-level function): a new one reloads the list. */
export function useAdminList<T>(load: (signal?: AbortSignal) => Promise<T>, everyMs?: number) {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);

  const refresh = useCallback(
    async (signal?: AbortSignal) => {
      try {
        setData(await load(signal));
        setError(null);
      } catch (err) {
        if (!isAbort(err)) setError(errorMessage(err));
      }
    },
    [load],
  );

  useEffect(() => {
    const ctrl = new AbortController();
    void refresh(ctrl.signal);
    const id = everyMs ? setInterval(() => void refresh(ctrl.signal), everyMs) : undefined;
    return () => {
      if (id !== undefined) clearInterval(id);
      ctrl.abort();
    };
  }, [refresh, everyMs]);

  /** Runs `action` if the user confirms `question`, then reloads; a failure shows as the list's error. */
  async function revoke(question: string, action: () => Promise<void>): Promise<void> {
    if (!window.confirm(question)) return;
    try {
      await action();
      await refresh();
    } catch (err) {
      if (!isAbort(err)) setError(errorMessage(err));
    }
  }

  return { data, error, refresh, revoke };
}
