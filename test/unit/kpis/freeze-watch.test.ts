// Time to freeze carried on the incident, on a fake clock: a heating failure opens
// with its estimate, is estimated again (and announced) when its district's outdoor
// temperature moves by half a degree or more, not for less, and no longer once the
// heat is back. The incident manager is the real one (journal in a temp dir); the
// device directory is the list of device states it would hold.
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../services/clock.ts';
import type { DeviceState, IncidentChanged, RuleSignal } from '../../../services/contracts/index.ts';
import { EventBus } from '../../../services/events.ts';
import { IncidentManager } from '../../../services/incidents/incidents.ts';
import { FreezeWatch, type FreezeTarget } from '../../../services/kpis/freeze-watch.ts';
import { createLogger } from '../../../services/log.ts';
import { tempDir } from '../../helpers/platform.ts';
import { hold } from '../../helpers/resources.ts';

const T0 = Date.UTC(2026, 0, 15, 3);
const H = 3_600_000;
const MIN = 60_000;

const signal = (type: RuleSignal['type'], at: number, ruleId = 'heating-failure', asset = 'hs-1'): RuleSignal => ({
  type, ruleId, title: ruleId, severity: 'critical', autoResolve: true, asset, district: 'new-town', subsystem: 'utilities', utility: 'heat',
  kind: 'heat-substation', devices: [asset], evidence: [{ deviceId: asset, ts: at, metrics: { supplyTemp: 40, outdoorTemp: -20 } }], at, flaps: 0,
});

async function town() {
  const clock = new ManualClock(T0);
  const events = new EventBus(createLogger('silent', 'json'));
  let outdoor = -20;
  const substation = (): DeviceState => ({ deviceId: 'hs-1', subsystem: 'utilities', district: 'new-town', kind: 'heat-substation', ts: clock.now(), metrics: { supplyTemp: 40, outdoorTemp: outdoor }, online: true });
  const watch = new FreezeWatch({ clock, checkMs: MIN, tauH: 40, directory: { list: () => [substation()] } }, (): FreezeTarget => incidents);
  const incidents = new IncidentManager({ dataDir: await tempDir(), clock, events, freeze: watch });
  await incidents.start();
  await watch.start();
  hold('freeze watch', async () => {
    await watch.stop();
    await incidents.stop();
  });
  const announced: IncidentChanged[] = [];
  events.on('incidentChanged', 'test', (c) => void announced.push(c));
  return { clock, events, incidents, watch, announced, setOutdoor: (c: number) => void (outdoor = c) };
}

describe('time to freeze on the heating outage', () => {
  it('opens with the estimate and brings the limit forward, announced, when it gets colder', async () => {
    const t = await town();
    t.events.emit('ruleSignalled', signal('raised', T0));
    const [opened] = t.announced;
    // −20 °C, τ = 40 h: 40 · ln(40 / 32) = 8.9257 h
    expect(opened!.change.action).toBe('opened');
    expect(opened!.incident.timeToFreeze).toMatchObject({ at: T0, outdoorC: -20, tauH: 40, indoorC: 20, limitC: 12 });
    expect(opened!.incident.timeToFreeze!.remainingH).toBeCloseTo(8.9257, 4);
    const id = opened!.incident.id;
    const firstLimit = opened!.incident.timeToFreeze!.limitAt!;

    // a tenth of a degree colder: not worth an estimate
    t.setOutdoor(-20.4);
    t.clock.advance(H);
    expect(t.announced).toHaveLength(1);
    // two hours in, −30 °C (the watch looks each minute): the flats at 18.0492 °C, 5.3822 h left; the limit at 7.3822 h instead of 8.9257 h
    t.clock.advance(H - MIN);
    t.setOutdoor(-30);
    t.clock.advance(MIN);
    expect(t.announced.map((c) => `${c.change.action}/${c.change.by}`)).toEqual(['opened/rules', 'freeze-estimated/time-to-freeze']);
    const f = t.incidents.get(id).timeToFreeze!;
    expect(f).toMatchObject({ at: T0 + 2 * H, outdoorC: -30 });
    expect(f.indoorC).toBeCloseTo(18.0492, 4);
    expect(f.remainingH).toBeCloseTo(5.3822, 4);
    expect((f.limitAt! - T0) / H).toBeCloseTo(7.3822, 4);
    expect(f.limitAt!).toBeLessThan(firstLimit);
    expect(t.incidents.get(id).history.map((c) => c.action)).toEqual(['opened', 'freeze-estimated']);

    // the heat is back: no more estimates, whatever the weather
    t.events.emit('ruleSignalled', signal('cleared', T0 + 2 * H + 5 * MIN));
    t.setOutdoor(-40);
    t.clock.advance(H);
    expect(t.announced.map((c) => c.change.action)).toEqual(['opened', 'freeze-estimated', 'auto-resolved']);
  });

  it('counts the time to freeze afresh when the outage comes back soon after clearing (the same incident reopens)', async () => {
    const t = await town();
    t.events.emit('ruleSignalled', signal('raised', T0));
    const id = t.incidents.list()[0]!.id;
    t.clock.advance(H);
    t.events.emit('ruleSignalled', signal('cleared', T0 + H));
    t.clock.advance(10 * MIN);
    t.events.emit('ruleSignalled', signal('raised', T0 + H + 10 * MIN));
    const inc = t.incidents.get(id);
    expect(inc.state).toBe('open');
    // from +20 °C again at −20 °C: 8.9257 h from the new failure, not from the first
    expect(inc.timeToFreeze).toMatchObject({ at: T0 + H + 10 * MIN, outdoorC: -20, indoorC: 20 });
    expect((inc.timeToFreeze!.limitAt! - (T0 + H + 10 * MIN)) / H).toBeCloseTo(8.9257, 4);
  });

  it('estimates nothing for an incident that is no heating outage', async () => {
    const t = await town();
    t.events.emit('ruleSignalled', signal('raised', T0, 'heating-underheating'));
    t.setOutdoor(-35);
    t.clock.advance(H);
    expect(t.announced).toHaveLength(1);
    expect(t.announced[0]!.incident.timeToFreeze).toBeUndefined();
  });
});
