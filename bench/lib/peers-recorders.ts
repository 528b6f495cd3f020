import { readFileSync } from 'node:fs';
import path from 'node:path';
import { BENCH_DIR } from './results.js';

/**
 * The recorders the peers benchmark compares: plain rrweb (the floor), Reprise as built, and
 * the session replay products a team would pick instead, each configured as its docs say for
 * session replay with console and network capture on, each uploading to its local sink
 * (bench/lib/peers-sink.ts). Every one is started by one script element added to the page
 * (`/bench/peer/<name>.js`, bundled by esbuild from the entry below) and exposes the same small
 * in-page handle, `window.__peer`: ready(), drain(), state().
 */
export type PeerName = 'rrweb' | 'reprise' | 'sentry' | 'sentryRaised' | 'posthog' | 'openreplay';
export const PEERS: readonly PeerName[] = ['rrweb', 'reprise', 'sentry', 'sentryRaised', 'posthog', 'openreplay'];

/** Which sink (URL family on the bench's origin) a recorder uploads to. */
export type SinkName = 'reprise' | 'sentry' | 'posthog' | 'openreplay';

export interface PeerSpec {
  name: PeerName;
  label: string;
  /** The sink its uploads go to; null: keeps its events in memory (plain rrweb). */
  sink: SinkName | null;
  /** The npm package whose version is reported. */
  pkg: string;
  /** esbuild entry (null for Reprise: the built dist/browser/reprise.js is served as is). */
  entry: string | null;
  /** Attributes of its script element besides src. */
  attrs: Record<string, string>;
  /** After the drain expression: wait until its sink has had no upload for this long, ms. */
  quietMs: number;
}

/** Sentry's default mutationLimit is 10,000 mutations in one batch; the raised row lifts it. */
export const SENTRY_RAISED_LIMIT = 1_000_000_000;

// State every handle reports: recording (1/0) and, when it stopped, why.
const HANDLE_TYPES = `/* window.__peer = { ready(): boolean, drain(): Promise<unknown>, state(): { recording: number, reason: string } } */`;

const RRWEB = `${HANDLE_TYPES}
import { record } from '@rrweb/record';
import { getRecordConsolePlugin } from '@rrweb/rrweb-plugin-console-record';
const events = [];
window.__rrwebEvents = events;
const stop = record({ emit(e) { events.push(e); }, plugins: [getRecordConsolePlugin()] });
window.__peer = {
  ready: () => events.some((e) => e.type === 2),
  drain: () => Promise.resolve(),
  state: () => ({ recording: stop ? 1 : 0, reason: '' }),
  count: () => events.length,
  // DOM changes in the events from index i on (what peers-decode.ts counts in the peers' uploads).
  changesSince: (i) => events.slice(i).reduce((n, e) => e.type === 3 && e.data.source === 0
    ? n + e.data.adds.length + e.data.removes.length + e.data.attributes.length + e.data.texts.length : n, 0),
};
`;

// Sentry: replayIntegration with its default compression worker (inlined, started from a blob URL);
// console and fetch/XHR breadcrumbs are default integrations, network details for the page's origin.
// minReplayDuration 0: by default the first segment is held until the replay is 5 s old, which
// would move the initial upload into the measured window of a short workload.
const SENTRY = `${HANDLE_TYPES}
import * as Sentry from '@sentry/browser';
const script = document.currentScript;
const limit = script && script.dataset.mutationLimit ? Number(script.dataset.mutationLimit) : undefined;
let reason = '';
const replay = Sentry.replayIntegration({
  networkDetailAllowUrls: [location.origin],
  minReplayDuration: 0,
  ...(limit ? { mutationLimit: limit, mutationBreadcrumbLimit: limit } : {}),
});
Sentry.init({
  dsn: 'http://bench@' + location.host + '/1',
  integrations: [replay],
  replaysSessionSampleRate: 1.0,
  replaysOnErrorSampleRate: 1.0,
});
// Sentry records why it stopped only in its own replay events and debug log. The bench wraps the
// replay container's stop() (internal, Sentry 11.17) to read the reason it passes.
const container = replay._replay;
if (container && typeof container.stop === 'function') {
  const stop = container.stop.bind(container);
  container.stop = (o) => {
    if (o && o.reason && !reason) {
      const opts = container._options || {};
      reason = o.reason === 'mutationLimit'
        ? 'mutationLimit: a mutation callback held more than ' + opts.mutationLimit + ' records, so Sentry stopped the replay'
        : 'stop reason: ' + o.reason;
    }
    return stop(o);
  };
}
window.__peer = {
  ready: () => !!replay.getReplayId(),
  drain: () => (replay.getReplayId() ? replay.flush() : Promise.resolve()),
  state: () => ({ recording: replay.getReplayId() ? 1 : 0, reason }),
};
`;

// PostHog: session recording is switched on by the project's remote config (served by the sink),
// which also loads the lazy recorder from the sink's /static/. Console logs and network timing on.
// The SDK skips network capture on localhost unless told otherwise. Surveys off: not recording.
const POSTHOG = `${HANDLE_TYPES}
import posthog from 'posthog-js';
posthog.init('phc_bench', {
  api_host: location.origin + '/ph',
  persistence: 'memory',
  enable_recording_console_log: true,
  capture_performance: { network_timing: true },
  session_recording: { recordHeaders: true, recordBody: true },
  // Headless Chromium's user agent is on PostHog's bot list, which would drop every upload.
  opt_out_useragent_filter: true,
  disable_surveys: true,
  loaded(ph) { if (ph.sessionRecording) ph.sessionRecording._forceAllowLocalhostNetworkCapture = true; },
});
window.posthog = posthog;
window.__peer = {
  ready: () => posthog.sessionRecordingStarted(),
  // No public flush: the harness waits for its buffer and request-queue timers (quietMs).
  drain: () => Promise.resolve(),
  state: () => ({ recording: posthog.sessionRecordingStarted() ? 1 : 0, reason: '' }),
};
`;

// OpenReplay: the tracker with its defaults (console capture on) and network capture with payloads.
const OPENREPLAY = `${HANDLE_TYPES}
import Tracker from '@openreplay/tracker';
const tracker = new Tracker({
  projectKey: 'bench',
  ingestPoint: location.origin + '/or',
  network: { capturePayload: true, failuresOnly: false, ignoreHeaders: true, sessionTokenHeader: false },
  __DISABLE_SECURE_MODE: true,
});
let started = false;
let reason = '';
tracker.start().then((r) => { started = !!(r && r.success); if (!started) reason = (r && r.reason) || 'start failed'; });
window.__peer = {
  ready: () => started && tracker.isActive(),
  drain: () => { tracker.forceFlushBatch(); return Promise.resolve(); },
  state: () => ({ recording: tracker.isActive() ? 1 : 0, reason }),
};
`;

export const PEER_SPECS: Record<PeerName, PeerSpec> = {
  rrweb: { name: 'rrweb', label: 'plain rrweb', sink: null, pkg: '@rrweb/record', entry: RRWEB, attrs: {}, quietMs: 0 },
  reprise: { name: 'reprise', label: 'Reprise', sink: 'reprise', pkg: '', entry: null, attrs: {}, quietMs: 300 },
  sentry: { name: 'sentry', label: 'Sentry Replay', sink: 'sentry', pkg: '@sentry/browser', entry: SENTRY, attrs: {}, quietMs: 500 },
  sentryRaised: {
    name: 'sentryRaised',
    label: 'Sentry Replay, mutation limit raised',
    sink: 'sentry',
    pkg: '@sentry/browser',
    entry: null, // the Sentry bundle, with the limit as an attribute
    attrs: { 'data-mutation-limit': String(SENTRY_RAISED_LIMIT) },
    quietMs: 500,
  },
  // Its snapshot buffer goes to its request queue every 2 s, which sends every 3 s: quiet for longer than a buffer tick.
  posthog: { name: 'posthog', label: 'PostHog', sink: 'posthog', pkg: 'posthog-js', entry: POSTHOG, attrs: {}, quietMs: 2500 },
  openreplay: {
    name: 'openreplay',
    label: 'OpenReplay',
    sink: 'openreplay',
    pkg: '@openreplay/tracker',
    entry: OPENREPLAY,
    attrs: {},
    quietMs: 500,
  },
};

/** The script file a recorder is started by (the raised Sentry row shares Sentry's bundle). */
export function scriptPath(name: PeerName): string {
  if (name === 'reprise') return '/sdk/reprise.js';
  return `/bench/peer/${name === 'sentryRaised' ? 'sentry' : name}.js`;
}

/** Attributes of the script element that starts a recorder. */
export function scriptAttrs(name: PeerName, projectKey: string): Record<string, string> {
  const extra = name === 'reprise' ? { 'data-project-key': projectKey } : PEER_SPECS[name].attrs;
  return { src: scriptPath(name), ...extra };
}

export function scriptTag(name: PeerName, projectKey: string): string {
  const attrs = Object.entries(scriptAttrs(name, projectKey))
    .map(([k, v]) => ` ${k}="${v}"`)
    .join('');
  return `<script${attrs} async></script>`;
}

/** Reprise's in-page handle, the same shape as the peers' (installed by the harness before the window). */
export const REPRISE_HANDLE = `window.__peer = window.__peer || {
  ready: () => !!(window.Reprise && window.Reprise.getSessionId() && window.Reprise.stats() && window.Reprise.stats().eventsCaptured > 1 && window.Reprise.stats().initialSnapshot !== null),
  drain: () => window.Reprise.flush(),
  state: () => ({ recording: window.Reprise && window.Reprise.getSessionId() ? 1 : 0, reason: '' }),
};`;

export function packageVersion(pkg: string): string {
  const file = path.join(BENCH_DIR, '..', 'node_modules', pkg, 'package.json');
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}
