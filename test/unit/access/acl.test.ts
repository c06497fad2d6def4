import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canPublish, canSubscribe, commandTopic, filterWithin, type AclContext } from '../../../services/access/acl.ts';
import { topicMatches } from '../../../services/bus/mqtt-bus.ts';
import type { Principal } from '../../../services/contracts/index.ts';

const ctx: AclContext = { town: 'temirtau', isRegistered: (id) => id === 'wp-registered' };
const device: Principal = { type: 'device', town: 'temirtau', deviceId: 'wp-1', kind: 'water-pressure', subsystem: 'utilities', district: 'old-town' };
const gateway: Principal = { type: 'gateway', town: 'temirtau', name: 'mux-0', group: 'simulator', simulator: true };
const user = (role: Extract<Principal, { type: 'user' }>['role'], utility?: string): Principal => ({ type: 'user', name: role, role, ...(utility ? { utility } : {}) });
const own = 'city/temirtau/utilities/old-town/water-pressure/wp-1';

describe('topic ACL: publish', () => {
  it('lets a device publish only its own telemetry and status, exactly as registered', () => {
    expect(canPublish(device, `${own}/telemetry`, ctx)).toEqual({ ok: true });
    expect(canPublish(device, `${own}/status`, ctx)).toEqual({ ok: true });
    const refused = [
      'city/temirtau/utilities/old-town/water-pressure/wp-2/telemetry', // another device
      'city/temirtau/utilities/new-town/water-pressure/wp-1/telemetry', // another district
      'city/temirtau/utilities/old-town/heat-substation/wp-1/telemetry', // another kind
      'city/temirtau/safety/old-town/water-pressure/wp-1/telemetry', // another subsystem
      'city/rudny/utilities/old-town/water-pressure/wp-1/telemetry', // another town
      `${own}/command`,
      'city/temirtau/incidents/water/INC-000001',
      'city/temirtau/incidents',
      'city/temirtau/deadletter',
      'city/temirtau/sim/faults',
      '$SYS/broker/uptime',
      '$qala/discarded',
    ];
    for (const t of refused) expect(canPublish(device, t, ctx), t).toMatchObject({ ok: false });
  });

  it('lets the simulator gateway publish for unregistered devices of its town and sim/faults, nothing else', () => {
    expect(canPublish(gateway, `${own}/telemetry`, ctx)).toEqual({ ok: true });
    expect(canPublish(gateway, 'city/temirtau/sim/faults', ctx)).toEqual({ ok: true });
    expect(canPublish(gateway, 'city/temirtau/utilities/old-town/water-pressure/wp-registered/telemetry', ctx)).toMatchObject({ ok: false });
    expect(canPublish(gateway, 'city/temirtau/incidents/water/INC-1', ctx)).toMatchObject({ ok: false });
    expect(canPublish({ ...gateway, simulator: false }, 'city/temirtau/sim/faults', ctx)).toMatchObject({ ok: false });
  });

  it('lets no user publish', () => {
    for (const r of ['admin', 'operator', 'utility', 'engineer', 'viewer'] as const) expect(canPublish(user(r, 'water'), `${own}/telemetry`, ctx)).toMatchObject({ ok: false });
  });
});

describe('topic ACL: subscribe', () => {
  it('grants a utility only its own incidents', () => {
    const water = user('utility', 'water');
    expect(canSubscribe(water, 'city/temirtau/incidents/water/#', ctx)).toEqual({ ok: true });
    expect(canSubscribe(water, 'city/temirtau/incidents/water/+', ctx)).toEqual({ ok: true });
    for (const f of ['city/temirtau/incidents/#', 'city/temirtau/incidents/+/#', 'city/temirtau/incidents/heat/#', '#', 'city/#', 'city/temirtau/+/water/#', '$SYS/#']) {
      expect(canSubscribe(water, f, ctx), f).toMatchObject({ ok: false });
    }
  });

  it('grants a device only its own command topic, and $SYS only to admins', () => {
    expect(canSubscribe(device, commandTopic(device as Extract<Principal, { type: 'device' }>), ctx)).toEqual({ ok: true });
    expect(canSubscribe(device, '#', ctx)).toMatchObject({ ok: false });
    expect(canSubscribe(device, `${own}/+`, ctx)).toMatchObject({ ok: false });
    expect(canSubscribe(user('engineer'), '$SYS/#', ctx)).toMatchObject({ ok: false });
    expect(canSubscribe(user('admin'), '$SYS/#', ctx)).toEqual({ ok: true });
  });

  it('lets an engineer read telemetry, status and sim/faults (for qala record), not incidents of one utility only', () => {
    const eng = user('engineer');
    expect(canSubscribe(eng, 'city/temirtau/+/+/+/+/telemetry', ctx)).toEqual({ ok: true });
    expect(canSubscribe(eng, 'city/temirtau/utilities/old-town/+/+/telemetry', ctx)).toEqual({ ok: true });
    expect(canSubscribe(eng, 'city/temirtau/sim/faults', ctx)).toEqual({ ok: true });
    expect(canSubscribe(eng, 'city/temirtau/#', ctx)).toMatchObject({ ok: false });
  });
});

// Property tests against MQTT 3.1.1 §4.7 wildcard semantics (topicMatches is the bus's matcher).
const level = fc.constantFrom('city', 'temirtau', 'incidents', 'water', 'heat', 'a', 'b', '');
const topicArb = fc.array(level, { minLength: 1, maxLength: 6 }).map((l) => l.join('/'));
const filterArb = fc
  .tuple(fc.array(fc.oneof(level, fc.constant('+')), { minLength: 0, maxLength: 5 }), fc.boolean())
  .filter(([l, hash]) => l.length > 0 || hash)
  .map(([l, hash]) => [...l, ...(hash ? ['#'] : [])].join('/'));

describe('filterWithin', () => {
  it('is sound: whatever the inner filter matches, the outer one matches', () => {
    let checked = 0;
    fc.assert(
      fc.property(filterArb, filterArb, fc.array(topicArb, { minLength: 1, maxLength: 30 }), (inner, outer, topics) => {
        if (!filterWithin(inner, outer)) return;
        for (const t of topics) {
          if (!topicMatches(inner, t)) continue;
          checked++;
          expect(topicMatches(outer, t), `${inner} ⊆ ${outer} but ${t}`).toBe(true);
        }
      }),
      { numRuns: 3000 },
    );
    expect(checked).toBeGreaterThan(100); // the generators do reach the interesting cases
  });

  it('holds for a filter against itself and against "#"', () => {
    fc.assert(fc.property(filterArb, (f) => filterWithin(f, f) && filterWithin(f, '#')));
  });

  it('refuses a wider filter inside a narrower one', () => {
    expect(filterWithin('city/#', 'city/temirtau/#')).toBe(false);
    expect(filterWithin('city/+/incidents/water/#', 'city/temirtau/incidents/water/#')).toBe(false);
    expect(filterWithin('city/temirtau/incidents/water', 'city/temirtau/incidents/water/#')).toBe(true); // "#" covers the parent [MQTT-4.7.1-2]
  });

  it('grants no subscription that can deliver a topic the principal may not read', () => {
    const utilities = ['water', 'heat', 'power', 'gas'];
    let granted = 0;
    fc.assert(
      // a third of the filters start under some utility's incidents, so grants are common (a purely random filter is grantable about once in 700)
      fc.property(fc.oneof(filterArb.map((f) => `city/temirtau/${f}`), fc.tuple(fc.constantFrom(...utilities), filterArb).map(([u, f]) => `city/temirtau/incidents/${u}/${f}`)), fc.constantFrom(...utilities), fc.array(topicArb.map((t) => `city/temirtau/${t}`), { minLength: 1, maxLength: 20 }), (filter, utility, topics) => {
        if (!canSubscribe(user('utility', utility), filter, ctx).ok) return;
        granted++;
        for (const t of topics) if (topicMatches(filter, t)) expect(t.startsWith(`city/temirtau/incidents/${utility}/`) || t === `city/temirtau/incidents/${utility}`).toBe(true);
      }),
      { numRuns: 3000 },
    );
    expect(granted).toBeGreaterThan(0); // some generated filters are grantable, so the property was exercised
  });
});
