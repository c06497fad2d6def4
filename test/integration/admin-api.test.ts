// The admin API over real HTTP: users and API tokens (a generated password and a new
// token are shown once), the device registry (add with its secret shown once, list,
// revoke, CSV import) and the audit log with its filters.
import mqtt from 'mqtt';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../services/contracts/index.ts';
import type { Platform } from '../../services/platform.ts';
import { client, login, loginAs, baseUrl, type Login } from '../helpers/auth.ts';
import { startPlatform, tempDir, testConfig } from '../helpers/platform.ts';

interface Device { deviceId: string; kind: string; subsystem: string; district: string; revokedAt?: number }

describe('admin API', () => {
  let platform: Platform;
  let admin: Login;
  const as = () => client(platform, admin);

  beforeAll(async () => {
    platform = await startPlatform(testConfig(await tempDir()));
    admin = await loginAs(platform, 'admin');
  });

  it('adds a user with a password made and shown once, lists and removes them', async () => {
    const res = await as()('/api/users', { method: 'POST', body: { name: 'vodokanal', role: 'utility', utility: 'water' } });
    expect(res.status).toBe(201);
    const made = (await res.json()) as { user: { name: string; role: string; utility: string }; password: string };
    expect(made.user).toMatchObject({ name: 'vodokanal', role: 'utility', utility: 'water', createdBy: 'user:admin' });
    expect(made.password).toMatch(/^[a-z2-9]{5}(-[a-z2-9]{5}){3}$/);
    await login(baseUrl(platform), 'vodokanal', made.password);
    // a password the admin chose is not echoed
    const chosen = (await (await as()('/api/users', { method: 'POST', body: { name: 'daniyar', role: 'viewer', password: 'chosen-password-12' } })).json()) as Record<string, unknown>;
    expect(chosen.password).toBeUndefined();
    const list = (await (await as()('/api/users')).json()) as { users: { name: string }[] };
    expect(list.users.map((u) => u.name)).toEqual(['admin', 'daniyar', 'vodokanal']);
    expect(JSON.stringify(list)).not.toMatch(/scrypt|hash/);
    expect((await as()('/api/users/daniyar', { method: 'DELETE' })).status).toBe(200);
    expect((await as()('/api/users/daniyar', { method: 'DELETE' })).status).toBe(404);
  });

  it('refuses a bad user with every problem named, a duplicate, and removing the last admin', async () => {
    const bad = await as()('/api/users', { method: 'POST', body: { name: 'Bad Name', role: 'root', password: 'short' } });
    expect(bad.status).toBe(400);
    const message = ((await bad.json()) as { error: { message: string } }).error.message;
    expect(message).toContain('name="Bad Name"');
    expect(message).toContain('role="root": one of admin, operator, utility, engineer, viewer');
    expect(message).toContain('at least 12 characters');
    const noUtility = await as()('/api/users', { method: 'POST', body: { name: 'heat-co', role: 'utility' } });
    expect(((await noUtility.json()) as { error: { message: string } }).error.message).toBe('utility is required: the utility of a utility user, one of water, heat, power, gas, transport, emergency, healthcare, ecology, education, social');
    const viewerWithUtility = await as()('/api/users', { method: 'POST', body: { name: 'heat-co', role: 'viewer', utility: 'heat' } });
    expect(((await viewerWithUtility.json()) as { error: { message: string } }).error.message).toContain('only a utility user has one');
    expect((await as()('/api/users', { method: 'POST', body: { name: 'admin', role: 'viewer' } })).status).toBe(409);
    const last = await as()('/api/users/admin', { method: 'DELETE' });
    expect(last.status).toBe(409);
    expect(((await last.json()) as { error: { code: string } }).error.code).toBe('ERR_LAST_ADMIN');
  });

  it('creates an API token shown once, lists it without its secret, and revokes it', async () => {
    const viewer = await loginAs(platform, 'viewer');
    const res = await as()('/api/tokens', { method: 'POST', body: { user: viewer.name, label: 'prometheus' } });
    expect(res.status).toBe(201);
    const t = (await res.json()) as { token: string; id: string; user: string; label: string };
    expect(t).toMatchObject({ user: viewer.name, label: 'prometheus' });
    const me = (await (await client(platform, { ...viewer, headers: { authorization: `Bearer ${t.token}` } })('/api/me')).json()) as { user: { name: string; role: string }; via: string };
    expect(me).toMatchObject({ user: { name: viewer.name, role: 'viewer' }, via: 'token' });
    const listed = (await (await as()(`/api/tokens?user=${viewer.name}`)).json()) as { tokens: { id: string }[] };
    expect(listed.tokens.map((x) => x.id)).toEqual([t.id]);
    expect(JSON.stringify(listed)).not.toContain(t.token.slice(22));
    expect((await as()(`/api/tokens/${t.id}`, { method: 'DELETE' })).status).toBe(200);
    expect((await as()(`/api/tokens/${t.id}`, { method: 'DELETE' })).status).toBe(404);
    expect((await as()('/api/tokens', { method: 'POST', body: { user: 'ghost', label: 'x' } })).status).toBe(404);
  });

  it('provisions a device with its secret shown once; the device connects with it until revoked', async () => {
    const res = await as()('/api/admin/devices', { method: 'POST', body: { deviceId: 'wp-admin-1', kind: 'water-pressure', district: 'old-town', location: [50.05, 73.0], owner: 'Vodokanal' } });
    expect(res.status).toBe(201);
    const { device, secret } = (await res.json()) as { device: Device; secret: string };
    expect(device).toMatchObject({ deviceId: 'wp-admin-1', kind: 'water-pressure', subsystem: 'utilities', district: 'old-town' });
    expect(secret.length).toBeGreaterThanOrEqual(32);
    const list = (await (await as()('/api/admin/devices')).json()) as { devices: Device[] };
    expect(list.devices.map((d) => d.deviceId)).toContain('wp-admin-1');
    expect(JSON.stringify(list)).not.toContain(secret);
    const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${platform.mqttPort}`, { protocolVersion: 4, username: 'wp-admin-1', password: secret, reconnectPeriod: 0 });
    const gone = new Promise<void>((r) => c.once('close', () => r()));
    const revoked = await as()('/api/admin/devices/wp-admin-1/revoke', { method: 'POST', body: {} });
    expect(revoked.status).toBe(200);
    expect(((await revoked.json()) as { device: Device }).device.revokedAt).toBeGreaterThan(0);
    await gone;
    c.end(true);
    expect((await as()('/api/admin/devices/wp-nobody/revoke', { method: 'POST', body: {} })).status).toBe(404);
    expect((await as()('/api/admin/devices', { method: 'POST', body: { deviceId: 'wp-admin-1', kind: 'teapot', district: 'old-town' } })).status).toBe(400);
  });

  it('imports devices from a CSV body, reporting bad lines, and takes nothing but text/csv there', async () => {
    const csv = 'deviceId,kind,district,lat,lon,owner\nwp-csv-1,water-pressure,old-town,50.04,73.01,Vodokanal\nwp-csv-2,no-such-kind,old-town,,,\n';
    const res = await as()('/api/admin/devices/import', { method: 'POST', body: csv, headers: { 'content-type': 'text/csv' } });
    expect(res.status).toBe(200);
    const out = (await res.json()) as { added: { device: Device; secret: string }[]; errors: string[] };
    expect(out.added.map((a) => a.device.deviceId)).toEqual(['wp-csv-1']);
    expect(out.errors).toHaveLength(1);
    expect(out.errors[0]).toMatch(/^line 3: kind/);
    expect((await as()('/api/admin/devices/import', { method: 'POST', body: { deviceId: 'x' } })).status).toBe(415);
    // text/csv goes nowhere else
    expect((await as()('/api/users', { method: 'POST', body: 'name,role\n', headers: { 'content-type': 'text/csv' } })).status).toBe(415);
  });

  it('reads the audit log newest first, filtered by action, who and time', async () => {
    const since = Date.now();
    const op = await loginAs(platform, 'operator');
    const logins = (await (await as()(`/api/audit?action=login&since=${since}`)).json()) as { entries: AuditEntry[] };
    expect(logins.entries.map((e) => e.who)).toEqual([`user:${op.name}`]);
    const byAdmin = (await (await as()('/api/audit?who=user:admin&limit=3')).json()) as { count: number; entries: AuditEntry[] };
    expect(byAdmin.count).toBe(3);
    expect(byAdmin.entries[0]!.at).toBeGreaterThanOrEqual(byAdmin.entries[2]!.at);
    expect((await as()('/api/audit?limit=0')).status).toBe(400);
    expect((await as()('/api/audit?colour=red')).status).toBe(400);
  });
});
