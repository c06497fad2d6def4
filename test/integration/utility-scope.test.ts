// A utility user sees its own network, over real HTTP and a real /live websocket:
// devices publish over MQTT to a real platform (water, heat and power points, a
// traffic counter), and the water and power utilities' users find only their own
// devices' figures in /api/history and on /live, and only their own incidents there
// and in the time to freeze; an operator and a viewer still see the whole town.
import { beforeAll, describe, expect, it } from 'vitest';
import { SUBSYSTEMS } from '../../devices/index.ts';
import type { FreezeReport, LiveMessage, RuleSignal, SubsystemSummary } from '../../services/contracts/index.ts';
import type { Platform } from '../../services/platform.ts';
import { baseUrl, client, loginAs, openWs, tokenFor, addUser, type Login } from '../helpers/auth.ts';
import { connectDevice } from '../helpers/mqtt.ts';
import { startPlatform, tempDir, testConfig } from '../helpers/platform.ts';
import { waitFor } from '../helpers/wait.ts';

const NOW = Date.now();
const topic = (subsystem: string, kind: string, id: string) => `city/temirtau/${subsystem}/old-town/${kind}/${id}/telemetry`;

/** What each device sends, a reading a minute over the last ten minutes. */
const FEED = [
  { topic: topic('utilities', 'water-pressure', 'wp-sc-1'), metrics: { pressure: 4, flow: 50 } },
  { topic: topic('utilities', 'heat-substation', 'hs-sc-1'), metrics: { supplyTemp: 95, returnTemp: 50, flow: 100, outdoorTemp: -20 } },
  // a dead feeder: 0 V is out of its normal band, so it shows in the utilities tile's out-of-normal count
  { topic: topic('utilities', 'power-feeder', 'pf-sc-1'), metrics: { voltage: 0, load: 0 } },
  { topic: topic('mobility', 'traffic-counter', 'tc-sc-1'), metrics: { vehiclesPerMin: 12, meanSpeed: 40, signal: 1 } },
];

/** Raises an incident as the rules service does (a signal on the event bus). */
function raise(platform: Platform, utility: 'water' | 'heat', ruleId: string, asset: string): string {
  const kind = utility === 'water' ? 'water-pressure' : 'heat-substation';
  const signal: RuleSignal = {
    type: 'raised', ruleId, title: `${utility} fault`, severity: 'major', autoResolve: false, asset, district: 'old-town',
    subsystem: 'utilities', utility, kind, devices: [asset], evidence: [{ deviceId: asset, ts: NOW, metrics: { x: 1 } }], at: NOW, flaps: 0,
  };
  platform.events.emit('ruleSignalled', signal);
  return platform.incidents.list({ state: 'open' }).find((i) => i.asset === asset)!.id;
}

interface History {
  kind?: string;
  metric?: string;
  devices: number;
  points: { value: number }[];
}

describe("a utility user's scope", () => {
  let platform: Platform;
  let operator: Login;
  let water: Login;
  let power: Login;
  let waterIncident: string;
  let heatOutage: string;
  const history = async (who: Login, query: string) => {
    const res = await client(platform, who)(`/api/history?${query}`);
    return { status: res.status, body: (await res.json()) as History & { error?: { code: string; message: string } } };
  };
  const live = (who: Login) => openWs(`ws://127.0.0.1:${platform.httpPort}/live`, who.headers);
  const messages = (m: { messages: string[] }) => m.messages.map((x) => JSON.parse(x) as LiveMessage);

  beforeAll(async () => {
    platform = await startPlatform(testConfig(await tempDir()));
    const device = await connectDevice(platform);
    for (let i = 10; i >= 1; i--) {
      for (const f of FEED) await device.publishAsync(f.topic, JSON.stringify({ ts: NOW - i * 60_000, metrics: f.metrics }), { qos: 1 });
    }
    await device.endAsync();
    operator = await loginAs(platform, 'operator');
    water = await loginAs(platform, 'utility', { utility: 'water' });
    // an API token is a login too: the power utility's integration
    power = await tokenFor(platform, await addUser(platform, 'utility', { utility: 'power' }));
    // every device known and its readings stored
    await waitFor(async () => {
      const h = await history(operator, 'subsystem=mobility');
      const devices = (await (await client(platform, operator)('/api/devices')).json()) as { count: number };
      return devices.count === FEED.length && h.body.points.length >= 10;
    }, 'the readings stored', 20_000);
    waterIncident = raise(platform, 'water', 'water-test', 'wp-sc-1');
    // a heating outage: the time to freeze is estimated for it
    heatOutage = raise(platform, 'heat', 'heating-failure', 'hs-sc-1');
  });

  it("folds a utility user's history over its own network's devices, and refuses another network's kind", async () => {
    // the operator's utilities chart is the first kind in catalog order, over the whole town
    expect((await history(operator, 'subsystem=utilities')).body).toMatchObject({ kind: 'water-pressure', devices: 1 });
    expect((await history(operator, 'subsystem=utilities&kind=heat-substation')).body).toMatchObject({ kind: 'heat-substation', metric: 'supplyTemp', devices: 1 });
    expect((await history(operator, 'subsystem=mobility')).body).toMatchObject({ kind: 'traffic-counter', devices: 1 });

    // the power utility's utilities chart is its feeders' voltage, not the water pressure
    const mine = await history(power, 'subsystem=utilities');
    expect(mine.status).toBe(200);
    expect(mine.body).toMatchObject({ kind: 'power-feeder', metric: 'voltage', devices: 1 });
    expect(new Set(mine.body.points.map((p) => p.value))).toEqual(new Set([0]));
    expect((await history(water, 'subsystem=utilities')).body).toMatchObject({ kind: 'water-pressure', devices: 1 });

    // another network's kind, named: refused, as naming another utility's incidents is
    for (const [who, query, kind, owner] of [[water, 'subsystem=utilities&kind=heat-substation', 'heat-substation', 'heat'], [power, 'subsystem=utilities&kind=water-pressure&metric=flow', 'water-pressure', 'water']] as const) {
      const refused = await history(who, query);
      expect(refused.status, query).toBe(403);
      expect(refused.body.error).toMatchObject({ code: 'ERR_FORBIDDEN', message: expect.stringContaining(`kind=${kind} belongs to utility ${owner}`) });
      expect(refused.body.points).toBeUndefined();
    }
    // a subsystem without devices of its own: no figure, as for a town without such devices
    expect((await history(water, 'subsystem=mobility')).body).toMatchObject({ devices: 0, points: [] });
    expect((await history(water, 'subsystem=mobility')).body.kind).toBeUndefined();
  });

  it("gives a utility user's /live its own network's figures and incidents only, and the control room the whole town", async () => {
    const room = await live(operator);
    const mine = await live(water);
    const theirs = await live(power);
    await waitFor(() => room.messages.length && mine.messages.length && theirs.messages.length, 'three hellos');
    const [roomHello, waterHello, powerHello] = [messages(room)[0]!, messages(mine)[0]!, messages(theirs)[0]!];
    const ids = (m: LiveMessage) => m.incidents.map((i) => i.id).sort();
    // the rules raise their own incidents too (the dead feeder is a power outage): each sees those of its utility
    const of = (utility?: string) => roomHello.incidents.filter((i) => !utility || i.utility === utility).map((i) => i.id).sort();
    expect(of('power').length).toBeGreaterThan(0);

    expect(Object.keys(roomHello.subsystems).sort()).toEqual([...SUBSYSTEMS].sort());
    expect(roomHello.subsystems.utilities).toMatchObject({ devices: 3, online: 3, outOfNormal: 1 });
    expect(Object.keys(roomHello.subsystems.utilities!.kinds).sort()).toEqual(['heat-substation', 'power-feeder', 'water-pressure']);
    expect(roomHello.subsystems.mobility).toMatchObject({ devices: 1 });
    expect(ids(roomHello)).toEqual(platform.incidents.list({ state: 'unresolved' }).map((i) => i.id).sort());
    expect(ids(roomHello)).toEqual(expect.arrayContaining([waterIncident, heatOutage]));

    // water: its pressure point alone in the utilities tile, no dead feeder counted, no other tile, no heat incident
    expect(Object.keys(waterHello.subsystems)).toEqual(['utilities']);
    expect(waterHello.subsystems.utilities).toMatchObject({ devices: 1, online: 1, outOfNormal: 0, headline: { kind: 'water-pressure', metric: 'pressure', value: 4 } });
    expect(Object.keys(waterHello.subsystems.utilities!.kinds)).toEqual(['water-pressure']);
    expect(waterHello.type === 'hello' && Object.keys(waterHello.history)).toEqual(['utilities']);
    expect(ids(waterHello)).toEqual(of('water'));
    expect(ids(waterHello)).toContain(waterIncident);
    expect(ids(waterHello)).not.toContain(heatOutage);
    // power: its feeder is its headline and its one device out of normal
    expect(powerHello.subsystems.utilities).toMatchObject({ devices: 1, outOfNormal: 1, headline: { kind: 'power-feeder', value: 0 } });
    expect(ids(powerHello)).toEqual(of('power'));

    // live traffic: a heat reading, then a water reading; the water user's stream hears only its own
    const device = await connectDevice(platform);
    await device.publishAsync(FEED[1]!.topic, JSON.stringify({ ts: NOW, metrics: { supplyTemp: 70, returnTemp: 50, flow: 100, outdoorTemp: -20 } }), { qos: 1 });
    await device.publishAsync(FEED[3]!.topic, JSON.stringify({ ts: NOW, metrics: { vehiclesPerMin: 30, meanSpeed: 40, signal: 1 } }), { qos: 1 });
    await device.publishAsync(FEED[0]!.topic, JSON.stringify({ ts: NOW, metrics: { pressure: 5, flow: 50 } }), { qos: 1 });
    await device.endAsync();
    const heatUp = raise(platform, 'heat', 'heat-test', 'hs-sc-2');
    const waterUp = raise(platform, 'water', 'water-test-2', 'wp-sc-2');
    const utilitiesIn = (m: { messages: string[] }) => messages(m).flatMap((x) => (x.subsystems.utilities ? [x.subsystems.utilities] : []));
    const seen = (m: { messages: string[] }) => messages(m).flatMap((x) => x.incidents.map((i) => i.id));
    await waitFor(() => utilitiesIn(room).some((s) => s.kinds['heat-substation']?.metrics.supplyTemp?.value === 70) && seen(room).includes(waterUp), 'the heat reading and the incidents on the control room');
    await waitFor(() => utilitiesIn(mine).some((s) => s.headline?.value === 5) && seen(mine).includes(waterUp), "the water reading and incident on the water utility's stream");
    const all = messages(mine);
    expect(all.every((m) => Object.keys(m.subsystems).every((s) => s === 'utilities')), 'only the utilities tile').toBe(true);
    expect(utilitiesIn(mine).every((s: SubsystemSummary) => s.devices === 1 && Object.keys(s.kinds).join() === 'water-pressure')).toBe(true);
    expect(seen(mine)).not.toContain(heatUp);
    expect(seen(mine)).not.toContain(heatOutage);
    expect(seen(room)).toContain(heatUp);
  });

  it('keeps the time to freeze of heat outages from other utilities, and shows it to the control room', async () => {
    const freeze = async (who: Login) => {
      const res = await client(platform, who)('/api/kpis/freeze');
      expect(res.status).toBe(200);
      const r = (await res.json()) as FreezeReport;
      return [...r.estimates.map((e) => e.incidentId), ...r.unestimated];
    };
    await waitFor(async () => (await freeze(operator)).includes(heatOutage), 'the outage in the time to freeze');
    expect(await freeze(await loginAs(platform, 'viewer'))).toContain(heatOutage);
    expect(await freeze(await loginAs(platform, 'utility', { utility: 'heat' }))).toContain(heatOutage);
    expect(await freeze(water)).toEqual([]);
    expect(await freeze(power)).toEqual([]);
  });

  it("gives a viewer the whole town's /live and history, as before", async () => {
    const viewer = await loginAs(platform, 'viewer');
    const ws = await live(viewer);
    await waitFor(() => ws.messages.length, 'the hello');
    const hello = messages(ws)[0]!;
    expect(Object.keys(hello.subsystems).sort()).toEqual([...SUBSYSTEMS].sort());
    expect(hello.subsystems.utilities!.devices).toBe(3);
    expect((await history(viewer, 'subsystem=utilities&kind=power-feeder')).body).toMatchObject({ kind: 'power-feeder', devices: 1 });
    expect(baseUrl(platform)).toMatch(/^http:/);
  });
});
