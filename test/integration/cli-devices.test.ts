// `qala devices` against a running platform, as an admin provisions a town's devices.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tokenFor } from '../helpers/auth.ts';
import { connectMqtt } from '../helpers/mqtt.ts';
import { startPlatform, tempDir, testConfig } from '../helpers/platform.ts';
import { qala } from '../helpers/qala.ts';
import { waitFor } from '../helpers/wait.ts';

describe('qala devices', () => {
  it('adds a device whose printed credentials connect, lists it, imports a CSV and revokes, disconnecting it', async () => {
    const platform = await startPlatform(testConfig(await tempDir()));
    const { token } = await tokenFor(platform);
    const url = `http://127.0.0.1:${platform.httpPort}`;
    const common = ['--url', url, '--token', token];

    const add = await qala(['devices', 'add', ...common, '--id', 'wp-cli-1', '--kind', 'water-pressure', '--district', 'old-town', '--lat', '50.06', '--lon', '72.96', '--owner', 'Temirtau Vodokanal']);
    expect(add.code, add.stderr).toBe(0);
    const { device, mqtt } = JSON.parse(add.stdout.trim()) as { device: { deviceId: string; subsystem: string; location: number[] }; mqtt: { username: string; password: string } };
    expect(device).toMatchObject({ deviceId: 'wp-cli-1', subsystem: 'utilities', location: [50.06, 72.96] });
    expect(add.stderr).toContain('shown this once');

    const client = await connectMqtt(`mqtt://127.0.0.1:${platform.mqttPort}`, { ...mqtt, clientId: 'wp-cli-1', reconnectPeriod: 0 });
    await client.publishAsync('city/temirtau/utilities/old-town/water-pressure/wp-cli-1/telemetry', JSON.stringify({ ts: Date.now(), metrics: { pressure: 4 } }), { qos: 1 });
    await waitFor(() => platform.ingest.stats().accepted === 1, 'the new device\'s reading');

    const csv = join(await tempDir(), 'devices.csv');
    writeFileSync(csv, 'deviceId,kind,district,lat,lon\nhs-cli-1,heat-substation,new-town,50.05,72.95\nbad id,water-pressure,old-town,,\n');
    const imported = await qala(['devices', 'import', ...common, '--file', csv]);
    expect(imported.code).toBe(1); // one line refused
    expect(imported.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { device: { deviceId: string } }).device.deviceId)).toEqual(['hs-cli-1']);
    expect(imported.stderr).toContain('line 3');

    const list = await qala(['devices', 'list', ...common]);
    expect(list.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { deviceId: string }).deviceId).sort()).toEqual(['hs-cli-1', 'wp-cli-1']);

    const closed = new Promise<void>((r) => client.once('close', () => r()));
    const revoke = await qala(['devices', 'revoke', ...common, '--id', 'wp-cli-1']);
    expect(revoke.code, revoke.stderr).toBe(0);
    await closed;
    expect(platform.access.devices.active('wp-cli-1')).toBeUndefined();

    const refused = await qala(['devices', 'list', '--url', url, '--token', 'qala_nope_nope']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^qala: .*401/);
  });
});
