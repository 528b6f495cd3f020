/**
 * Webhooks (admins): add one per project (URL, format, what fires it; the signing secret is shown
 * once), see each one's delivery log (status, attempts, last error), remove it; and which saved
 * searches are alerts, with their minimum interval. docs/webhooks.md explains the payload.
 */
import { useCallback, useState, type FormEvent } from 'react';
import {
  createWebhook,
  deleteAlert,
  deleteWebhook,
  listAlerts,
  listDeliveries,
  listProjects,
  listSavedSearches,
  listWebhooks,
  setAlert,
  type AlertInfo,
  type DeliveryInfo,
  type ProjectInfo,
  type SavedSearch,
  type WebhookEvent,
  type WebhookInfo,
} from '../api';
import { localDateTime } from '../format';
import { Link } from '../router';
import { CreateCard, Field } from './CreateCard';
import { ErrorAlert, ListStatus } from './ListStatus';
import { ListTable } from './ListTable';
import { ShownOnce } from './ShownOnce';
import { errorMessage, useAdminList } from './useAdminList';
import { useSubmit } from './useSubmit';

const REFRESH_MS = 5000;

const EVENT_TEXT: Record<WebhookEvent, string> = {
  feedback: 'New feedback report',
  link_session: 'Support-link session starts',
  alert: 'Saved-search alert',
};

interface PageData {
  webhooks: WebhookInfo[];
  projects: ProjectInfo[];
  alerts: AlertInfo[];
  searches: SavedSearch[];
}

async function loadPage(signal?: AbortSignal): Promise<PageData> {
  const [webhooks, projects, alerts] = await Promise.all([listWebhooks(signal), listProjects(signal), listAlerts(signal)]);
  const searches = (await Promise.all(projects.map((p) => listSavedSearches(p.id, signal)))).flat();
  return { webhooks, projects, alerts, searches };
}

export function WebhooksPage() {
  const { data, error, refresh, revoke } = useAdminList(loadPage, REFRESH_MS);
  const projects = data?.projects ?? [];
  const projectName = (id: string) => projects.find((p) => p.id === id)?.name ?? id;

  return (
    <main className="page webhooks">
      <h1>Webhooks</h1>
      <p className="muted">
        Reprise posts a signed JSON message (or a Slack message) to these URLs when a feedback report arrives, a support-link session
        starts, or new sessions match a saved search marked as an alert. Only admins add them: the server sends requests to the URL given.
      </p>
      <CreateWebhookForm projects={projects} onCreated={() => void refresh()} />
      <h2>Webhooks</h2>
      <ListStatus error={error} items={data?.webhooks ?? null} loading="Loading webhooks…" empty="No webhooks yet." />
      {data?.webhooks.map((w) => (
        <WebhookCard
          key={w.id}
          webhook={w}
          projectName={projectName(w.projectId)}
          onDelete={() => void revoke(`Remove the webhook to ${w.url}? Its delivery log goes with it.`, () => deleteWebhook(w.id))}
        />
      ))}
      <h2>Alerts</h2>
      {data && <Alerts data={data} projectName={projectName} onChange={() => void refresh()} />}
    </main>
  );
}

function WebhookCard({ webhook: w, projectName, onDelete }: { webhook: WebhookInfo; projectName: string; onDelete: () => void }) {
  const load = useCallback((signal?: AbortSignal) => listDeliveries(w.id, signal), [w.id]);
  const { data: deliveries, error } = useAdminList(load, REFRESH_MS);
  return (
    <section className="card webhook" data-testid="webhook" data-webhook-id={w.id}>
      <p>
        <strong className="url">{w.url}</strong> <span className="muted">({w.format === 'slack' ? 'Slack' : 'JSON'})</span> · {projectName}{' '}
        · {w.events.map((e) => EVENT_TEXT[e]).join(', ')}{' '}
        <button type="button" data-testid="delete-webhook" onClick={onDelete}>
          Remove
        </button>
      </p>
      <ListStatus error={error} items={deliveries} loading="Loading deliveries…" empty="Nothing delivered yet." />
      {deliveries && deliveries.length > 0 && (
        <ListTable columns={['Status', 'Event', 'Session', 'Attempts', 'Last answer', 'Created', 'Finished or next try']}>
          {deliveries.map((d) => (
            <DeliveryRow key={d.id} d={d} />
          ))}
        </ListTable>
      )}
    </section>
  );
}

function DeliveryRow({ d }: { d: DeliveryInfo }) {
  return (
    <tr data-testid="delivery-row" data-status={d.status} data-attempts={d.attempts}>
      <td className="nowrap">
        <span className={`link-status delivery-${d.status}`}>{d.status}</span>
      </td>
      <td>{EVENT_TEXT[d.event]}</td>
      <td>{d.sessionId ? <Link to={`/sessions/${encodeURIComponent(d.sessionId)}`}>open</Link> : <span className="muted">—</span>}</td>
      <td>{d.attempts}</td>
      <td data-testid="delivery-last">{d.lastError ?? (d.lastStatus !== null ? `HTTP ${d.lastStatus}` : '—')}</td>
      <td className="nowrap">{localDateTime(d.createdAt)}</td>
      <td className="nowrap">
        {d.finishedAt ? localDateTime(d.finishedAt) : d.status === 'pending' ? `next ${localDateTime(d.nextAttemptAt)}` : '—'}
      </td>
    </tr>
  );
}

function CreateWebhookForm({ projects, onCreated }: { projects: ProjectInfo[]; onCreated: () => void }) {
  const [projectId, setProjectId] = useState('');
  const [url, setUrl] = useState('');
  const [format, setFormat] = useState<'json' | 'slack'>('json');
  const [events, setEvents] = useState<WebhookEvent[]>(['feedback', 'link_session', 'alert']);
  const [created, setCreated] = useState<(WebhookInfo & { secret: string }) | null>(null);
  const { busy, error, setError, submit } = useSubmit();

  function onSubmit(e: FormEvent): void {
    e.preventDefault();
    setError(null);
    const project = projectId || projects[0]?.id;
    if (!project) return setError('There is no project to add a webhook to.');
    if (events.length === 0) return setError('Choose at least one event.');
    void submit(async () => {
      setCreated(await createWebhook({ projectId: project, url: url.trim(), format, events }));
      setUrl('');
      onCreated();
    });
  }

  return (
    <CreateCard
      onSubmit={onSubmit}
      busy={busy}
      error={error}
      submitLabel="Add webhook"
      submitTestId="create-webhook"
      created={
        created && (
          <ShownOnce key={created.id} value={created.secret} valueTestId="created-webhook-secret" copyTestId="copy-webhook-secret">
            Signing secret for <strong>{created.url}</strong>. Copy it now: it is shown only once (docs/webhooks.md shows how to verify).
          </ShownOnce>
        )
      }
    >
      <label>
        Project
        <select data-testid="webhook-project" value={projectId} onChange={(e) => setProjectId(e.currentTarget.value)}>
          {projects.map((p) => (
            <option key={p.id} value={p.id}>
              {p.name}
            </option>
          ))}
        </select>
      </label>
      <Field
        label="URL"
        type="url"
        required
        placeholder="https://hooks.example.com/reprise"
        data-testid="webhook-url"
        value={url}
        onChange={setUrl}
      />
      <label>
        Format
        <select
          data-testid="webhook-format"
          value={format}
          onChange={(e) => setFormat(e.currentTarget.value === 'slack' ? 'slack' : 'json')}
        >
          <option value="json">JSON (signed)</option>
          <option value="slack">Slack message</option>
        </select>
      </label>
      <fieldset className="webhook-events">
        <legend>Fires on</legend>
        {(Object.keys(EVENT_TEXT) as WebhookEvent[]).map((ev) => (
          <label key={ev}>
            <input
              type="checkbox"
              data-testid={`webhook-event-${ev}`}
              checked={events.includes(ev)}
              onChange={(e) => {
                const on = e.currentTarget.checked;
                setEvents((cur) => (on ? [...cur, ev] : cur.filter((x) => x !== ev)));
              }}
            />{' '}
            {EVENT_TEXT[ev]}
          </label>
        ))}
      </fieldset>
    </CreateCard>
  );
}

/** Saved searches and whether each is an alert (with its minimum interval in minutes). */
function Alerts({ data, projectName, onChange }: { data: PageData; projectName: (id: string) => string; onChange: () => void }) {
  const [error, setError] = useState<string | null>(null);
  if (data.searches.length === 0) return <p className="muted">No saved searches yet: save one on the session list to make it an alert.</p>;
  async function run(action: () => Promise<void>): Promise<void> {
    try {
      setError(null);
      await action();
      onChange();
    } catch (err) {
      setError(errorMessage(err));
    }
  }
  return (
    <>
      <ErrorAlert error={error} />
      <ListTable columns={['Saved search', 'Project', 'Query', 'Alert', '']}>
        {data.searches.map((s) => {
          const alert = data.alerts.find((a) => a.savedSearchId === s.id);
          return (
            <tr key={s.id} data-testid="alert-row" data-alert={alert ? 'on' : 'off'}>
              <td>{s.name}</td>
              <td>{projectName(s.projectId)}</td>
              <td>
                <code>{s.query}</code>
              </td>
              <td>
                {alert
                  ? `at most every ${Math.round(alert.minIntervalMs / 60_000)} min${alert.lastFiredAt ? `, last ${localDateTime(alert.lastFiredAt)}` : ''}`
                  : 'off'}
              </td>
              <td>
                {alert ? (
                  <button type="button" onClick={() => void run(() => deleteAlert(s.id))}>
                    Turn off
                  </button>
                ) : (
                  <AlertSwitch onSet={(minutes) => void run(() => setAlert(s.id, minutes * 60))} />
                )}
              </td>
            </tr>
          );
        })}
      </ListTable>
    </>
  );
}

function AlertSwitch({ onSet }: { onSet: (minutes: number) => void }) {
  const [minutes, setMinutes] = useState('60');
  return (
    <span className="nowrap">
      every{' '}
      <input
        type="number"
        min="1"
        step="1"
        className="narrow"
        aria-label="minimum interval in minutes"
        value={minutes}
        onChange={(e) => setMinutes(e.currentTarget.value)}
      />{' '}
      min{' '}
      <button type="button" onClick={() => onSet(Math.max(1, Math.round(Number(minutes) || 60)))}>
        Make alert
      </button>
    </span>
  );
}
