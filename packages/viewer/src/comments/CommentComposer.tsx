/**
 * The form of a new comment, shown under the frame while composing: the note, the sketch tools
 * (arrow, rectangle, freehand, element) and Save/Cancel. The sketch itself is drawn on the
 * SketchLayer over the frame; both read the draft (useCommentDraft).
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { CommentElement, SketchPoint, SketchShape } from '@reprise/protocol';
import { clock } from '../format';
import type { PickedElement } from '../player/pickElement';
import type { SketchTool } from './SketchLayer';

export interface CommentDraftState {
  offsetMs: number;
  text: string;
  shapes: SketchShape[];
  element: CommentElement | null;
  tool: SketchTool;
}

/** The draft of the comment being written (null when none) and what changes it. */
export function useCommentDraft(elementAt: (p: SketchPoint) => PickedElement | null) {
  const [draft, setDraft] = useState<CommentDraftState | null>(null);
  const start = useCallback((offsetMs: number) => setDraft({ offsetMs, text: '', shapes: [], element: null, tool: 'rect' }), []);
  const cancel = useCallback(() => setDraft(null), []);
  const patch = useCallback((p: Partial<CommentDraftState>) => setDraft((d) => (d ? { ...d, ...p } : d)), []);
  const addShape = useCallback((s: SketchShape) => setDraft((d) => (d ? { ...d, shapes: [...d.shapes, s] } : d)), []);
  /** The element tool: names the element under the point and outlines it. */
  const pick = useCallback(
    (p: SketchPoint) => {
      const el = elementAt(p);
      if (!el) return;
      const pad = 4;
      const outline: SketchShape = { kind: 'rect', x: el.box.x - pad, y: el.box.y - pad, w: el.box.w + 2 * pad, h: el.box.h + 2 * pad };
      setDraft((d) => (d ? { ...d, element: { nodeId: el.nodeId, selector: el.selector }, shapes: [...d.shapes, outline] } : d));
    },
    [elementAt],
  );
  return { draft, start, cancel, patch, addShape, pick };
}

const TOOLS: { tool: SketchTool; label: string; title: string }[] = [
  { tool: 'rect', label: '▭ Box', title: 'Draw a rectangle' },
  { tool: 'arrow', label: '↗ Arrow', title: 'Draw an arrow' },
  { tool: 'freehand', label: '✎ Pen', title: 'Draw freehand' },
  { tool: 'element', label: '⌖ Element', title: 'Click an element of the page to name it in the comment' },
];

interface Props {
  draft: CommentDraftState;
  onChange(p: Partial<CommentDraftState>): void;
  onSave(): Promise<void>;
  onCancel(): void;
}

export function CommentComposer({ draft, onChange, onSave, onCancel }: Props) {
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const textRef = useRef<HTMLTextAreaElement>(null);
  useEffect(() => textRef.current?.focus(), []);
  const empty = !draft.text.trim() && draft.shapes.length === 0;

  const save = () => {
    if (empty || saving) return;
    setSaving(true);
    setError(null);
    onSave().then(
      () => setSaving(false),
      (err: unknown) => {
        setSaving(false);
        setError(err instanceof Error ? err.message : String(err));
      },
    );
  };

  return (
    <form
      className="comment-composer"
      data-testid="comment-composer"
      onSubmit={(e) => {
        e.preventDefault();
        save();
      }}
    >
      <div className="composer-head">
        <strong>Comment at {clock(draft.offsetMs)}</strong>
        <span className="group" role="group" aria-label="Sketch tool">
          {TOOLS.map((t) => (
            <button
              key={t.tool}
              type="button"
              className={draft.tool === t.tool ? 'toggle on' : 'toggle'}
              aria-pressed={draft.tool === t.tool}
              data-testid={`sketch-tool-${t.tool}`}
              title={t.title}
              onClick={() => onChange({ tool: t.tool })}
            >
              {t.label}
            </button>
          ))}
        </span>
        <button
          type="button"
          data-testid="sketch-undo"
          disabled={draft.shapes.length === 0}
          onClick={() => onChange({ shapes: draft.shapes.slice(0, -1) })}
        >
          Undo
        </button>
        {draft.element && (
          <span className="muted composer-element" data-testid="comment-element" title={`rrweb node ${draft.element.nodeId}`}>
            on <code>{draft.element.selector}</code>{' '}
            <button type="button" className="link" onClick={() => onChange({ element: null })} aria-label="Forget the element">
              ×
            </button>
          </span>
        )}
      </div>
      <textarea
        ref={textRef}
        data-testid="comment-text"
        rows={2}
        maxLength={5000}
        placeholder="What happens here? Draw on the frame to point at it."
        value={draft.text}
        onChange={(e) => onChange({ text: e.currentTarget.value })}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && (e.metaKey || e.ctrlKey)) save();
        }}
      />
      <div className="composer-actions">
        {error && (
          <span className="error" role="alert">
            {error}
          </span>
        )}
        <button type="button" onClick={onCancel} data-testid="comment-cancel">
          Cancel
        </button>
        <button type="submit" className="primary" disabled={empty || saving} data-testid="comment-save">
          {saving ? 'Saving…' : 'Save comment'}
        </button>
      </div>
    </form>
  );
}
