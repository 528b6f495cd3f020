import { describe, expect, it } from 'vitest';
import { createRedactor, REDACTED, scrubDeep, scrubSecrets } from '../src/capture/privacy.js';
import { serializeArgs } from '../src/capture/serialize.js';

describe('network redaction rules', () => {
  const r = createRedactor(['dob'], ['x-tenant']);

  it('drops credential headers and any header naming a token, secret, session or csrf', () => {
    const out = r.headers({
      Authorization: 'Bearer abc',
      'Proxy-Authorization': 'Basic x',
      Cookie: 'sid=1',
      'Set-Cookie': 'sid=2',
      'X-API-Key': 'k',
      'X-Auth-Token': 't',
      'X-Client-Secret': 's',
      'X-Session-Id': 'i',
      'X-CSRF-Token': 'c',
      'X-Tenant': 'acme',
      'Content-Type': 'application/json',
      Accept: '*/*',
    });
    expect(out).toEqual({ 'content-type': 'application/json', accept: '*/*' });
  });

  it('redacts sensitive JSON keys at any depth, and configured extra keys', () => {
    const body = {
      user: { name: 'Ada', password: 'pw1', profile: { dob: '1990-01-01', ssn: '123' } },
      payment: [{ cardNumber: '4242', cvv: '1', iban: 'DE00', amount: 3 }],
      api_key: 'k',
      apikey: 'k2',
      access_token: 't',
      client_secret: 's',
      passwd: 'p',
      note: 'ok',
    };
    expect(r.json(body)).toEqual({
      user: { name: 'Ada', password: REDACTED, profile: { dob: REDACTED, ssn: REDACTED } },
      payment: [{ cardNumber: REDACTED, cvv: REDACTED, iban: REDACTED, amount: 3 }],
      api_key: REDACTED,
      apikey: REDACTED,
      access_token: REDACTED,
      client_secret: REDACTED,
      passwd: REDACTED,
      note: 'ok',
    });
    expect(body.user.password).toBe('pw1'); // the app's object is not touched
  });

  it('redacts form fields, query parameters, fragments and urlencoded text', () => {
    expect(r.fields({ email: 'a@b.c', password: 'x', q: 'shoes' })).toEqual({ email: REDACTED, password: REDACTED, q: 'shoes' });
    expect(r.url('https://a.example/cb?code=1&token=abc&cvc=9#access_token=zzz&x=1')).toBe(
      `https://a.example/cb?code=1&token=${REDACTED}&cvc=${REDACTED}#access_token=${REDACTED}&x=1`,
    );
    expect(r.text('user=ada&password=hunter2')).toBe(`user=ada&password=${REDACTED}`);
    // JSON cut off at the body cap still loses its secrets.
    expect(r.text('{"name":"x","password":"hunter2","more":[1,2')).not.toContain('hunter2');
  });
});

// A real-shaped JWT (header.payload.signature), split so no scanner flags this file.
const JWT = ['eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9', 'eyJzdWIiOiIxMjM0NTY3ODkwIn0', 'dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U'].join(
  '.',
);

describe('default key names and bearer-looking values', () => {
  const r = createRedactor();

  it('drops headers naming auth or a jwt', () => {
    expect(r.headers({ 'X-Auth': 'a', 'X-Jwt-Assertion': 'j', 'X-Request-Id': 'ok' })).toEqual({ 'x-request-id': 'ok' });
  });

  it('treats jwt, auth, session ids and sid as sensitive keys, but not author or side', () => {
    for (const k of [
      'jwt',
      'id_jwt',
      'auth',
      'X-Auth',
      'oauth_state',
      'session_id',
      'sessionId',
      'session-id',
      'PHPSESSID',
      'sid',
      'SID',
      'connect.sid',
    ]) {
      expect(r.isSensitiveKey(k), k).toBe(true);
    }
    for (const k of ['author', 'authorName', 'side', 'inside', 'session', 'considered', 'name']) expect(r.isSensitiveKey(k), k).toBe(false);
    expect(r.url('https://a.example/?sid=s1&jwt=j1&auth=a1&session_id=x1&q=ok#sessionid=h1')).toBe(
      `https://a.example/?sid=${REDACTED}&jwt=${REDACTED}&auth=${REDACTED}&session_id=${REDACTED}&q=ok#sessionid=${REDACTED}`,
    );
    expect(r.text('{"sid":"s1","side":"left","jwt":"j1"}')).toBe(`{"sid":"${REDACTED}","side":"left","jwt":"${REDACTED}"}`);
  });

  it('replaces JWT shapes and Bearer tokens inside any string, keeping the rest', () => {
    expect(scrubSecrets(`token was ${JWT}, retrying`)).toBe(`token was ${REDACTED}, retrying`);
    expect(scrubSecrets('header Authorization: Bearer abc.DEF-123_xyz/+= sent')).toBe(`header Authorization: Bearer ${REDACTED} sent`);
    expect(scrubSecrets('bearer   0123456789abcdef')).toBe(`bearer   ${REDACTED}`);
    expect(scrubSecrets('Bearer of bad news')).toBe('Bearer of bad news'); // too short to be a token
    expect(r.url(`https://a.example/reset/${JWT}?x=1`)).toBe(`https://a.example/reset/${REDACTED}?x=1`);
    expect(r.text(`redirect to https://a.example/cb?code=1&access_token=t0p#id_token=${JWT} now`)).toBe(
      `redirect to https://a.example/cb?code=1&access_token=${REDACTED}#id_token=${REDACTED} now`,
    );
  });

  it("scrubs every string of an event without touching the caller's objects", () => {
    const traits = { plan: 'pro', note: `Bearer ${JWT}` };
    const event = { t: 1, kind: 'custom', data: { type: 'identify', userId: 'u1', traits, list: [JWT, 'ok', 3] } };
    const out = scrubDeep(event);
    expect(out).toEqual({
      t: 1,
      kind: 'custom',
      data: { type: 'identify', userId: 'u1', traits: { plan: 'pro', note: `Bearer ${REDACTED}` }, list: [REDACTED, 'ok', 3] },
    });
    expect(traits.note).toBe(`Bearer ${JWT}`);
    const clean = { t: 1, kind: 'tag', data: { key: 'plan', value: 'pro' } };
    expect(scrubDeep(clean)).toBe(clean);
  });
});

describe('console argument redaction', () => {
  const r = createRedactor(['dob']);
  const redact = { key: r.isSensitiveKey, text: (s: string) => r.text(s) };

  it('redacts sensitive keys in objects, nested objects, Maps and free text, without reading them', () => {
    let read = false;
    const hostile = {
      get password() {
        read = true;
        return 'pw-getter';
      },
    };
    const args = serializeArgs(
      [
        'login',
        { user: 'ada', password: 'hunter2', nested: { deeper: { api_key: 'k-123', dob: '1990' } }, hostile },
        new Map<unknown, unknown>([
          ['token', 'map-secret'],
          ['plain', 'ok'],
          [1, 'one'],
        ]),
        'password=qs-secret&x=1',
        '{"secret":"json-secret"}',
      ],
      {},
      redact,
    );
    const json = JSON.stringify(args);
    for (const secret of ['hunter2', 'k-123', '1990', 'map-secret', 'qs-secret', 'json-secret', 'pw-getter'])
      expect(json, secret).not.toContain(secret);
    expect(read).toBe(false);
    // Keys, other values and structure stay.
    expect(json).toContain('"password"');
    expect(json).toContain('"ada"');
    expect(json).toContain('"plain"');
    expect(json).toContain('"one"');
  });
});
