// The platform's bus on an external broker ends whatever the broker does. mqtt.js's
// graceful end waits for the broker to acknowledge every QoS 1 publish of the client
// (the platform's dead letters and notifications) and, once the connection has dropped
// (its keepalive timing out behind a backlog, or the broker going away), never
// reconnects to get them: the platform's stop, and so the process, then waited for
// ever. This is what hung the quick bench after its Mosquitto slow-consumer pass.
import { describe, it } from 'vitest';
import { MqttBus } from '../../services/bus/mqtt-bus.ts';
import { createLogger } from '../../services/log.ts';
import { mosquittoAvailable, startMosquitto } from '../helpers/mosquitto.ts';

async function openBus(url: string, clientId: string): Promise<MqttBus> {
  const bus = new MqttBus({ url, clientId, log: createLogger('silent', 'json'), stopGraceMs: 500 });
  await bus.start();
  await bus.subscribe('city/temirtau/#', () => undefined);
  await bus.open();
  return bus;
}

describe.runIf(mosquittoAvailable())('the external-broker bus stops', () => {
  it('when the connection drops while its own QoS 1 publish waits for a PUBACK', async () => {
    const mosquitto = await startMosquitto();
    const bus = await openBus(mosquitto.url, 'bus-stop-dropped');
    process.kill(mosquitto.pid, 'SIGSTOP'); // the broker acknowledges nothing from now on
    void bus.publish('city/temirtau/deadletter', '{"reason":"bad-json"}', { qos: 1 }).catch(() => undefined);
    const stopped = bus.stop();
    process.kill(mosquitto.pid, 'SIGKILL'); // then the connection drops
    await stopped;
  });

  it('when the broker stops answering while it ends', async () => {
    const mosquitto = await startMosquitto();
    const bus = await openBus(mosquitto.url, 'bus-stop-frozen');
    process.kill(mosquitto.pid, 'SIGSTOP');
    try {
      void bus.publish('city/temirtau/deadletter', '{"reason":"bad-json"}', { qos: 1 }).catch(() => undefined);
      await bus.stop();
    } finally {
      process.kill(mosquitto.pid, 'SIGCONT');
    }
  });
});
