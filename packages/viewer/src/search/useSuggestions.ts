/**
 * The search bar's suggestion state: which suggestions are open for the caret, which one is
 * active, and the keys that move through and take them (↑/↓, Enter, Tab, Esc).
 */
import { useEffect, useId, useLayoutEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { QUERY_FIELDS } from '@reprise/protocol/query';
import { apply, suggest, type Suggestion } from './suggest';

export function useSuggestions(value: string, onChange: (value: string) => void) {
  const inputRef = useRef<HTMLInputElement>(null);
  const pendingCaret = useRef<number | null>(null);
  const [caret, setCaret] = useState(value.length);
  const [open, setOpen] = useState(false);
  const [all, setAll] = useState(false);
  const [active, setActive] = useState(-1);
  const listId = useId();

  const suggestions = useMemo(() => (open ? suggest(value, caret, QUERY_FIELDS, { all }) : []), [open, value, caret, all]);
  const expanded = suggestions.length > 0;
  const activeIndex = active < suggestions.length ? active : -1;

  // Put the caret after an accepted suggestion once React has written the new value.
  useLayoutEffect(() => {
    const at = pendingCaret.current;
    if (at !== null && inputRef.current) {
      inputRef.current.setSelectionRange(at, at);
      pendingCaret.current = null;
    }
  });

  useEffect(() => {
    if (activeIndex >= 0) document.getElementById(`${listId}-${activeIndex}`)?.scrollIntoView({ block: 'nearest' });
  }, [activeIndex, listId]);

  function accept(s: Suggestion): void {
    const next = apply(value, s);
    pendingCaret.current = next.caret;
    setCaret(next.caret);
    setActive(-1);
    setAll(false);
    setOpen(true); // after `field:` the values come up at once
    onChange(next.text);
  }

  function close(): void {
    setOpen(false);
    setActive(-1);
  }

  /** The user typed: suggest for the new text at the caret. */
  function typed(text: string, at: number): void {
    onChange(text);
    setCaret(at);
    setOpen(true);
    setAll(false);
    setActive(-1);
  }

  function onKeyDown(e: KeyboardEvent<HTMLInputElement>): void {
    comboboxKey(e, {
      count: suggestions.length,
      activeIndex,
      setActive,
      showAll() {
        setOpen(true);
        setAll(true);
        setActive(0);
      },
      take: (i) => accept(suggestions[i]!),
      close,
    });
  }

  return { inputRef, listId, suggestions, expanded, activeIndex, accept, close, typed, setCaret, setOpen, onKeyDown };
}

interface Combobox {
  /** Suggestions shown (0: the list is closed). */
  count: number;
  activeIndex: number;
  setActive(i: number): void;
  /** Open the list with every suggestion, the first active. */
  showAll(): void;
  take(i: number): void;
  close(): void;
}

/** ↓ opens or moves down, ↑ moves up, Enter takes the active one (else searches), Tab takes one, Esc closes. */
function comboboxKey(e: KeyboardEvent<HTMLInputElement>, c: Combobox): void {
  const { count: n, activeIndex } = c;
  const expanded = n > 0;
  switch (e.key) {
    case 'ArrowDown':
      e.preventDefault();
      if (!expanded) c.showAll();
      else c.setActive((activeIndex + 1) % n);
      break;
    case 'ArrowUp':
      if (!expanded) return;
      e.preventDefault();
      c.setActive(activeIndex <= 0 ? n - 1 : activeIndex - 1);
      break;
    case 'Enter':
      if (expanded && activeIndex >= 0) {
        e.preventDefault();
        c.take(activeIndex);
      }
      // Otherwise the form submits: Enter searches.
      break;
    case 'Tab':
      if (!expanded || e.shiftKey) return;
      e.preventDefault();
      c.take(Math.max(0, activeIndex));
      break;
    case 'Escape':
      if (!expanded) return;
      e.preventDefault();
      c.close();
      break;
  }
}
