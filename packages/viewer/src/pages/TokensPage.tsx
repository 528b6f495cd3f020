/**
 * API tokens: create one (named, read or write, for every project or some, with an optional
 * expiry; the secret is shown once, with a copy button), list one's tokens and revoke them.
 * A token never grants more than its owner (docs/access.md).
 */
import { useState, type FormEvent } from 'react';
import { createToken, listProjects, listTokens, revokeToken, type ProjectInfo, type TokenInfo } from '../api';
import { localDateTime } from '../format';
import { CreateCard, Field } from './CreateCard';
import { ListStatus } from './ListStatus';
import { ListTable } from './ListTable';
import { ShownOnce } from './ShownOnce';
import { useAdminList } from './useAdminList';
import { useSubmit } from './useSubmit';

const STATUS_TEXT: Record<TokenInfo['status'], string> = { active: 'Active', expired: 'Expired', revoked: 'Revoked' };

const COLUMNS = ['Status', 'Name', 'Access', 'Projects', 'Created', 'Expires', ''];

/** The tokens and the projects they may name, loaded together. */
async function loadTokens(signal?: AbortSignal): Promise<{ tokens: TokenInfo[]; projects: ProjectInfo[] }> {
  const [tokens, projects] = await Promise.all([listTokens(signal), listProjects(signal)]);
  return { tokens, projects };
}

export function TokensPage() {
  const { data, error, refresh, revoke } = useAdminList(loadTokens);
  const tokens = data?.tokens ?? null;
  const projects = data?.projects ?? [];
  const projectName = (id: string) => projects.find((p) => p.id === id)?.name ?? id;

  function onRevoke(t: TokenInfo): void {
    void revoke(`Revoke the token "${t.name}"? Scripts using it stop working at once.`, () => revokeToken(t.id));
  }

  return (
    <main className="page tokens">
      <h1>API tokens</h1>
      <p className="muted">
        A token lets a script use the API as you (<code>Authorization: Bearer …</code>). It can only read, or read and write, in the
        projects you choose, and never more than your own role allows.
      </p>
      <CreateTokenForm projects={projects} onCreated={() => void refresh()} />
      <h2>Your tokens</h2>
      <ListStatus error={error} items={tokens} loading="Loading tokens…" empty="No tokens yet." />
      {tokens && tokens.length > 0 && (
        <ListTable columns={COLUMNS}>
          {tokens.map((t) => (
            <TokenRow key={t.id} token={t} projectName={projectName} onRevoke={() => onRevoke(t)} />
          ))}
        </ListTable>
      )}
    </main>
  );
}

function TokenRow({ token: t, projectName, onRevoke }: { token: TokenInfo; projectName: (id: string) => string; onRevoke: () => void }) {
  return (
    <tr data-testid="token-row" data-token-id={t.id} data-status={t.status}>
      <td className="nowrap" data-testid="token-status">
        {STATUS_TEXT[t.status]}
      </td>
      <td data-testid="token-name">{t.name}</td>
      <td data-testid="token-scope">{t.scope === 'read' ? 'Read' : 'Read and write'}</td>
      <td data-testid="token-projects">{t.projectIds ? t.projectIds.map(projectName).join(', ') : 'All your projects'}</td>
      <td className="nowrap">{localDateTime(t.createdAt)}</td>
      <td className="nowrap">
        {t.revokedAt ? `revoked ${localDateTime(t.revokedAt)}` : t.expiresAt ? localDateTime(t.expiresAt) : 'Never'}
      </td>
      <td>
        {t.status === 'active' && (
          <button type="button" data-testid="revoke-token" onClick={onRevoke}>
            Revoke
          </button>
        )}
      </td>
    </tr>
  );
}

function CreateTokenForm({ projects, onCreated }: { projects: ProjectInfo[]; onCreated: () => void }) {
  const [name, setName] = useState('');
  const [scope, setScope] = useState<'read' | 'write'>('read');
  const [project, setProject] = useState('');
  const [days, setDays] = useState('90');
  const [created, setCreated] = useState<{ name: string; token: string } | null>(null);
  const { busy, error, setError, submit } = useSubmit();

  function onSubmit(e: FormEvent): void {
    e.preventDefault();
    setError(null);
    const d = days.trim() === '' ? null : Number(days);
    if (d !== null && (!Number.isFinite(d) || d <= 0)) return setError('Expiry must be a positive number of days (or empty for never).');
    void submit(async () => {
      const t = await createToken({
        name: name.trim() || 'api token',
        scope,
        projectIds: project ? [project] : null,
        expiresInSeconds: d === null ? null : Math.round(d * 86_400),
      });
      setCreated({ name: t.name, token: t.token });
      setName('');
      onCreated();
    });
  }

  return (
    <CreateCard
      onSubmit={onSubmit}
      busy={busy}
      error={error}
      submitLabel="Create token"
      submitTestId="create-token"
      created={
        created && (
          <ShownOnce key={created.token} value={created.token} valueTestId="created-token" copyTestId="copy-token">
            Token <strong>{created.name}</strong> created. Copy it now: it is shown only once.
          </ShownOnce>
        )
      }
    >
      <Field
        label="Name"
        type="text"
        placeholder="nightly export"
        maxLength={200}
        data-testid="token-name-input"
        value={name}
        onChange={setName}
      />
      <TokenAccessFields scope={scope} onScope={setScope} project={project} onProject={setProject} projects={projects} />
      <Field
        label="Expires in (days)"
        type="number"
        min="1"
        step="any"
        placeholder="never"
        data-testid="token-expires-input"
        value={days}
        onChange={setDays}
      />
    </CreateCard>
  );
}

/** What a token may do (read, or read and write) and where (every project of the owner, or one). */
function TokenAccessFields(p: {
  scope: 'read' | 'write';
  onScope: (scope: 'read' | 'write') => void;
  project: string;
  onProject: (projectId: string) => void;
  projects: ProjectInfo[];
}) {
  return (
    <>
      <label>
        Access
        <select
          value={p.scope}
          data-testid="token-scope-input"
          onChange={(e) => p.onScope(e.currentTarget.value === 'write' ? 'write' : 'read')}
        >
          <option value="read">Read</option>
          <option value="write">Read and write</option>
        </select>
      </label>
      <label>
        Project
        <select value={p.project} data-testid="token-project-input" onChange={(e) => p.onProject(e.currentTarget.value)}>
          <option value="">All your projects</option>
          {p.projects.map((project) => (
            <option key={project.id} value={project.id}>
              {project.name}
            </option>
          ))}
        </select>
      </label>
    </>
  );
}
