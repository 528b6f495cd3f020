/**
 * The session search bar: a combobox over the query language. While a word is typed it
 * suggests field names (with their descriptions), after `field:` the field's values;
 * ↑/↓ move, Enter or Tab take a suggestion (Enter without one searches), Esc closes.
 * The query is parsed on every keystroke and a parse error is shown under the bar with the
 * offending part marked; the server's 400 for the submitted query is shown the same way.
 */
import { useEffect, useId, useLayoutEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { parseQuery, QUERY_FIELDS } from '@reprise/protocol/query';
import { apply, suggest, type Suggestion } from './suggest';

export interface QueryProblem {
  message: string;
  position: number;
  length: number;
}

interface Props {
  value: string;
  onChange(value: string): void;
  onSubmit(value: string): void;
  /** The server refused `query` with this problem (shown while the bar still holds it). */
  serverError: (QueryProblem & { query: string }) | null;
}

export function SearchBar({ value, onChange, onSubmit, serverError }: Props) {
  const inputRef = useRef<HTMLInputElement>(null);
  const pendingCaret = useRef<number | null>(null);
  const [caret, setCaret] = useState(value.length);
  const [open, setOpen] = useState(false);
  const [all, setAll] = useState(false);
  const [active, setActive] = useState(-1);
  const listId = useId();
  const errorId = useId();

  const suggestions = useMemo(() => (open ? suggest(value, caret, QUERY_FIELDS, { all }) : []), [open, value, caret, all]);
  const expanded = suggestions.length > 0;
  const activeIndex = active < suggestions.length ? active : -1;

  const problem = useMemo((): QueryProblem | null => {
    if (value.trim()) {
      const parsed = parseQuery(value);
      if (!parsed.ok) return parsed.error;
    }
    return serverError && serverError.query === value ? serverError : null;
  }, [value, serverError]);

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

  // "/" anywhere on the page (outside a text field) jumps to the search bar.
  useEffect(() => {
    function onKey(e: globalThis.KeyboardEvent): void {
      const t = e.target as HTMLElement | null;
      if (e.key !== '/' || e.metaKey || e.ctrlKey || e.altKey) return;
      if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
      e.preventDefault();
      inputRef.current?.focus();
    }
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  function accept(s: Suggestion): void {
    const next = apply(value, s);
    pendingCaret.current = next.caret;
    setCaret(next.caret);
    setActive(-1);
    setAll(false);
    setOpen(true); // after `field:` the values come up at once
    onChange(next.text);
  }

  function onKeyDown(e: KeyboardEvent<HTMLInputElement>): void {
    const n = suggestions.length;
    switch (e.key) {
      case 'ArrowDown':
        e.preventDefault();
        if (!expanded) {
          setOpen(true);
          setAll(true);
          setActive(0);
        } else setActive((activeIndex + 1) % n);
        break;
      case 'ArrowUp':
        if (!expanded) return;
        e.preventDefault();
        setActive(activeIndex <= 0 ? n - 1 : activeIndex - 1);
        break;
      case 'Enter':
        if (expanded && activeIndex >= 0) {
          e.preventDefault();
          accept(suggestions[activeIndex]!);
        }
        // Otherwise the form submits: Enter searches.
        break;
      case 'Tab':
        if (!expanded || e.shiftKey) return;
        e.preventDefault();
        accept(suggestions[Math.max(0, activeIndex)]!);
        break;
      case 'Escape':
        if (!expanded) return;
        e.preventDefault();
        setOpen(false);
        setActive(-1);
        break;
    }
  }

  return (
    <form
      role="search"
      className="search-bar"
      onSubmit={(e) => {
        e.preventDefault();
        setOpen(false);
        onSubmit(value);
      }}
    >
      <div className="search-row">
        <div className="search-field">
          <input
            ref={inputRef}
            type="text"
            role="combobox"
            aria-label="Search sessions"
            aria-autocomplete="list"
            aria-expanded={expanded}
            aria-controls={listId}
            aria-activedescendant={activeIndex >= 0 ? `${listId}-${activeIndex}` : undefined}
            aria-invalid={problem ? true : undefined}
            aria-describedby={problem ? errorId : undefined}
            data-testid="search-input"
            placeholder='Search: status:500, has:rage, console:"timeout", -has:error…  (press / to focus)'
            spellCheck={false}
            autoComplete="off"
            value={value}
            onChange={(e) => {
              onChange(e.target.value);
              setCaret(e.target.selectionStart ?? e.target.value.length);
              setOpen(true);
              setAll(false);
              setActive(-1);
            }}
            onSelect={(e) => setCaret(e.currentTarget.selectionStart ?? value.length)}
            onKeyDown={onKeyDown}
            onBlur={() => {
              setOpen(false);
              setActive(-1);
            }}
          />
          <ul
            id={listId}
            role="listbox"
            aria-label="Search suggestions"
            className="suggestions"
            data-testid="search-suggestions"
            hidden={!expanded}
          >
            {suggestions.map((s, i) => (
              <li
                key={`${s.kind}:${s.label}`}
                id={`${listId}-${i}`}
                role="option"
                aria-selected={i === activeIndex}
                className={i === activeIndex ? 'active' : undefined}
                data-testid="search-suggestion"
                // Keep focus (and the caret) in the input while clicking an option.
                onMouseDown={(e) => e.preventDefault()}
                onClick={() => accept(s)}
              >
                <span className="suggestion-label">{s.label}</span>
                <span className="suggestion-detail">{s.detail}</span>
              </li>
            ))}
          </ul>
        </div>
        <button type="submit" className="primary" data-testid="search-submit">
          Search
        </button>
      </div>
      {problem && <QueryError id={errorId} query={value} problem={problem} />}
    </form>
  );
}

/** The query with the problem marked (a caret at the end when the query stops too early). */
function QueryError({ id, query, problem }: { id: string; query: string; problem: QueryProblem }) {
  const at = Math.min(Math.max(0, problem.position), query.length);
  const len = Math.max(0, Math.min(problem.length, query.length - at));
  return (
    <div id={id} className="query-error" data-testid="query-error" data-position={problem.position} aria-live="polite">
      <code className="query-error-source">
        {query.slice(0, at)}
        <mark data-testid="query-error-mark">{len > 0 ? query.slice(at, at + len) : '\u00a0'}</mark>
        {query.slice(at + len)}
      </code>
      <span className="error">
        {problem.message} <span className="muted">(at character {at + 1})</span>
      </span>
    </div>
  );
}
