/**
 * Readers for stored event data. The server checks the envelope (`t`, `kind`) but `data` is
 * whatever a recorder sent, so the viewer never casts it: each reader returns the data in
 * the shape the panels expect (optional fields that are null or absent become undefined), or
 * null when it is not readable — and the panels show "unreadable event" in its place.
 */
import type {
  BodyCapture,
  ConsoleData,
  EnvData,
  ErrorData,
  NavData,
  NetworkData,
  RecorderNotice,
  SerializedValue,
  VitalData,
} from '@reprise/protocol';

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStr = (v: unknown): v is string => typeof v === 'string';
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Thrown inside a reader to give up on the whole event. */
class Unreadable extends Error {}

function str(o: Obj, k: string): string {
  const v = o[k];
  if (!isStr(v)) throw new Unreadable(`${k} is not a string`);
  return v;
}
function num(o: Obj, k: string): number {
  const v = o[k];
  if (!isNum(v)) throw new Unreadable(`${k} is not a number`);
  return v;
}
function obj(o: Obj, k: string): Obj {
  const v = o[k];
  if (!isObj(v)) throw new Unreadable(`${k} is not an object`);
  return v;
}
function optStr(o: Obj, k: string): string | undefined {
  const v = o[k];
  if (v === undefined || v === null) return undefined;
  if (!isStr(v)) throw new Unreadable(`${k} is not a string`);
  return v;
}
function optNum(o: Obj, k: string): number | undefined {
  const v = o[k];
  if (v === undefined || v === null) return undefined;
  if (!isNum(v)) throw new Unreadable(`${k} is not a number`);
  return v;
}
function optObj(o: Obj, k: string): Obj | undefined {
  const v = o[k];
  if (v === undefined || v === null) return undefined;
  if (!isObj(v)) throw new Unreadable(`${k} is not an object`);
  return v;
}
function oneOf<T extends string>(v: string, allowed: readonly T[], k: string): T {
  if (!(allowed as readonly string[]).includes(v)) throw new Unreadable(`${k} is not one of ${allowed.join(', ')}`);
  return v as T;
}

/** Runs a reader: the data, or the reason it cannot be read. */
export function read<T>(reader: (o: Obj) => T, data: unknown): { ok: true; data: T } | { ok: false; reason: string } {
  if (!isObj(data)) return { ok: false, reason: 'data is not an object' };
  try {
    return { ok: true, data: reader(data) };
  } catch (err) {
    if (err instanceof Unreadable) return { ok: false, reason: err.message };
    // A getter or a cycle cannot come out of JSON, but nothing here may throw into React.
    return { ok: false, reason: 'unreadable' };
  }
}

/** Containers nested deeper than this are not walked (the tree opens lazily anyway). */
const MAX_VALUE_DEPTH = 64;

/** A console argument tree: every node of a known type with its fields, walked without recursion. */
export function isSerializedValue(root: unknown): root is SerializedValue {
  const stack: [unknown, number][] = [[root, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (!isObj(v) || !isStr(v.type)) return false;
    const push = (items: unknown) => {
      if (!Array.isArray(items) || depth >= MAX_VALUE_DEPTH) return false;
      for (const x of items) stack.push([x, depth + 1]);
      return true;
    };
    const pairs = (entries: unknown, keyIsValue: boolean) => {
      if (!Array.isArray(entries) || depth >= MAX_VALUE_DEPTH) return false;
      for (const e of entries) {
        if (!Array.isArray(e) || e.length !== 2) return false;
        if (keyIsValue) stack.push([e[0], depth + 1]);
        else if (!isStr(e[0])) return false;
        stack.push([e[1], depth + 1]);
      }
      return true;
    };
    const optTruncated = v.truncated === undefined || isNum(v.truncated);
    let ok: boolean;
    switch (v.type) {
      case 'string':
        ok = isStr(v.value) && optTruncated;
        break;
      case 'number':
        ok = typeof v.value === 'number' || v.value === 'NaN' || v.value === 'Infinity' || v.value === '-Infinity';
        break;
      case 'boolean':
        ok = typeof v.value === 'boolean';
        break;
      case 'null':
      case 'undefined':
        ok = true;
        break;
      case 'bigint':
      case 'symbol':
      case 'date':
      case 'regexp':
        ok = isStr(v.value);
        break;
      case 'function':
        ok = isStr(v.name);
        break;
      case 'error':
        ok = isStr(v.name) && isStr(v.message) && (v.stack === undefined || isStr(v.stack));
        break;
      case 'dom':
        ok = isStr(v.selector) && isStr(v.html);
        break;
      case 'circular':
        ok = isStr(v.path);
        break;
      case 'capped':
        ok = isStr(v.reason) && (v.className === undefined || isStr(v.className));
        break;
      case 'thrown':
        ok = isStr(v.message);
        break;
      case 'array':
        ok = isNum(v.length) && optTruncated && push(v.items);
        break;
      case 'set':
        ok = isNum(v.size) && optTruncated && push(v.items);
        break;
      case 'object':
        ok = (v.className === undefined || isStr(v.className)) && optTruncated && pairs(v.entries, false);
        break;
      case 'map':
        ok = isNum(v.size) && optTruncated && pairs(v.entries, true);
        break;
      default:
        ok = false;
    }
    if (!ok) return false;
  }
  return true;
}

export function readConsole(o: Obj): ConsoleData {
  const args = o.args;
  if (!Array.isArray(args)) throw new Unreadable('args is not an array');
  for (const a of args) if (!isSerializedValue(a)) throw new Unreadable('an argument is not a serialized value');
  return { level: str(o, 'level') as ConsoleData['level'], args: args as SerializedValue[], stack: optStr(o, 'stack') };
}

function headers(o: Obj, k: string): Record<string, string> {
  const h = optObj(o, k) ?? {};
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(h)) {
    if (!isStr(value)) throw new Unreadable(`${k}.${name} is not a string`);
    out[name] = value;
  }
  return out;
}

function body(o: Obj, k: string): BodyCapture | null {
  const b = optObj(o, k);
  if (!b) return null;
  return {
    kind: oneOf(str(b, 'kind'), ['text', 'json', 'form', 'urlencoded', 'binary', 'omitted'] as const, `${k}.kind`),
    // Any JSON is fine here: the detail view shows strings as text and the rest as a tree.
    value: b.value ?? undefined,
    size: optNum(b, 'size'),
    truncated: b.truncated === true,
    reason: optStr(b, 'reason'),
  };
}

export function readNetwork(o: Obj): NetworkData {
  const error = optStr(o, 'error');
  return {
    id: optStr(o, 'id') ?? '',
    initiator: (optStr(o, 'initiator') ?? 'fetch') as NetworkData['initiator'],
    method: str(o, 'method'),
    url: str(o, 'url'),
    status: num(o, 'status'),
    statusText: optStr(o, 'statusText'),
    requestHeaders: headers(o, 'requestHeaders'),
    responseHeaders: headers(o, 'responseHeaders'),
    requestBody: body(o, 'requestBody'),
    responseBody: body(o, 'responseBody'),
    // Not an epoch (or absent) falls back to the event's `t` in the model.
    startedAt: optNum(o, 'startedAt') ?? 0,
    durationMs: optNum(o, 'durationMs') ?? 0,
    error: error === undefined ? undefined : oneOf(error, ['network', 'abort', 'timeout'] as const, 'error'),
    errorMessage: optStr(o, 'errorMessage'),
    // A malformed id links to no trace; the request itself stays readable.
    traceId: hexId(o.traceId, 32),
    spanId: hexId(o.spanId, 16),
  };
}

function hexId(v: unknown, len: number): string | undefined {
  return isStr(v) && v.length === len && /^[0-9a-f]+$/.test(v) ? v : undefined;
}

export function readError(o: Obj): ErrorData {
  const origin = optStr(o, 'origin');
  return {
    message: str(o, 'message'),
    stack: optStr(o, 'stack'),
    source: optStr(o, 'source'),
    line: optNum(o, 'line'),
    column: optNum(o, 'column'),
    origin: origin === undefined ? undefined : oneOf(origin, ['error', 'unhandledrejection', 'resource', 'console'] as const, 'origin'),
    name: optStr(o, 'name'),
  };
}

export function readNav(o: Obj): NavData {
  return { url: str(o, 'url'), from: optStr(o, 'from'), type: str(o, 'type') as NavData['type'] };
}

export function readVital(o: Obj): VitalData {
  return { name: str(o, 'name') as VitalData['name'], value: num(o, 'value'), detail: optStr(o, 'detail') };
}

function size(o: Obj, k: string): { width: number; height: number } {
  const s = obj(o, k);
  return { width: num(s, 'width'), height: num(s, 'height') };
}

function parts(o: Obj, k: string, fields: string[]): Record<string, string | undefined> | undefined {
  const p = optObj(o, k);
  if (!p) return undefined;
  return Object.fromEntries(fields.map((f) => [f, optStr(p, f)]));
}

export function readEnv(o: Obj): EnvData {
  const languages = o.languages;
  if (languages !== undefined && languages !== null && !(Array.isArray(languages) && languages.every(isStr))) {
    throw new Unreadable('languages is not a list of strings');
  }
  const c = optObj(o, 'connection');
  return {
    userAgent: str(o, 'userAgent'),
    browser: parts(o, 'browser', ['name', 'version']),
    os: parts(o, 'os', ['name', 'version']),
    device: parts(o, 'device', ['type', 'vendor', 'model']),
    viewport: size(o, 'viewport'),
    screen: size(o, 'screen'),
    dpr: num(o, 'dpr'),
    timezone: optStr(o, 'timezone'),
    language: optStr(o, 'language'),
    languages: (languages as string[] | null | undefined) ?? undefined,
    connection: c && {
      effectiveType: optStr(c, 'effectiveType'),
      downlink: optNum(c, 'downlink'),
      rtt: optNum(c, 'rtt'),
      saveData: c.saveData === true,
    },
    url: optStr(o, 'url') ?? '',
    referrer: optStr(o, 'referrer') ?? '',
  };
}

export function readFeedback(o: Obj): { type: 'feedback'; message: string; email?: string } {
  return { type: 'feedback', message: str(o, 'message'), email: optStr(o, 'email') };
}

export function readNotice(o: Obj): RecorderNotice {
  return {
    type: 'notice',
    code: oneOf(str(o, 'code'), ['mutation-burst', 'console-flood', 'error-flood'] as const, 'code'),
    records: num(o, 'records'),
    limit: num(o, 'limit'),
  };
}

export function readCustomEvent(o: Obj): { type: 'event'; name: string; data?: unknown } {
  return { type: 'event', name: str(o, 'name'), data: o.data };
}
