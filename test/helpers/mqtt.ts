// MQTT clients for tests, ended when the test (or, outside a test, the file) that
// connected them ends, so a failed test leaves no client reconnecting to a stopped
// broker. The embedded broker lets in only known clients: a test publishes as the
// platform's simulator gateway (it may speak for any unregistered device of the town)
// and watches as the admin.
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { groupCredentials } from '../../services/cli/credentials.ts';
import type { Platform } from '../../services/platform.ts';
import { TEST_ADMIN_PASSWORD } from './auth.ts';
import { hold } from './resources.ts';

export async function connectMqtt(url: string, options: IClientOptions = {}): Promise<MqttClient> {
  const client = await mqtt.connectAsync(url, { protocolVersion: 4, ...options });
  const held = hold(`MQTT client ${options.clientId ?? client.options.clientId} to ${url}`, () => client.endAsync(true));
  client.once('end', () => held.forget());
  return client;
}

export interface MqttLogin {
  username: string;
  password: string;
}

/** Gateway credentials of the simulator group, from a platform or from a data dir (a platform running as a child process). */
export function gatewayLogin(from: Platform | string, name = 'test'): MqttLogin {
  if (typeof from !== 'string') return from.access.simulatorCredentials().gateway(name);
  // the CLI's reader of the key file, as `qala simulate` and `qala replay` use it
  const creds = groupCredentials(undefined, from);
  if (!creds) throw new Error(`no simulator key in ${from}/access: has the platform started?`);
  return creds.gateway(name);
}

/** The first admin of a platform started with the test config (or QALA_ADMIN_PASSWORD=TEST_ADMIN_PASSWORD). */
export const adminLogin = (): MqttLogin => ({ username: 'admin', password: TEST_ADMIN_PASSWORD });

/** A client that publishes as devices of the town. */
export const connectDevice = (platform: Platform, options: IClientOptions = {}): Promise<MqttClient> =>
  connectMqtt(`mqtt://127.0.0.1:${platform.mqttPort}`, { ...gatewayLogin(platform), ...options });

/** A client that reads everything (the admin). */
export const connectWatcher = (platform: Platform, options: IClientOptions = {}): Promise<MqttClient> =>
  connectMqtt(`mqtt://127.0.0.1:${platform.mqttPort}`, { ...adminLogin(), ...options });
