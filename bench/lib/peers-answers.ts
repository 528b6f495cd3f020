/**
 * What each peer's local sink answers, so the SDK keeps recording and uploading as it would
 * against its real service: the least each one needs, nothing more.
 */
export interface PeerAnswer {
  status: number;
  type: string;
  body: string;
}

const json = (value: unknown, status = 200): PeerAnswer => ({ status, type: 'application/json', body: JSON.stringify(value) });

/** Sentry's envelope endpoint accepts everything (replay events, recordings, client reports). */
export function answerSentry(): PeerAnswer {
  return json({ id: '00000000000000000000000000000000' });
}

/** PostHog's project config: session recording on, console logs and network timing with it. */
const POSTHOG_RECORDING = {
  endpoint: '/s/',
  consoleLogRecordingEnabled: true,
  recorderVersion: 'v2',
  sampleRate: null,
  minimumDurationMilliseconds: null,
  linkedFlag: null,
  networkPayloadCapture: { recordHeaders: true, recordBody: true },
  urlTriggers: [],
  urlBlocklist: [],
  eventTriggers: [],
  scriptConfig: null,
};

const POSTHOG_CONFIG = {
  token: 'phc_bench',
  supportedCompression: ['gzip', 'gzip-js'],
  hasFeatureFlags: false,
  captureDeadClicks: false,
  capturePerformance: { network_timing: true, web_vitals: false },
  autocapture_opt_out: false,
  autocaptureExceptions: false,
  analytics: { endpoint: '/i/v0/e/' },
  elementsChainAsString: true,
  sessionRecording: POSTHOG_RECORDING,
  heatmaps: false,
  surveys: false,
  defaultIdentifiedOnly: true,
  siteApps: [],
};

export function answerPosthog(url: URL, method: string, statics: Map<string, string>): PeerAnswer | null {
  const p = url.pathname.slice('/ph'.length);
  if (method === 'GET' && p.startsWith('/static/')) {
    const file = p.slice(p.lastIndexOf('/') + 1);
    const code = statics.get(file);
    return code === undefined ? null : { status: 200, type: 'text/javascript', body: code };
  }
  if (p === '/array/phc_bench/config.js') {
    const body = `(function(){window._POSTHOG_REMOTE_CONFIG=window._POSTHOG_REMOTE_CONFIG||{};window._POSTHOG_REMOTE_CONFIG['phc_bench']={config:${JSON.stringify(POSTHOG_CONFIG)},siteApps:[]};})();`;
    return { status: 200, type: 'text/javascript', body };
  }
  if (p === '/array/phc_bench/config') return json(POSTHOG_CONFIG);
  if (p.startsWith('/flags') || p.startsWith('/decide')) {
    return json({ ...POSTHOG_CONFIG, featureFlags: {}, featureFlagPayloads: {}, errorsWhileComputingFlags: false, flags: {} });
  }
  // Capture endpoints: events (/e/, /i/v0/e/, /batch/), recordings (/s/), metrics.
  if (method === 'POST') return json({ status: 1 });
  return null;
}

export function answerOpenReplay(url: URL): PeerAnswer | null {
  const p = url.pathname.slice('/or'.length);
  if (p === '/v1/web/start') {
    return json({
      token: 'bench-token',
      userUUID: 'bench-user',
      projectID: '1',
      sessionID: '1',
      delay: 0,
      startTimestamp: Date.now(),
      beaconSizeLimit: 1_000_000,
      compressionThreshold: 24_000,
      userBrowser: 'Chrome',
      userCity: '',
      userCountry: '',
      userDevice: '',
      userOS: 'Linux',
      userState: '',
      canvasEnabled: false,
      assistOnly: false,
    });
  }
  if (p === '/v1/web/i') return { status: 200, type: 'text/plain', body: '' };
  if (p.startsWith('/v1/web/tags')) return json({ tags: [] });
  if (p.startsWith('/v1/web/conditions')) return json({ conditions: [] });
  if (p.startsWith('/v1/web/')) return json({});
  return null;
}
