// What the kernel holds for a loopback TCP connection, read from /proc/net/tcp (proc(5):
// ports, state and the transmit/receive queues in hex), and a way to fill it: the slow
// consumer test and bench need a subscriber that is really stuck, its receive buffer
// and the broker's send buffer both full, before they measure or count anything.
// Linux only, IPv4 (the tests and the bench use 127.0.0.1).
import { readFileSync } from 'node:fs';
import type { MqttClient } from 'mqtt';

interface TcpSocket {
  local: number;
  remote: number;
  state: number;
  txQueue: number;
  rxQueue: number;
}

const ESTABLISHED = 1; // include/net/tcp_states.h

function tcpSockets(): TcpSocket[] {
  return readFileSync('/proc/net/tcp', 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => {
      const f = line.trim().split(/\s+/);
      const [tx, rx] = f[4]!.split(':');
      return { local: parseInt(f[1]!.split(':')[1]!, 16), remote: parseInt(f[2]!.split(':')[1]!, 16), state: parseInt(f[3]!, 16), txQueue: parseInt(tx!, 16), rxQueue: parseInt(rx!, 16) };
    });
}

/**
 * One loopback connection, by its client's local port: the bytes the kernel holds for
 * it (the client's unread receive queue plus the server's unsent send queue), and
 * whether the server's end is still established.
 */
export function kernelQueue(clientPort: number): { bytes: number; open: boolean } {
  const all = tcpSockets();
  const client = all.find((s) => s.local === clientPort);
  const server = all.find((s) => s.remote === clientPort);
  return { bytes: (client?.rxQueue ?? 0) + (server?.txQueue ?? 0), open: server?.state === ESTABLISHED };
}

/** The local port of a connected MQTT client's socket. */
export const localPort = (client: MqttClient): number => (client.stream as unknown as { localPort: number }).localPort;

/**
 * Publishes 16 KiB fillers on `topic` (QoS 1, eight at a time) until the kernel's
 * buffers for the stuck subscriber stop growing (three rounds without growth), or
 * `maxBytes` were sent; resolves with the bytes the kernel then holds for it. What is
 * published after that waits in the broker's own buffer for that subscriber.
 */
export async function fillKernelBuffers(publisher: MqttClient, topic: string, payload: string, stuck: MqttClient, maxBytes = 64 * 1024 * 1024): Promise<number> {
  const port = localPort(stuck);
  let most = -1;
  let flat = 0;
  for (let sent = 0; sent < maxBytes; sent += 8 * payload.length) {
    await Promise.all(Array.from({ length: 8 }, () => publisher.publishAsync(topic, payload, { qos: 1 })));
    await new Promise((r) => setTimeout(r, 20));
    const now = kernelQueue(port).bytes;
    flat = now <= most ? flat + 1 : 0;
    if (flat >= 3) return now;
    most = Math.max(most, now);
  }
  return most;
}
