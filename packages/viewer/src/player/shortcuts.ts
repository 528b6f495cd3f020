/**
 * The player's keyboard shortcuts, as data: which key does what, and whether a key press is one
 * (never while typing in a field). The `?` overlay lists SHORTCUTS; Player.tsx runs the actions.
 */

export type ShortcutAction = 'toggle-play' | 'step-back' | 'step-forward' | 'prev-error' | 'next-error' | 'comment' | 'help' | 'close';

export interface Shortcut {
  /** What the overlay shows. */
  keys: string[];
  action: ShortcutAction;
  label: string;
}

/** How far ← and → move the playhead. */
export const STEP_MS = 5000;

export const SHORTCUTS: Shortcut[] = [
  { keys: ['Space'], action: 'toggle-play', label: 'Play or pause' },
  { keys: ['←'], action: 'step-back', label: `Back ${STEP_MS / 1000} s` },
  { keys: ['→'], action: 'step-forward', label: `Forward ${STEP_MS / 1000} s` },
  { keys: ['['], action: 'prev-error', label: 'Previous error' },
  { keys: [']'], action: 'next-error', label: 'Next error' },
  { keys: ['c'], action: 'comment', label: 'Comment on this moment' },
  { keys: ['?'], action: 'help', label: 'Show or hide these shortcuts' },
  { keys: ['Esc'], action: 'close', label: 'Close this list, or cancel a comment' },
];

/** The parts of a KeyboardEvent the mapping reads (so it is testable without a DOM). */
export interface KeyPress {
  key: string;
  ctrlKey?: boolean;
  metaKey?: boolean;
  altKey?: boolean;
  /** The focus is in a text field, a select or an editable element. */
  typing: boolean;
  /** The focus is on a button or similar control that handles Space itself. */
  onControl?: boolean;
}

const BY_KEY: Record<string, ShortcutAction> = {
  ' ': 'toggle-play',
  ArrowLeft: 'step-back',
  ArrowRight: 'step-forward',
  '[': 'prev-error',
  ']': 'next-error',
  c: 'comment',
  C: 'comment',
  '?': 'help',
  Escape: 'close',
};

/** The action of a key press, or null when it is none of ours (or the user is typing). */
export function shortcutFor(k: KeyPress): ShortcutAction | null {
  if (k.ctrlKey || k.metaKey || k.altKey) return null;
  const action = BY_KEY[k.key] ?? null;
  if (action === null) return null;
  // Escape still closes while typing in the comment box; nothing else fires in a field.
  if (k.typing && action !== 'close') return null;
  // A focused button or checkbox answers Space (and arrows on a range input) itself.
  if (k.onControl && (action === 'toggle-play' || action === 'step-back' || action === 'step-forward')) return null;
  return action;
}

/** Whether a key event's target is a place where keys type text. */
export function isTypingTarget(t: EventTarget | null): boolean {
  if (typeof HTMLElement === 'undefined' || !(t instanceof HTMLElement)) return false;
  if (t.isContentEditable) return true;
  if (t instanceof HTMLTextAreaElement || t instanceof HTMLSelectElement) return true;
  return t instanceof HTMLInputElement && !['checkbox', 'radio', 'button', 'submit', 'range'].includes(t.type);
}

/** Whether a key event's target is a control that acts on Space or arrows itself. */
export function isControlTarget(t: EventTarget | null): boolean {
  if (typeof HTMLElement === 'undefined' || !(t instanceof HTMLElement)) return false;
  return !!t.closest('button, input, select, a[href], [role="button"], [role="tab"], summary');
}
