/**
 * Which key presses are recorded, and their events (see keys.ts, which listens from the first
 * event and hands each press here). In the capture chunk: the first load only keeps the press.
 */
import type { KeyData, KeyModifier, ReplayEvent } from '@reprise/protocol';
import { UI_BLOCK_SELECTOR } from '../options.js';
import { describeClick } from './click-describe.js';
import type { CaptureContext } from './context.js';
import { within } from './privacy.js';

const MAX_PER_SECOND = 10;
const ARROWS = new Set(['ArrowUp', 'ArrowDown', 'ArrowLeft', 'ArrowRight']);
const DELETING = new Set(['Backspace', 'Delete']);
/** Inputs whose value is text the user types (arrow keys there move the caret or an autocomplete). */
const TEXT_INPUTS = new Set(['text', 'search', 'email', 'url', 'tel', 'password', '']);

/** Where the key was pressed, as far as recording it goes. */
type Context =
  | 'password'
  /** A one-line text field: Up/Down may walk an autocomplete, Left/Right only move the caret. */
  | 'text'
  /** A textarea or editable region: arrows move the caret, a plain Enter types a new line. */
  | 'multiline'
  /** Any other form control (select, number, checkbox…): arrows change its value, which rrweb records. */
  | 'control'
  | 'page';

function contextOf(el: Element): Context {
  const tag = el.localName;
  if (tag === 'input') {
    const type = ((el as HTMLInputElement).type || '').toLowerCase();
    if (type === 'password') return 'password';
    return TEXT_INPUTS.has(type) ? 'text' : 'control';
  }
  if (tag === 'textarea') return 'multiline';
  if (tag === 'select') return 'control';
  if ((el as HTMLElement).isContentEditable) return 'multiline';
  return 'page';
}

function modifiers(e: KeyboardEvent): KeyModifier[] {
  const mods: KeyModifier[] = [];
  if (e.ctrlKey) mods.push('Control');
  if (e.altKey) mods.push('Alt');
  if (e.metaKey) mods.push('Meta');
  if (e.shiftKey) mods.push('Shift');
  return mods;
}

/**
 * Whether a key press is recorded: 'yes', 'no', or 'if-handled' (a plain Enter in a textarea or
 * editable region types a new line, unless the app takes it, as a chat box's "send" does).
 */
export function keyVerdict(key: string, mods: KeyModifier[], where: Context, privateRegion: boolean): 'yes' | 'no' | 'if-handled' {
  const shortcut = mods.includes('Control') || mods.includes('Meta');
  if (where === 'password')
    return (key === 'Enter' || key === 'Escape' || key === 'Tab') && mods.every((m) => m === 'Shift') ? 'yes' : 'no';
  if (key === 'Enter') return where === 'multiline' && mods.length === 0 ? 'if-handled' : 'yes';
  if (key === 'Escape' || key === 'Tab') return 'yes';
  if (ARROWS.has(key)) {
    if (where === 'page') return 'yes';
    return where === 'text' && (key === 'ArrowUp' || key === 'ArrowDown') ? 'yes' : 'no';
  }
  if (DELETING.has(key)) return where === 'page' ? 'yes' : 'no';
  // A shortcut: a single character (or a named key such as F2) with Control or Meta, outside
  // fields. AltGr reports Control+Alt on Windows while typing a character: not a shortcut.
  if (!shortcut || where !== 'page' || privateRegion) return 'no';
  if (mods.includes('Control') && mods.includes('Alt') && !mods.includes('Meta')) return 'no';
  if (key.length === 1) return /\S/.test(key) ? 'yes' : 'no';
  return /^F\d{1,2}$/.test(key) ? 'yes' : 'no';
}

/** A key press as the listener saw it: the event (read now or later: it keeps its key and defaultPrevented). */
export interface KeyPress {
  e: KeyboardEvent;
  t: number;
  /** The event target (a shadow root's host for a key pressed inside it). */
  el: Element;
  /** The element that has focus, also inside a shadow root. */
  focused: Element;
}

export interface KeyRecorder {
  press(p: KeyPress): void;
  stop(): void;
}

export function keyRecorder(ctx: CaptureContext): KeyRecorder {
  const rules = {
    mask: `${ctx.opts.maskTextSelector}, .rr-mask`,
    block: `${ctx.opts.blockSelector}, .rr-block, ${UI_BLOCK_SELECTOR}`,
  };
  let windowStart = 0;
  let inWindow = 0;
  let stopped = false;
  const timers = new Set<ReturnType<typeof setTimeout>>();

  const emit = (t: number, el: Element, key: string, mods: KeyModifier[]): void => {
    const r = el.getBoundingClientRect();
    const interactive = el.localName !== 'body' && el.localName !== 'html';
    const target = describeClick(el, interactive, r.left + r.width / 2, r.top + r.height / 2, rules, ctx.nodeId);
    const data: KeyData = { type: 'key', key, target };
    if (mods.length) data.mods = mods;
    const event: ReplayEvent<'custom', KeyData> = { t, kind: 'custom', data };
    ctx.sink.push(event);
  };

  return {
    press({ e, t, el, focused }) {
      if (stopped) return;
      const mods = modifiers(e);
      const where = contextOf(focused);
      // Most presses are characters typed into a field, never recorded: decided before any selector
      // is matched (a private region only ever turns a 'yes' into a 'no').
      let verdict = keyVerdict(e.key, mods, where, false);
      if (verdict === 'no' || within(el, UI_BLOCK_SELECTOR)) return;
      if (within(focused, rules.mask) || within(focused, rules.block) || within(el, rules.mask) || within(el, rules.block))
        verdict = keyVerdict(e.key, mods, where, true);
      if (verdict === 'no') return;
      if (t - windowStart >= 1000) {
        windowStart = t;
        inWindow = 0;
      }
      if (++inWindow > MAX_PER_SECOND) return;
      if (verdict === 'yes') return emit(t, el, e.key, mods);
      // Decided once every listener has run: did the app take the Enter? A press handled after
      // its dispatch (it waited for this chunk) is decided now, in its place among the others.
      if (e.eventPhase === Event.NONE) {
        if (e.defaultPrevented) emit(t, el, e.key, mods);
        return;
      }
      const timer = setTimeout(
        ctx.guard.wrap(() => {
          timers.delete(timer);
          if (e.defaultPrevented) emit(t, el, e.key, mods);
        }),
        0,
      );
      timers.add(timer);
    },
    stop() {
      stopped = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
    },
  };
}
