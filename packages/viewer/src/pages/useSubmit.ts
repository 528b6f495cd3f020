import { useState } from 'react';
import { isAbort } from '../api';
import { errorMessage } from './useAdminList';

/** A create form's busy flag and error: `submit` runs the request with the button disabled. */
export function useSubmit() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function submit(action: () => Promise<void>): Promise<void> {
    setBusy(true);
    try {
      await action();
    } catch (err) {
      if (!isAbort(err)) setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  return { busy, error, setError, submit };
}
