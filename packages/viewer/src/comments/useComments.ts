/** A session's comments, loaded once and kept in step with what this tab creates, edits and deletes. */
import { useCallback, useEffect, useState } from 'react';
import { createComment, deleteComment, isAbort, listComments, updateComment, type CommentDraft, type SessionComment } from '../api';

export interface CommentsState {
  /** Null while loading. */
  list: SessionComment[] | null;
  error: string | null;
  create(draft: CommentDraft): Promise<SessionComment>;
  update(id: string, patch: Partial<CommentDraft>): Promise<SessionComment>;
  remove(id: string): Promise<void>;
}

const byMoment = (a: SessionComment, b: SessionComment) => a.offsetMs - b.offsetMs || a.createdAt - b.createdAt;

export function useComments(sessionId: string): CommentsState {
  const [list, setList] = useState<SessionComment[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const ctrl = new AbortController();
    setList(null);
    listComments(sessionId, ctrl.signal).then(setList, (err: unknown) => {
      if (!isAbort(err)) setError(err instanceof Error ? err.message : String(err));
    });
    return () => ctrl.abort();
  }, [sessionId]);

  const create = useCallback(
    async (draft: CommentDraft) => {
      const c = await createComment(sessionId, draft);
      setList((l) => [...(l ?? []), c].sort(byMoment));
      return c;
    },
    [sessionId],
  );
  const update = useCallback(
    async (id: string, patch: Partial<CommentDraft>) => {
      const c = await updateComment(sessionId, id, patch);
      setList((l) => (l ?? []).map((x) => (x.id === id ? c : x)).sort(byMoment));
      return c;
    },
    [sessionId],
  );
  const remove = useCallback(
    async (id: string) => {
      await deleteComment(sessionId, id);
      setList((l) => (l ?? []).filter((x) => x.id !== id));
    },
    [sessionId],
  );
  return { list, error, create, update, remove };
}
