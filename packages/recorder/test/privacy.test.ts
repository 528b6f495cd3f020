import { describe, expect, it } from 'vitest';
import { createRedactor, REDACTED } from '../src/capture/privacy.js';

describe('network redaction rules', () => {
  const r = createRedactor(['dob'], ['x-tenant']);

  it('drops credential headers and any header naming a token, secret, session or csrf', () => {
    const out = r.headers({
      Authorization: 'Bearer abc', 'Proxy-Authorization': 'Basic x', Cookie: 'sid=1', 'Set-Cookie': 'sid=2',
      'X-API-Key': 'k', 'X-Auth-Token': 't', 'X-Client-Secret': 's', 'X-Session-Id': 'i', 'X-CSRF-Token': 'c',
      'X-Tenant': 'acme', 'Content-Type': 'application/json', Accept: '*/*',
    });
    expect(out).toEqual({ 'content-type': 'application/json', accept: '*/*' });
  });

  it('redacts sensitive JSON keys at any depth, and configured extra keys', () => {
    const body = {
      user: { name: 'Ada', password: 'pw1', profile: { dob: '1990-01-01', ssn: '123' } },
      payment: [{ cardNumber: '4242', cvv: '1', iban: 'DE00', amount: 3 }],
      api_key: 'k', apikey: 'k2', access_token: 't', client_secret: 's', passwd: 'p', note: 'ok',
    };
    expect(r.json(body)).toEqual({
      user: { name: 'Ada', password: REDACTED, profile: { dob: REDACTED, ssn: REDACTED } },
      payment: [{ cardNumber: REDACTED, cvv: REDACTED, iban: REDACTED, amount: 3 }],
      api_key: REDACTED, apikey: REDACTED, access_token: REDACTED, client_secret: REDACTED, passwd: REDACTED, note: 'ok',
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
