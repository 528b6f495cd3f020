/**
 * Saved searches beside the session list: save the current query under a name, apply one
 * with a click, delete it. They belong to a project; with several projects a select picks
 * whose searches are listed (and where a new one is saved).
 */
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { createSavedSearch, deleteSavedSearch, isAbort, listProjects, listSavedSearches, type ProjectInfo, type SavedSearch } from '../api';

interface Props {
  /** The query the list shows now (what "Save" stores). */
  query: string;
  onApply(query: string): void;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function SavedSearches({ query, onApply }: Props) {
  const [saved, setSaved] = useState<SavedSearch[] | null>(null);
  const { projects, projectId, setProjectId } = useProjectChoice();
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const refresh = useCallback(
    async (signal?: AbortSignal) => {
      try {
        setSaved(await listSavedSearches(projectId || null, signal));
        setError(null);
      } catch (err) {
        if (!isAbort(err)) setError(message(err));
      }
    },
    [projectId],
  );

  useEffect(() => {
    const ctrl = new AbortController();
    void refresh(ctrl.signal);
    return () => ctrl.abort();
  }, [refresh]);

  async function onSave(e: FormEvent): Promise<void> {
    e.preventDefault();
    if (!name.trim() || !query.trim()) return;
    setBusy(true);
    setError(null);
    try {
      await createSavedSearch({ name: name.trim(), query, ...(projectId ? { projectId } : {}) });
      setName('');
      await refresh();
    } catch (err) {
      if (!isAbort(err)) setError(message(err));
    } finally {
      setBusy(false);
    }
  }

  async function onDelete(s: SavedSearch): Promise<void> {
    setError(null);
    try {
      await deleteSavedSearch(s.id);
      setSaved((prev) => prev?.filter((x) => x.id !== s.id) ?? null);
    } catch (err) {
      if (!isAbort(err)) setError(message(err));
    }
  }

  return (
    <aside className="saved-searches card" aria-labelledby="saved-searches-title" data-testid="saved-searches">
      <h2 id="saved-searches-title">Saved searches</h2>
      {projects.length > 1 && <ProjectSelect projects={projects} value={projectId} onChange={setProjectId} />}
      {saved === null && !error && <p className="muted small">Loading…</p>}
      {saved && saved.length === 0 && <p className="muted small">None yet. Search, then save the query here.</p>}
      {saved && saved.length > 0 && <SavedList saved={saved} current={query} onApply={onApply} onDelete={(s) => void onDelete(s)} />}
      <SaveForm query={query} name={name} onName={setName} busy={busy} onSave={onSave} />
      {error && (
        <p className="error small" role="alert">
          {error}
        </p>
      )}
    </aside>
  );
}

/** The projects the caller can read and the one whose searches are listed ('' until they load). */
function useProjectChoice() {
  const [projects, setProjects] = useState<ProjectInfo[]>([]);
  /** '' until projects load: the server then answers for the first project. */
  const [projectId, setProjectId] = useState('');
  useEffect(() => {
    const ctrl = new AbortController();
    listProjects(ctrl.signal).then(
      (p) => {
        setProjects(p);
        setProjectId((cur) => cur || p[0]?.id || '');
      },
      (err: unknown) => {
        if (!isAbort(err)) console.warn('could not load projects', err);
      },
    );
    return () => ctrl.abort();
  }, []);
  return { projects, projectId, setProjectId };
}

function ProjectSelect({ projects, value, onChange }: { projects: ProjectInfo[]; value: string; onChange: (id: string) => void }) {
  return (
    <label className="saved-project">
      <span className="small muted">Project</span>
      <select value={value} onChange={(e) => onChange(e.target.value)} data-testid="saved-search-project">
        {projects.map((p) => (
          <option key={p.id} value={p.id}>
            {p.name}
          </option>
        ))}
      </select>
    </label>
  );
}

/** The saved searches; the one matching the current query is marked. */
function SavedList({
  saved,
  current,
  onApply,
  onDelete,
}: {
  saved: SavedSearch[];
  current: string;
  onApply(query: string): void;
  onDelete(s: SavedSearch): void;
}) {
  return (
    <ul className="saved-list">
      {saved.map((s) => (
        <li key={s.id} className={s.query === current ? 'current' : undefined} data-testid="saved-search">
          <button type="button" className="saved-apply" title={s.query} onClick={() => onApply(s.query)}>
            <span className="saved-name">{s.name}</span>
            <code className="saved-query">{s.query}</code>
          </button>
          <button
            type="button"
            className="saved-delete"
            aria-label={`Delete saved search ${s.name}`}
            title="Delete"
            data-testid="saved-search-delete"
            onClick={() => onDelete(s)}
          >
            ×
          </button>
        </li>
      ))}
    </ul>
  );
}

function SaveForm({
  query,
  name,
  onName,
  busy,
  onSave,
}: {
  query: string;
  name: string;
  onName(name: string): void;
  busy: boolean;
  onSave(e: FormEvent): void;
}) {
  return (
    <form className="saved-form" onSubmit={onSave}>
      <label>
        <span className="small muted">Save the current search as</span>
        <input
          type="text"
          value={name}
          maxLength={200}
          placeholder={query.trim() ? 'Name' : 'Search first'}
          disabled={!query.trim()}
          onChange={(e) => onName(e.target.value)}
          data-testid="saved-search-name"
        />
      </label>
      <button type="submit" disabled={busy || !name.trim() || !query.trim()} data-testid="saved-search-save">
        Save search
      </button>
    </form>
  );
}
