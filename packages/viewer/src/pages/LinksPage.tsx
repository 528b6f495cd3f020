/**
 * Magic links: create a one-off recording link for a user (shown once, with a copy button)
 * and follow what happened to earlier ones. Refreshes every few seconds so a link that
 * starts recording shows up without a reload.
 */
import { useState, type FormEvent } from 'react';
import { createLink, listLinks, revokeLink, type CreatedLink, type LinkInfo, type LinkStatus } from '../api';
import { localDateTime } from '../format';
import { Link } from '../router';
import { CreateCard, Field } from './CreateCard';
import { ListStatus } from './ListStatus';
import { ListTable } from './ListTable';
import { ShownOnce } from './ShownOnce';
import { useAdminList } from './useAdminList';
import { useSubmit } from './useSubmit';

const REFRESH_MS = 5000;

const STATUS_TEXT: Record<LinkStatus, string> = {
  created: 'Not opened yet',
  opened: 'Opened, not recording',
  recording: 'Recording',
  ended: 'Ended',
};

const COLUMNS = ['Status', 'Label', 'Target', 'Expires', 'Sessions', ''];

export function LinksPage() {
  const { data: links, error, refresh, revoke } = useAdminList(listLinks, REFRESH_MS);

  function onRevoke(l: LinkInfo): void {
    void revoke(`Revoke the link "${l.label || l.targetUrl}"? It stops working at once, also for a recording in progress.`, () =>
      revokeLink(l.id),
    );
  }

  return (
    <main className="page links">
      <h1>Recording links</h1>
      <p className="muted">
        Send a link to a user who can reproduce a problem. They see what will be recorded, press Start, and their session appears here
        tagged with the link's label.
      </p>
      <CreateLinkForm onCreated={() => void refresh()} />
      <h2>Links</h2>
      <ListStatus error={error} items={links} loading="Loading links…" empty="No links yet." />
      {links && links.length > 0 && (
        <ListTable columns={COLUMNS}>
          {links.map((l) => (
            <LinkRow key={l.id} link={l} onRevoke={() => onRevoke(l)} />
          ))}
        </ListTable>
      )}
    </main>
  );
}

function LinkRow({ link: l, onRevoke }: { link: LinkInfo; onRevoke: () => void }) {
  return (
    <tr data-testid="link-row" data-status={l.status} data-link-id={l.id}>
      <td className="nowrap">
        <span className={`link-status link-status-${l.status}`} data-testid="link-status">
          {STATUS_TEXT[l.status]}
        </span>
      </td>
      <td>{l.label || <span className="muted">—</span>}</td>
      <td className="url" title={l.targetUrl}>
        {l.targetUrl}
      </td>
      <td className="nowrap">{l.revokedAt ? `revoked ${localDateTime(l.revokedAt)}` : localDateTime(l.expiresAt)}</td>
      <td>
        <LinkSessions link={l} />
      </td>
      <td>
        {!l.revokedAt && l.expiresAt > Date.now() && (
          <button type="button" data-testid="revoke-link" onClick={onRevoke}>
            Revoke
          </button>
        )}
      </td>
    </tr>
  );
}

/** The sessions a link recorded, newest first as #n, with its cap. */
function LinkSessions({ link: l }: { link: LinkInfo }) {
  if (l.sessions.length === 0) return <span className="muted">{l.maxSessions ? `0 / ${l.maxSessions}` : '0'}</span>;
  return (
    <span className="link-sessions">
      {l.sessions.map((id, i) => (
        <Link key={id} to={`/sessions/${encodeURIComponent(id)}`} data-testid="link-session">
          #{l.sessions.length - i}
        </Link>
      ))}
      {l.maxSessions ? <span className="muted"> of {l.maxSessions}</span> : null}
    </span>
  );
}

function CreateLinkForm({ onCreated }: { onCreated: () => void }) {
  const [targetUrl, setTargetUrl] = useState('');
  const [label, setLabel] = useState('');
  const [hours, setHours] = useState('24');
  const [maxSessions, setMaxSessions] = useState('1');
  const [created, setCreated] = useState<CreatedLink | null>(null);
  const { busy, error, setError, submit } = useSubmit();

  function onSubmit(e: FormEvent): void {
    e.preventDefault();
    setError(null);
    const limits = linkLimits(hours, maxSessions);
    if (typeof limits === 'string') return setError(limits);
    void submit(async () => {
      setCreated(await createLink({ targetUrl: targetUrl.trim(), label: label.trim(), ...limits }));
      setLabel('');
      onCreated();
    });
  }

  return (
    <CreateCard
      onSubmit={onSubmit}
      busy={busy}
      error={error}
      submitLabel="Create link"
      submitTestId="create-link"
      created={
        created && (
          <ShownOnce key={created.url} value={created.url} valueTestId="created-link-url" copyTestId="copy-link">
            Link for <strong>{created.label || created.targetUrl}</strong>, valid until {localDateTime(created.expiresAt)}. Copy it now: it
            is shown only once.
          </ShownOnce>
        )
      }
    >
      <Field
        label="Target URL"
        type="url"
        required
        placeholder="https://app.example.com/checkout"
        data-testid="link-target"
        value={targetUrl}
        onChange={setTargetUrl}
      />
      <Field
        label="Label"
        type="text"
        placeholder="TICKET-123"
        maxLength={200}
        data-testid="link-label-input"
        value={label}
        onChange={setLabel}
      />
      <Field
        label="Expires in (hours)"
        type="number"
        min="0.1"
        step="any"
        required
        data-testid="link-expires"
        value={hours}
        onChange={setHours}
      />
      <Field
        label="Max sessions"
        type="number"
        min="1"
        step="1"
        placeholder="unlimited"
        data-testid="link-max-sessions"
        value={maxSessions}
        onChange={setMaxSessions}
      />
    </CreateCard>
  );
}

/** The form's expiry and session cap as the API takes them, or what is wrong with them. */
function linkLimits(hours: string, maxSessions: string): { expiresInSeconds: number; maxSessions: number | undefined } | string {
  const h = Number(hours);
  if (!Number.isFinite(h) || h <= 0) return 'Expiry must be a positive number of hours.';
  const max = maxSessions.trim() === '' ? undefined : Number(maxSessions);
  if (max !== undefined && (!Number.isInteger(max) || max < 1)) return 'Max sessions must be a positive whole number (or empty).';
  return { expiresInSeconds: Math.round(h * 3600), maxSessions: max };
}
