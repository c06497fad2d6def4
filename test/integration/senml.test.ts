// SenML (RFC 8428) end to end: a real mqtt.js client publishes packs to the embedded
// broker over TCP; the readings are read back from the DuckDB store through the API,
// and a pack the RFC (or Qala) refuses comes back on the dead-letter topic with its code.
import { describe, expect, it } from 'vitest';
import { client, loginAs } from '../helpers/auth.ts';
import { connectDevice, connectWatcher } from '../helpers/mqtt.ts';
import { startPlatform, tempDir, testConfig } from '../helpers/platform.ts';
import { waitFor } from '../helpers/wait.ts';

const FEEDER = 'city/temirtau/utilities/old-town/power-feeder/pf-senml-1/telemetry';
const GAS = 'city/temirtau/utilities/old-town/gas-pressure/gp-senml-1/telemetry';

describe('SenML through the broker into the store', () => {
  it('stores a base-value pack at bv + v and a pressure in Pa as kPa, and dead-letters a two-device pack', async () => {
    const platform = await startPlatform(testConfig(await tempDir()));
    const api = client(platform, await loginAs(platform, 'viewer'));
    const deadLetters: { reason: string; code: string; detail: string; topic: string }[] = [];
    const watcher = await connectWatcher(platform);
    watcher.on('message', (_t, p) => deadLetters.push(JSON.parse(p.toString())));
    await watcher.subscribeAsync('city/temirtau/deadletter', { qos: 1 });
    const device = await connectDevice(platform, { clientId: 'it-senml' });

    const t0 = Math.floor(Date.now() / 1000) - 60; // absolute SenML time, seconds (§4.5.3)
    // §4.1 base value: 200 + 27 = 227 V, then 200 + 29 = 229 V a second later
    await device.publishAsync(FEEDER, JSON.stringify([{ bn: 'urn:dev:ow:pf-senml-1:', bt: t0, bv: 200, bu: 'V', n: 'voltage', v: 27 }, { n: 'voltage', t: 1, v: 29 }]), { qos: 1 });
    // §12.1: Pa, to the gas network's kPa
    await device.publishAsync(GAS, JSON.stringify([{ bt: t0, n: 'pressure', u: 'Pa', v: 2600 }]), { qos: 1 });
    // §5.1.6-style collection naming a second device: refused, not merged
    await device.publishAsync(GAS, JSON.stringify([{ bn: 'gp-senml-1/', bt: t0 + 5, n: 'pressure', u: 'Pa', v: 9000 }, { bn: 'gp-senml-2/', n: 'pressure', u: 'Pa', v: 2100 }]), { qos: 1 });

    const series = async (deviceId: string, metric: string) => {
      const res = await api(`/api/series?deviceId=${deviceId}&metric=${metric}&from=${(t0 - 10) * 1000}&to=${(t0 + 60) * 1000}&step=1s`);
      return ((await res.json()) as { points: { t: number; avg: number }[] }).points;
    };
    const voltage = await waitFor(async () => {
      const p = await series('pf-senml-1', 'voltage');
      return p.length === 2 ? p : undefined;
    }, 'both voltage readings stored');
    expect(voltage).toEqual([{ t: t0 * 1000, avg: 227, min: 227, max: 227, count: 1 }, { t: (t0 + 1) * 1000, avg: 229, min: 229, max: 229, count: 1 }]);
    const pressure = await waitFor(async () => {
      const p = await series('gp-senml-1', 'pressure');
      return p.length === 1 ? p : undefined;
    }, 'the gas pressure stored');
    expect(pressure).toEqual([{ t: t0 * 1000, avg: 2.6, min: 2.6, max: 2.6, count: 1 }]);

    const letter = await waitFor(() => deadLetters.find((l) => l.topic === GAS), 'the two-device pack dead-lettered');
    expect(letter).toMatchObject({ reason: 'senml-conflict', code: 'ERR_SENML_CONFLICT', detail: expect.stringContaining('names device "gp-senml-2"') });
    expect(platform.ingest.stats().rejected['senml-conflict']).toBe(1);
    // nothing of the refused pack was stored: still the one reading
    expect(await series('gp-senml-1', 'pressure')).toHaveLength(1);
    const metrics = await (await api('/metrics')).text();
    expect(metrics).toContain('qala_ingest_rejected_total{reason="senml-conflict"} 1');
  });
});
