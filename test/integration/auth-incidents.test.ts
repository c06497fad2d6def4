// Who may see and handle which incident, over real HTTP and /live: the actor recorded
// is the logged-in user (a typed name is refused), a utility sees and acknowledges
// only its own utility's incidents, viewers and engineers only read; every action and
// every refusal is in the audit log with the remote address.
import { beforeEach, describe, expect, it } from 'vitest';
import type { AuditEntry, Incident, LiveMessage, RuleSignal } from '../../services/contracts/index.ts';
import type { Platform } from '../../services/platform.ts';
import { client, loginAs, openWs, type Login } from '../helpers/auth.ts';
import { startPlatform, tempDir, testConfig } from '../helpers/platform.ts';
import { waitFor } from '../helpers/wait.ts';

const T0 = Date.UTC(2026, 0, 15, 6);

/** Raises an incident as the rules would (the rules service signals on the event bus). */
function raise(platform: Platform, utility: 'water' | 'heat', asset: string): Incident {
  const kind = utility === 'water' ? 'water-pressure' : 'heat-substation';
  const signal: RuleSignal = {
    type: 'raised', ruleId: `${utility}-test`, title: `${utility} fault`, severity: 'major', autoResolve: false, asset, district: 'old-town',
    subsystem: 'utilities', utility, kind, devices: [asset], evidence: [{ deviceId: asset, ts: T0, metrics: { x: 1 } }], at: T0, flaps: 0,
  };
  platform.events.emit('ruleSignalled', signal);
  return platform.incidents.list({ state: 'open' }).find((i) => i.asset === asset)!;
}

const errorOf = async (res: Response) => ((await res.json()) as { error: { code: string; message: string } }).error;

describe('incidents behind a login', () => {
  let platform: Platform;
  let admin: Login;
  let water: Incident;
  let heat: Incident;
  const audit = async (action: string) => {
    const res = await client(platform, admin)(`/api/audit?action=${action}&limit=50`);
    return ((await res.json()) as { entries: AuditEntry[] }).entries;
  };

  beforeEach(async () => {
    platform = await startPlatform(testConfig(await tempDir()));
    admin = await loginAs(platform, 'admin');
    water = raise(platform, 'water', 'wp-auth-1');
    heat = raise(platform, 'heat', 'hs-auth-1');
    expect([water.utility, heat.utility]).toEqual(['water', 'heat']);
  });

  it('records the logged-in operator as who acted, and refuses a name typed by the client', async () => {
    const op = await loginAs(platform, 'operator', { name: 'aigerim' });
    const as = client(platform, op);
    const forged = await as(`/api/incidents/${water.id}/acknowledge`, { method: 'POST', body: { operator: 'Mallory', comment: 'not me' } });
    expect(forged.status).toBe(400);
    expect(await errorOf(forged)).toMatchObject({ code: 'ERR_BODY_INVALID', message: expect.stringContaining('operator is not accepted') });
    expect(platform.incidents.get(water.id).state).toBe('open');

    expect((await as(`/api/incidents/${water.id}/acknowledge`, { method: 'POST', body: { comment: 'crew dispatched' } })).status).toBe(200);
    // resolving needs a comment: no body, or a blank one, is refused (and audited as refused)
    expect(await errorOf(await as(`/api/incidents/${water.id}/resolve`, { method: 'POST' }))).toMatchObject({ code: 'ERR_COMMENT_REQUIRED' });
    expect(await errorOf(await as(`/api/incidents/${water.id}/resolve`, { method: 'POST', body: { comment: ' ' } }))).toMatchObject({ code: 'ERR_COMMENT_REQUIRED' });
    expect(platform.incidents.get(water.id).state).toBe('acknowledged');
    expect((await as(`/api/incidents/${water.id}/resolve`, { method: 'POST', body: { comment: 'valve replaced' } })).status).toBe(200);
    const history = platform.incidents.get(water.id).history.map((h) => `${h.action}/${h.by}${h.comment ? `/${h.comment}` : ''}`);
    expect(history).toEqual(['opened/rules', 'acknowledged/aigerim/crew dispatched', 'resolved/aigerim/valve replaced']);
    expect(history.join()).not.toContain('Mallory');

    const acks = await audit('incident.acknowledge');
    expect(acks.map((e) => [e.who, e.outcome, e.from, e.detail?.id])).toEqual([['user:aigerim', 'ok', '127.0.0.1', water.id]]);
    expect((await audit('incident.resolve')).map((e) => `${e.who}:${e.outcome}`)).toEqual(['user:aigerim:ok', 'user:aigerim:refused', 'user:aigerim:refused']);
  });

  it("shows a utility only its own utility's incidents and lets it acknowledge only those", async () => {
    const vodokanal = await loginAs(platform, 'utility', { utility: 'water' });
    const as = client(platform, vodokanal);
    const list = (await (await as('/api/incidents')).json()) as { incidents: Incident[] };
    expect(list.incidents.map((i) => i.id)).toEqual([water.id]);
    expect(((await (await as('/api/incidents?utility=water&state=open')).json()) as { count: number }).count).toBe(1);
    const other = await as('/api/incidents?utility=heat');
    expect(other.status).toBe(403);
    expect(await errorOf(other)).toMatchObject({ code: 'ERR_FORBIDDEN' });
    // another utility's incident is as if it did not exist
    expect(await errorOf(await as(`/api/incidents/${heat.id}`))).toMatchObject({ code: 'ERR_INCIDENT_NOT_FOUND' });
    const ackHeat = await as(`/api/incidents/${heat.id}/acknowledge`, { method: 'POST', body: {} });
    expect(ackHeat.status).toBe(404);
    expect(platform.incidents.get(heat.id).state).toBe('open');
    expect((await audit('incident.acknowledge')).map((e) => `${e.outcome}:${e.detail?.id}`)).toEqual([`refused:${heat.id}`]);

    expect((await as(`/api/incidents/${water.id}/acknowledge`, { method: 'POST', body: {} })).status).toBe(200);
    expect(platform.incidents.get(water.id).history.at(-1)).toMatchObject({ action: 'acknowledged', by: vodokanal.name });
    // resolving is the control room's
    expect((await as(`/api/incidents/${water.id}/resolve`, { method: 'POST', body: {} })).status).toBe(403);
    expect(platform.incidents.get(water.id).state).toBe('acknowledged');
  });

  it("keeps other utilities' incidents off a utility's /live, while the control room sees all", async () => {
    const vodokanal = await loginAs(platform, 'utility', { utility: 'water' });
    const mine = await openWs(`ws://127.0.0.1:${platform.httpPort}/live`, vodokanal.headers);
    const room = await openWs(`ws://127.0.0.1:${platform.httpPort}/live`, (await loginAs(platform, 'viewer')).headers);
    const hello = (m: { messages: string[] }) => JSON.parse(m.messages[0]!) as LiveMessage;
    await waitFor(() => mine.messages.length > 0 && room.messages.length > 0, 'both hellos');
    expect(hello(mine).incidents.map((i) => i.id)).toEqual([water.id]);
    expect(hello(room).incidents.map((i) => i.id).sort()).toEqual([water.id, heat.id].sort());
    const heat2 = raise(platform, 'heat', 'hs-auth-2');
    const water2 = raise(platform, 'water', 'wp-auth-2');
    const seen = (m: { messages: string[] }) => m.messages.flatMap((x) => (JSON.parse(x) as LiveMessage).incidents.map((i) => i.id));
    await waitFor(() => seen(room).includes(heat2.id) && seen(room).includes(water2.id), 'both new incidents on the control room /live');
    await waitFor(() => seen(mine).includes(water2.id), 'the water incident on the utility /live');
    expect(seen(mine)).not.toContain(heat2.id);
    expect(seen(mine)).not.toContain(heat.id);
  });

  it('lets viewers and engineers read incidents but not acknowledge or resolve them', async () => {
    for (const role of ['viewer', 'engineer'] as const) {
      const who = await loginAs(platform, role);
      const as = client(platform, who);
      expect(((await (await as('/api/incidents')).json()) as { count: number }).count).toBe(2);
      expect((await as(`/api/incidents/${heat.id}`)).status).toBe(200);
      for (const action of ['acknowledge', 'resolve']) {
        const res = await as(`/api/incidents/${water.id}/${action}`, { method: 'POST', body: { comment: 'let me' } });
        expect(res.status, `${role} ${action}`).toBe(403);
        expect(await errorOf(res)).toMatchObject({ code: 'ERR_FORBIDDEN', message: expect.stringContaining('admin or operator') });
      }
    }
    expect(platform.incidents.get(water.id).state).toBe('open');
    const refused = await audit('incident.acknowledge');
    expect(refused.map((e) => `${e.outcome}:${e.who.split('-')[0]}:${e.from}`).sort()).toEqual(['refused:user:engineer:127.0.0.1', 'refused:user:viewer:127.0.0.1']);
  });

  it('records logins, failed logins, logouts and user changes in the audit log, readable by admins only', async () => {
    const fail = await fetch(`http://127.0.0.1:${platform.httpPort}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'admin', password: 'guessing-wrong-1' }) });
    expect(fail.status).toBe(401);
    const op = await loginAs(platform, 'operator');
    expect((await client(platform, op)('/api/logout', { method: 'POST' })).status).toBe(200);
    const logins = await audit('login');
    // newest first: the operator, the helper's admin session, the wrong guess, the test's admin session
    expect(logins.map((e) => `${e.who}:${e.outcome}`)).toEqual([`user:${op.name}:ok`, 'user:admin:ok', 'user:admin:failed', 'user:admin:ok']);
    expect(logins[2]!.detail).toEqual({ reason: 'unknown user or wrong password' });
    expect(logins.every((e) => e.from === '127.0.0.1')).toBe(true);
    expect((await audit('logout')).map((e) => e.who)).toEqual([`user:${op.name}`]);
    expect((await audit('user.add')).map((e) => `${e.who}:${e.detail?.name}`)).toEqual([`user:admin:${op.name}`, 'platform:admin']);
    const who = await (await client(platform, admin)(`/api/audit?who=user:${op.name}`)).json() as { entries: AuditEntry[] };
    expect(who.entries.map((e) => e.action)).toEqual(['logout', 'login']);
    expect((await client(platform, await loginAs(platform, 'operator'))('/api/audit')).status).toBe(403);
  });
});
