/**
 * Notes tab: the session's comments by moment, each with its author and time. A click opens the
 * comment (seeks there and shows its sketch); its author or an admin may edit or delete it.
 */
import { useState } from 'react';
import type { SessionComment } from '@reprise/protocol';
import { clock, localDateTime } from '../format';
import { copyText } from '../player/clipboard';
import { commentUrl } from '../player/deepLink';
import { rowActivation, timeAttrs } from './sync';

interface Props {
  comments: SessionComment[] | null;
  error: string | null;
  activeId: string | null;
  nowMs: number;
  onOpen(id: string): void;
  onEdit(id: string, text: string): Promise<unknown>;
  onDelete(id: string): Promise<unknown>;
}

export function NotesPanel({ comments, error, activeId, nowMs, onOpen, onEdit, onDelete }: Props) {
  if (error) return <p className="dt-empty error">Comments could not be loaded: {error}</p>;
  if (!comments) return <p className="dt-empty muted">Loading comments…</p>;
  return (
    <div className="dt-tab">
      <div className="dt-list">
        {comments.length === 0 && (
          <p className="dt-empty muted">
            No comments yet. Press <kbd>c</kbd> or “Comment” under the replay to pin a note (and a sketch) to a moment.
          </p>
        )}
        {comments.map((c) => (
          <NoteRow
            key={c.id}
            c={c}
            active={c.id === activeId}
            future={c.offsetMs > nowMs}
            onOpen={onOpen}
            onEdit={onEdit}
            onDelete={onDelete}
          />
        ))}
      </div>
    </div>
  );
}

function NoteRow(p: { c: SessionComment; active: boolean; future: boolean } & Pick<Props, 'onOpen' | 'onEdit' | 'onDelete'>) {
  const { c } = p;
  const [editing, setEditing] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [copied, setCopied] = useState(false);
  const act = (work: Promise<unknown>, after?: () => void) => {
    setBusy(true);
    setProblem(null);
    work.then(
      () => {
        setBusy(false);
        after?.();
      },
      (err: unknown) => {
        setBusy(false);
        setProblem(err instanceof Error ? err.message : String(err));
      },
    );
  };
  return (
    <div
      className={p.active ? 'dt-row note-row active' : 'dt-row note-row'}
      data-testid="note-entry"
      data-comment-id={c.id}
      {...timeAttrs(p.future, p.active)}
      {...rowActivation(() => p.onOpen(c.id))}
    >
      <span className="dt-time">{clock(c.offsetMs)}</span>
      <div className="note-body">
        <div className="note-meta muted">
          <span data-testid="note-author">{c.authorEmail ?? 'deleted user'}</span> ·{' '}
          <span title={localDateTime(c.createdAt)}>{localDateTime(c.createdAt)}</span>
          {c.updatedAt > c.createdAt + 1000 && <span> · edited</span>}
          {c.shapes.length > 0 && <span className="note-badge">sketch</span>}
        </div>
        {editing === null ? (
          <div className="note-text" data-testid="note-text">
            {c.text || <span className="muted">(sketch only)</span>}
          </div>
        ) : (
          <textarea
            className="note-edit"
            data-testid="note-edit-text"
            rows={3}
            maxLength={5000}
            value={editing}
            onChange={(e) => setEditing(e.currentTarget.value)}
          />
        )}
        {c.element && (
          <div className="muted note-element" title={`rrweb node ${c.element.nodeId}`}>
            on <code>{c.element.selector}</code>
          </div>
        )}
        <div className="note-actions">
          <button
            type="button"
            className="link-button"
            onClick={() =>
              copyText(commentUrl(window.location.href, c.offsetMs, c.id)).then(
                () => setCopied(true),
                () => setProblem('Copy failed'),
              )
            }
          >
            {copied ? 'Copied' : 'Copy link'}
          </button>
          {c.canEdit &&
            (editing === null ? (
              <>
                <button type="button" className="link-button" data-testid="note-edit" onClick={() => setEditing(c.text)}>
                  Edit
                </button>
                <button
                  type="button"
                  className="link-button danger"
                  data-testid="note-delete"
                  disabled={busy}
                  onClick={() => window.confirm('Delete this comment?') && act(p.onDelete(c.id))}
                >
                  Delete
                </button>
              </>
            ) : (
              <>
                <button
                  type="button"
                  className="link-button"
                  data-testid="note-save"
                  disabled={busy || !editing.trim()}
                  onClick={() => act(p.onEdit(c.id, editing.trim()), () => setEditing(null))}
                >
                  Save
                </button>
                <button type="button" className="link-button" onClick={() => setEditing(null)}>
                  Cancel
                </button>
              </>
            ))}
          {problem && <span className="error">{problem}</span>}
        </div>
      </div>
    </div>
  );
}
