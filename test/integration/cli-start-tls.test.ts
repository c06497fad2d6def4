// `qala start` with TLS (QALA_TLS_CERT, QALA_TLS_KEY): the line that says where Qala
// is up gives the addresses that answer, https and mqtts, and no clear-text MQTT
// address when QALA_PLAIN_LISTENERS=false; the printed dashboard address answers
// over HTTPS with the test CA.
import { request } from 'node:https';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { makeCertificates } from '../../infra/tls.ts';
import { tempDir } from '../helpers/platform.ts';
import { spawnQala } from '../helpers/qala.ts';

/** GET over HTTPS trusting only `ca`, to a `https://localhost:<port>/...` address. */
function httpsGet(url: string, ca: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca: readFileSync(ca) }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('qala start with TLS', () => {
  it('prints the https dashboard and the mqtts address, and no mqtt:// one with plain listeners off', async () => {
    const certs = makeCertificates(await tempDir());
    const proc = spawnQala(['start'], {
      QALA_DATA_DIR: await tempDir(),
      QALA_HTTP_HOST: '127.0.0.1',
      QALA_HTTP_PORT: '0',
      QALA_MQTT_HOST: '127.0.0.1',
      QALA_MQTT_PORT: '0',
      QALA_MQTT_TLS_PORT: '0',
      QALA_TLS_CERT: certs.cert,
      QALA_TLS_KEY: certs.key,
      QALA_PLAIN_LISTENERS: 'false',
      QALA_SIMULATE: 'false',
      QALA_LOG_FORMAT: 'json',
    });
    const [line] = await proc.waitForOutput(/Qala is up: [^"]*/, 'Qala up', 90_000);
    expect(line).toMatch(/^Qala is up: dashboard https:\/\/localhost:\d+ {2}MQTT mqtts:\/\/localhost:\d+$/);
    const tlsPort = Number(/mqtts:\/\/localhost:(\d+)/.exec(line)![1]);
    expect(tlsPort).toBeGreaterThan(0);
    const dashboard = /dashboard (\S+)/.exec(line)![1]!;
    expect(await httpsGet(`${dashboard}/health`, certs.ca)).toBe(200);
    expect((await proc.stop('SIGTERM')).code).toBe(0);
  });
});
