// A QoS 1 message that reaches the platform's bus after the handler for its topic was
// removed (as at stop, when the intake lets go of telemetry before the connection ends)
// is not acknowledged to the broker: nobody saved it, and mqtt.js's default handling
// would PUBACK it, so the broker would drop it from the persistent session and it would
// be lost. Unacknowledged, Debian's Mosquitto redelivers it to the next session.
// The bus also does not wait without limit for an UNSUBACK from a frozen broker.
import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { MqttBus } from '../../services/bus/mqtt-bus.ts';
import { createLogger } from '../../services/log.ts';
import { mosquittoAvailable, startMosquitto } from '../helpers/mosquitto.ts';
import { waitFor } from '../helpers/wait.ts';

const FILTER = 'city/temirtau/#';
const N = 10; // under Mosquitto's default max_inflight_messages (20): all are sent unacknowledged

function newBus(url: string, clientId: string): MqttBus {
  return new MqttBus({ url, clientId, log: createLogger('silent', 'json'), stopGraceMs: 500 });
}

describe.runIf(mosquittoAvailable())('the external-broker bus without a handler', () => {
  it('does not acknowledge what no handler took; the next session gets it', async () => {
    const mosquitto = await startMosquitto();
    const clientId = 'bus-unhandled';
    // a persistent session subscribed to the town, then the platform goes away
    const first = newBus(mosquitto.url, clientId);
    await first.start();
    await first.subscribe(FILTER, () => undefined);
    await first.open();
    await first.stop();

    // readings the broker accepts (PUBACK to the publisher) while the platform is down
    const publisher = await mqtt.connectAsync(mosquitto.url, { clientId: 'bus-unhandled-publisher', reconnectPeriod: 0 });
    try {
      for (let i = 0; i < N; i++) await publisher.publishAsync(`city/temirtau/utilities/old-town/water-pressure/d-${i}/telemetry`, `{"i":${i}}`, { qos: 1 });
    } finally {
      await publisher.endAsync();
    }

    // the next session's handler is gone before the broker delivers: as at stop
    const second = newBus(mosquitto.url, clientId);
    await second.start();
    const off = await second.subscribe(FILTER, () => Promise.resolve());
    await off();
    await second.open();
    await waitFor(() => second.stats().unhandled === N, 'the queued readings delivered to the handler-less session');
    await second.stop();

    // nothing was acknowledged, so a third session receives every reading
    const got = new Set<string>();
    const third = newBus(mosquitto.url, clientId);
    await third.start();
    await third.subscribe(FILTER, (m) => {
      got.add(m.payload.toString());
      return Promise.resolve();
    });
    await third.open();
    try {
      await waitFor(() => got.size === N, `all ${N} readings redelivered`);
      expect([...got].sort()).toEqual(Array.from({ length: N }, (_, i) => `{"i":${i}}`).sort());
    } finally {
      await third.stop();
    }
  });

  it('removes a handler when the broker does not answer the UNSUBSCRIBE', async () => {
    const mosquitto = await startMosquitto();
    const bus = newBus(mosquitto.url, 'bus-unsubscribe-frozen');
    await bus.start();
    const off = await bus.subscribe(FILTER, () => undefined);
    await bus.open();
    process.kill(mosquitto.pid, 'SIGSTOP');
    try {
      await off();
      await bus.stop();
    } finally {
      process.kill(mosquitto.pid, 'SIGCONT');
    }
  });
});
