/** Environment tab: the latest `env` snapshot as a definition list, then the recorded web vitals. */
import type { EnvData, VitalData } from '@reprise/protocol';
import { clock } from '../format';
import type { Entry, UnreadableData } from './model';
import { UnreadableItem } from './Unreadable';

function joined(...parts: (string | undefined)[]): string {
  return parts.filter(Boolean).join(' ');
}

function connectionText(c: EnvData['connection']): string {
  if (!c) return '';
  return [
    c.effectiveType,
    c.downlink !== undefined ? `${c.downlink} Mb/s` : '',
    c.rtt !== undefined ? `${c.rtt} ms RTT` : '',
    c.saveData ? 'save-data' : '',
  ]
    .filter(Boolean)
    .join(' · ');
}

function vitalValue(v: VitalData): string {
  return v.name === 'CLS' ? v.value.toFixed(3) : `${Math.round(v.value)} ms`;
}

export function EnvironmentPanel({
  env,
  vitals,
  unreadable,
  onSeek,
}: {
  env: EnvData | null;
  vitals: Entry<VitalData>[];
  /** Unreadable env and vital events. */
  unreadable: Entry<UnreadableData>[];
  onSeek: (offsetMs: number) => void;
}) {
  const badEnv = unreadable.filter((u) => u.data.kind === 'env');
  const badVitals = unreadable.filter((u) => u.data.kind === 'vital');
  const rows: [string, string][] = env
    ? [
        ['Browser', joined(env.browser?.name, env.browser?.version)],
        ['OS', joined(env.os?.name, env.os?.version)],
        ['Device', joined(env.device?.type, env.device?.vendor, env.device?.model)],
        ['Viewport', `${env.viewport.width} × ${env.viewport.height}`],
        ['Screen', `${env.screen.width} × ${env.screen.height}`],
        ['DPR', String(env.dpr)],
        ['Timezone', env.timezone ?? ''],
        ['Language', env.languages?.length ? env.languages.join(', ') : (env.language ?? '')],
        ['Connection', connectionText(env.connection)],
        ['URL', env.url],
        ['Referrer', env.referrer],
        ['User agent', env.userAgent],
      ]
    : [];
  return (
    <div className="dt-tab">
      <div className="dt-list dt-padded" data-testid="environment">
        {env ? (
          <dl className="kv">
            {rows.map(([k, v]) => (
              <div key={k}>
                <dt>{k}</dt>
                <dd>{v || <span className="muted">—</span>}</dd>
              </div>
            ))}
          </dl>
        ) : (
          badEnv.length === 0 && <p className="muted">No environment recorded.</p>
        )}
        {badEnv.map((u) => (
          <UnreadableItem key={`u${u.index}`} item={u} onSeek={onSeek} />
        ))}
        <h3>Web vitals</h3>
        {badVitals.map((u) => (
          <UnreadableItem key={`u${u.index}`} item={u} onSeek={onSeek} />
        ))}
        {vitals.length === 0 ? (
          badVitals.length === 0 && <p className="muted">None recorded.</p>
        ) : (
          <dl className="kv vitals">
            {vitals.map((v) => (
              <div key={v.index} data-testid="vital">
                <dt>{v.data.name}</dt>
                <dd>
                  {vitalValue(v.data)} <span className="muted">at {clock(Math.max(0, v.offset))}</span>
                  {v.data.detail && <div className="muted vital-detail">{v.data.detail}</div>}
                </dd>
              </div>
            ))}
          </dl>
        )}
      </div>
    </div>
  );
}
