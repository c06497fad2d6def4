// An MQTT client for a test, ended when the test (or, outside a test, the file) that
// connected it ends, so a failed test leaves no client reconnecting to a stopped broker.
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { hold } from './resources.ts';

export async function connectMqtt(url: string, options: IClientOptions = {}): Promise<MqttClient> {
  const client = await mqtt.connectAsync(url, { protocolVersion: 4, ...options });
  const held = hold(`MQTT client ${options.clientId ?? client.options.clientId} to ${url}`, () => client.endAsync(true));
  client.once('end', () => held.forget());
  return client;
}
