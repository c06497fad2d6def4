// The delivered-QoS rule on its own: the highest QoS granted by a matching filter caps
// the published one [MQTT-3.8.4-6, MQTT-3.3.5-1]; wildcards first do not match '$' topics.
import type { AedesPublishPacket, Client } from 'aedes';
import { describe, expect, it } from 'vitest';
import { forwardAtGrantedQos, grantedQos } from '../../../services/broker/conformance.ts';

/** aedes keeps a client's subscriptions as filter → { qos } on the client object */
const clientWith = (subs: Record<string, number>) => ({ subscriptions: Object.fromEntries(Object.entries(subs).map(([f, qos]) => [f, { qos }])) }) as unknown as Client;
const publish = (topic: string, qos: 0 | 1 | 2) => ({ cmd: 'publish', topic, qos, payload: Buffer.from('x'), retain: false, dup: false, brokerId: 'b', brokerCounter: 1 }) as AedesPublishPacket;

describe('delivered QoS', () => {
  it('is the highest QoS of the matching filters, wildcards included', () => {
    const c = clientWith({ '#': 1, 'a/+': 0, 'a/b': 2, 'x/#': 2 });
    expect(grantedQos(c, 'a/b')).toBe(2);
    expect(grantedQos(c, 'a/c')).toBe(1);
    expect(grantedQos(c, 'x')).toBe(2); // '#' covers the parent level [MQTT-4.7.1-2]
    expect(grantedQos(clientWith({ 'a/+': 0 }), 'a/c')).toBe(0);
    expect(grantedQos(clientWith({ 'a/+': 1 }), 'b/c')).toBeUndefined();
  });

  it('does not let a filter starting with a wildcard match a $ topic [MQTT-4.7.2-1]', () => {
    expect(grantedQos(clientWith({ '#': 2, '+/broker': 2 }), '$SYS/broker')).toBeUndefined();
    expect(grantedQos(clientWith({ '#': 2, '$SYS/#': 1 }), '$SYS/broker')).toBe(1);
  });

  it('forwards a copy at the granted QoS, and the packet itself when nothing is to lower', () => {
    const c = clientWith({ '#': 1 });
    const p = publish('a/b', 2);
    expect(forwardAtGrantedQos(c, p)).toEqual({ ...p, qos: 1 });
    expect(p.qos).toBe(2); // the published packet, shared by other subscribers, is left alone
    const q = publish('a/b', 1);
    expect(forwardAtGrantedQos(c, q)).toBe(q);
    expect(forwardAtGrantedQos(clientWith({}), p)).toBe(p); // a direct publish, no subscription
  });
});
