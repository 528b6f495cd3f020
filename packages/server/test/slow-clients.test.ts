import { connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { CHROME_UA, domEvent, gz, makeBatch, startTestServer, type TestServer } from './helpers.js';

/**
 * Issue 12: request and connection timeouts (Node's are 0 = none under Fastify) and a bound on
 * open connections, so slow clients are cut off and cannot starve the others. Real sockets on a
 * listening server; the limits are configured short for the test.
 */
let s: TestServer | null = null;
const sockets: Socket[] = [];
afterEach(async () => {
  for (const so of sockets.splice(0)) so.destroy();
  await s?.close();
  s = null;
});

async function listening(env: Record<string, string>): Promise<{ server: TestServer; port: number }> {
  const server = await startTestServer(env);
  s = server;
  await server.app.listen({ port: 0, host: '127.0.0.1' });
  return { server, port: (server.app.server.address() as AddressInfo).port };
}

/** A client that sends the headers of a 100 kB batch, then its body one byte every 100 ms; resolves with what it got back once the server closes it. */
function slowBodyClient(port: number, key: string): Promise<string> {
  return new Promise((resolve) => {
    const so = connect(port, '127.0.0.1');
    sockets.push(so);
    let got = '';
    let timer: NodeJS.Timeout | undefined;
    so.on('connect', () => {
      so.write(
        `POST /ingest/v1/batch?key=${key} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{`,
      );
      timer = setInterval(() => so.writable && so.write(' '), 100);
    });
    so.on('data', (d) => (got += d.toString('latin1')));
    so.on('error', () => undefined);
    so.on('close', () => {
      clearInterval(timer);
      resolve(got);
    });
  });
}

function postNormally(port: number, key: string, sid: string) {
  return fetch(`http://127.0.0.1:${port}/ingest/v1/batch?key=${key}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', 'user-agent': CHROME_UA },
    body: gz(makeBatch(sid, 0, [domEvent(1000)])),
  });
}

describe('slow clients', () => {
  it('a slow-body client is cut off (408) after the request timeout while a normal batch from another client succeeds', async () => {
    const { server, port } = await listening({ REPRISE_REQUEST_TIMEOUT_MS: '1500', REPRISE_HEADERS_TIMEOUT_MS: '1000' });
    const slow = slowBodyClient(port, server.projectKey);
    const normal = await postNormally(port, server.projectKey, 'sess_slow_other1');
    expect(normal.status).toBe(200);
    expect(await slow).toMatch(/^HTTP\/1\.1 408/);
  });

  it('a client that never finishes its headers is cut off too', async () => {
    const { port } = await listening({ REPRISE_REQUEST_TIMEOUT_MS: '1500', REPRISE_HEADERS_TIMEOUT_MS: '500' });
    const closed = await new Promise<boolean>((resolve) => {
      const so = connect(port, '127.0.0.1', () => so.write('POST /ingest/v1/batch HTTP/1.1\r\nHost: x\r\n'));
      sockets.push(so);
      so.on('error', () => undefined);
      // The server's FIN (after its 408) is what matters; our own close may lag behind it.
      so.resume();
      so.on('end', () => resolve(true));
      so.on('close', () => resolve(true));
    });
    expect(closed).toBe(true);
  });

  it('connections past REPRISE_MAX_CONNECTIONS are refused; once slow ones time out, others get through', async () => {
    const { server, port } = await listening({
      REPRISE_MAX_CONNECTIONS: '4',
      REPRISE_REQUEST_TIMEOUT_MS: '1500',
      REPRISE_HEADERS_TIMEOUT_MS: '1000',
    });
    const slow = [0, 1, 2, 3].map(() => slowBodyClient(port, server.projectKey));
    // Wait until the four are accepted (their bodies are flowing), then a fifth is closed at once.
    await new Promise((r) => setTimeout(r, 300));
    const refused = await new Promise<string>((resolve) => {
      const so = connect(port, '127.0.0.1', () => so.write('GET /api/v1/auth/me HTTP/1.1\r\nHost: x\r\n\r\n'));
      sockets.push(so);
      let got = '';
      so.on('data', (d) => (got += d.toString('latin1')));
      so.on('error', () => undefined);
      so.on('close', () => resolve(got));
    });
    expect(refused).toBe('');
    for (const r of await Promise.all(slow)) expect(r).toMatch(/^HTTP\/1\.1 408/);
    expect((await postNormally(port, server.projectKey, 'sess_slow_other2')).status).toBe(200);
  });
});

describe('configuration', () => {
  it('has bounded defaults and validates the variables', () => {
    const { http } = loadConfig({});
    expect(http.requestTimeoutMs).toBeGreaterThan(0);
    expect(http.headersTimeoutMs).toBeGreaterThan(0);
    expect(http.keepAliveTimeoutMs).toBeGreaterThan(0);
    expect(http.idleTimeoutMs).toBeGreaterThan(0);
    expect(http.maxConnections).toBeLessThan(1024);
    expect(() => loadConfig({ REPRISE_MAX_CONNECTIONS: '0' })).toThrow(/REPRISE_MAX_CONNECTIONS/);
    expect(() => loadConfig({ REPRISE_REQUEST_TIMEOUT_MS: 'soon' })).toThrow(/REPRISE_REQUEST_TIMEOUT_MS/);
  });
});
