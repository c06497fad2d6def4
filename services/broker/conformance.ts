// Two places where aedes 1.2 departs from MQTT 3.1.1, found by the Eclipse Paho
// interoperability suite, put right through aedes' own hooks (no patch of aedes):
//
// 1. A zero-byte client id with CleanSession 0 is accepted (moscajs/aedes#1095, fixed
//    upstream after 1.2.0). [MQTT-3.1.3-8]: the server MUST answer CONNACK 0x02
//    "identifier rejected" and close the connection. preConnect sees the CONNECT packet
//    but can only drop the connection without a CONNACK; authenticate can answer with a
//    return code but no longer sees the packet (aedes has by then given the client an
//    id of its own). So preConnect marks the client, and authenticate refuses it.
//
// 2. A wildcard subscriber granted QoS 1 receives QoS 2 publishes at QoS 2. aedes
//    downgrades by looking up the subscription under the publish's topic
//    (lib/client.js deliverQoS: `that.subscriptions[packet.topic]`), which finds only a
//    subscription to that exact topic, never '#' or 'a/+'. [MQTT-3.8.4-6] / §3.3.5: the
//    delivered QoS is the minimum of the published QoS and the granted maximum, and with
//    overlapping subscriptions the maximum of all the matching ones [MQTT-3.3.5-1].
//    authorizeForward runs on every delivery (live, queued and retained) and returns the
//    packet aedes then writes, so it hands aedes a copy at the granted QoS.
import type { AedesPublishPacket, AuthenticateError, Client, ConnectPacket } from 'aedes';
import { filterWithin } from '../access/acl.ts';

/** Clients whose CONNECT had a zero-byte client id and CleanSession 0, until authenticate refuses them. */
export class IdentifierCheck {
  readonly #rejected = new WeakSet<Client>();
  refused = 0;

  /** aedes' preConnect hook; lets every client on to authenticate, marking those to refuse there. */
  readonly preConnect = (client: Client, packet: ConnectPacket, done: (err: Error | null, ok: boolean) => void): void => {
    if ((packet.clientId ?? '') === '' && packet.clean === false) this.#rejected.add(client);
    done(null, true);
  };

  /** The CONNACK 0x02 error for a marked client [MQTT-3.1.3-8], before any credential is looked at. */
  rejection(client: Client): AuthenticateError | undefined {
    if (!this.#rejected.has(client)) return undefined;
    this.#rejected.delete(client);
    this.refused++;
    return Object.assign(new Error('identifier rejected: a zero-byte client id needs CleanSession 1 [MQTT-3.1.3-8]'), { returnCode: 2 as AuthenticateError['returnCode'] });
  }
}

/** The highest QoS granted to this client by a subscription matching `topic`, or undefined when none matches. */
export function grantedQos(client: Client, topic: string): number | undefined {
  // aedes keeps a client's subscriptions by filter (not in its type declarations)
  const subs = (client as unknown as { subscriptions?: Record<string, { qos: number }> }).subscriptions ?? {};
  let granted: number | undefined;
  for (const [filter, sub] of Object.entries(subs)) {
    // [MQTT-4.7.2-1]: a filter starting with a wildcard does not match a topic starting with '$'
    if (topic.startsWith('$') && (filter.startsWith('#') || filter.startsWith('+'))) continue;
    if (filterWithin(topic, filter)) granted = Math.max(granted ?? 0, sub.qos);
  }
  return granted;
}

/** aedes' authorizeForward hook: the packet at min(published QoS, granted QoS) [MQTT-3.8.4-6]. */
export function forwardAtGrantedQos(client: Client, packet: AedesPublishPacket): AedesPublishPacket {
  if (packet.qos === 0) return packet;
  const granted = grantedQos(client, packet.topic);
  if (granted === undefined || granted >= packet.qos) return packet;
  return { ...packet, qos: granted as AedesPublishPacket['qos'] };
}
