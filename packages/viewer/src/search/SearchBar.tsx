/**
 * The session search bar: a combobox over the query language. While a word is typed it
 * suggests field names (with their descriptions), after `field:` the field's values;
 * ↑/↓ move, Enter or Tab take a suggestion (Enter without one searches), Esc closes.
 * The query is parsed on every keystroke and a parse error is shown under the bar with the
 * offending part marked; the server's 400 for the submitted query is shown the same way.
 */
import { useEffect, useId, useMemo, type RefObject } from 'react';
import { parseQuery } from '@reprise/protocol/query';
import type { Suggestion } from './suggest';
import { useSuggestions } from './useSuggestions';

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
  const { inputRef, listId, suggestions, expanded, activeIndex, accept, close, typed, setCaret, setOpen, onKeyDown } = useSuggestions(
    value,
    onChange,
  );
  const errorId = useId();
  const problem = useMemo((): QueryProblem | null => {
    if (value.trim()) {
      const parsed = parseQuery(value);
      if (!parsed.ok) return parsed.error;
    }
    return serverError && serverError.query === value ? serverError : null;
  }, [value, serverError]);
  useSlashFocus(inputRef);

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
            onChange={(e) => typed(e.target.value, e.target.selectionStart ?? e.target.value.length)}
            onSelect={(e) => setCaret(e.currentTarget.selectionStart ?? value.length)}
            onKeyDown={onKeyDown}
            onBlur={close}
          />
          <SuggestionList id={listId} suggestions={suggestions} activeIndex={activeIndex} onPick={accept} />
        </div>
        <button type="submit" className="primary" data-testid="search-submit">
          Search
        </button>
      </div>
      {problem && <QueryError id={errorId} query={value} problem={problem} />}
    </form>
  );
}

/** "/" anywhere on the page (outside a text field) jumps to the search bar. */
function useSlashFocus(inputRef: RefObject<HTMLInputElement | null>): void {
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
  }, [inputRef]);
}

function SuggestionList({
  id,
  suggestions,
  activeIndex,
  onPick,
}: {
  id: string;
  suggestions: Suggestion[];
  activeIndex: number;
  onPick(s: Suggestion): void;
}) {
  return (
    <ul
      id={id}
      role="listbox"
      aria-label="Search suggestions"
      className="suggestions"
      data-testid="search-suggestions"
      hidden={suggestions.length === 0}
    >
      {suggestions.map((s, i) => (
        <li
          key={`${s.kind}:${s.label}`}
          id={`${id}-${i}`}
          role="option"
          aria-selected={i === activeIndex}
          className={i === activeIndex ? 'active' : undefined}
          data-testid="search-suggestion"
          // Keep focus (and the caret) in the input while clicking an option.
          onMouseDown={(e) => e.preventDefault()}
          onClick={() => onPick(s)}
        >
          <span className="suggestion-label">{s.label}</span>
          <span className="suggestion-detail">{s.detail}</span>
        </li>
      ))}
    </ul>
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
