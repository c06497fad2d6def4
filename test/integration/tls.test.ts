// With a certificate and key, the platform serves MQTT over TLS and HTTPS (so WSS):
// Debian's mosquitto_pub and a real browser talk to it with a certificate the test
// makes; with plain listeners off, nothing answers in clear text.
import { execFile } from 'node:child_process';
import { request } from 'node:https';
import { connect } from 'node:net';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { makeCertificates } from '../../infra/tls.ts';
import { TEST_ADMIN_PASSWORD } from '../helpers/auth.ts';
import { browserAvailable, launchBrowser } from '../helpers/browser.ts';
import { gatewayLogin } from '../helpers/mqtt.ts';
import { startPlatform, tempDir, testConfig } from '../helpers/platform.ts';
import { waitFor } from '../helpers/wait.ts';

const run = promisify(execFile);

async function tlsPlatform() {
  const certs = makeCertificates(await tempDir());
  const platform = await startPlatform(testConfig(await tempDir(), { tlsCert: certs.cert, tlsKey: certs.key, mqttTlsPort: 0, plainListeners: false }));
  const tlsPort = (platform.health().broker as { mqttTlsPort: number }).mqttTlsPort;
  return { certs, platform, tlsPort };
}

/** An HTTPS request trusting only the test CA. */
function httpsCall(port: number, ca: string, path: string, init: { method?: string; body?: string } = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', servername: 'localhost', port, path, method: init.method ?? 'GET', ca: readFileSync(ca), headers: init.body ? { 'content-type': 'application/json', origin: `https://127.0.0.1:${port}` } : {} }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

describe('TLS', () => {
  it('takes a reading over MQTT/TLS from mosquitto_pub trusting the test CA, and refuses a client that does not trust it', async () => {
    const { certs, platform, tlsPort } = await tlsPlatform();
    expect(tlsPort).toBeGreaterThan(0);
    const { username, password } = gatewayLogin(platform);
    const topic = 'city/temirtau/utilities/old-town/water-pressure/wp-tls-1/telemetry';
    const pub = (extra: string[]) => run('mosquitto_pub', ['-h', 'localhost', '-p', String(tlsPort), '-V', 'mqttv311', '-u', username, '-P', password, '-q', '1', '-t', topic, '-m', JSON.stringify({ ts: Date.now(), metrics: { pressure: 4.1 } }), ...extra]);
    await pub(['--cafile', certs.ca]);
    await waitFor(() => platform.ingest.stats().accepted === 1, 'the reading sent over TLS');
    // the system's CAs do not know the test CA: the handshake fails, nothing is taken
    await expect(pub(['--capath', '/etc/ssl/certs'])).rejects.toThrow();
    expect(platform.ingest.stats().accepted).toBe(1);
  });

  it('serves nothing in clear text when plain listeners are off', async () => {
    const { platform } = await tlsPlatform();
    expect(platform.mqttPort).toBe(0);
    // the HTTP port speaks TLS: a clear-text request gets no HTTP answer
    const answer = await new Promise<string>((resolve) => {
      const s = connect(platform.httpPort, '127.0.0.1', () => s.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n'));
      let got = '';
      s.on('data', (d) => (got += d.toString('latin1')));
      s.on('close', () => resolve(got));
      s.on('error', () => resolve(got));
      setTimeout(() => s.destroy(), 2000);
    });
    expect(answer.startsWith('HTTP/1.1 200')).toBe(false);
  });

  it('serves HTTPS with a Secure session cookie', async () => {
    const { certs, platform } = await tlsPlatform();
    const health = await httpsCall(platform.httpPort, certs.ca, '/health');
    expect(health.status).toBe(200);
    const login = await httpsCall(platform.httpPort, certs.ca, '/api/login', { method: 'POST', body: JSON.stringify({ name: 'admin', password: TEST_ADMIN_PASSWORD }) });
    expect(login.status).toBe(200);
    const cookie = ([] as string[]).concat(login.headers['set-cookie'] ?? []).join('; ');
    expect(cookie).toMatch(/;\s*Secure/i);
    expect(cookie).toMatch(/HttpOnly/i);
  });

  it.runIf(browserAvailable())('shows the control room in a real browser over HTTPS with the test certificate', async () => {
    const { certs, platform } = await tlsPlatform();
    // chromium trusts exactly this certificate's key, nothing else
    const browser = await launchBrowser([`--ignore-certificate-errors-spki-list=${certs.spki}`]);
    const page = await browser.newPage();
    const res = await page.goto(`https://localhost:${platform.httpPort}/`);
    expect(res?.status()).toBe(200);
    expect(page.url().startsWith('https://')).toBe(true);
    expect(await page.title()).toMatch(/Qala/);
    await browser.close();
  });
});
