// `qala record` and `qala replay`: engineers record a town's device traffic from any
// broker into a feed file, and replay a feed file (recorded or simulated) into any
// broker at any speed, messages in their recorded order and spacing.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import mqtt from 'mqtt';
import type { Logger } from 'pino';
import { createSimClock } from '../../simulator/clock.ts';
import { formatFeedLine, readFeedFile } from '../../simulator/feed-file.ts';
import type { SimMessage } from '../../simulator/feed.ts';
import { Fleet, type FleetCredentials, type FleetSource } from '../../simulator/fleet.ts';
import { QalaError } from '../contracts/errors.ts';
import type { Progress } from './progress.ts';

export interface RecordOptions {
  brokerUrl: string;
  town: string;
  out: string;
  durationMs?: number;
  log: Logger;
  progress?: Progress;
  stop: Promise<void>;
  /** a user of the platform (an engineer) */
  login?: { username: string; password: string };
}

/** Device traffic and simulator ground truth; not the platform's own incidents and dead letters. */
export const recordable = (town: string, topic: string): boolean =>
  topic.startsWith(`city/${town}/`) && !topic.startsWith(`city/${town}/incidents/`) && topic !== `city/${town}/deadletter`;

export async function record(o: RecordOptions): Promise<{ messages: number; out: string }> {
  const out = createWriteStream(o.out);
  const client = await mqtt.connectAsync(o.brokerUrl, { protocolVersion: 4, clientId: `qala-recorder-${process.pid}`, reconnectPeriod: 1000, ...(o.login ?? {}) });
  // small packets sent as they come (Nagle adds tens of ms), on every (re)connection
  const noDelay = () => (client.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
  noDelay();
  client.on('connect', noDelay);
  let messages = 0;
  client.on('message', (topic, payload, packet) => {
    if (!recordable(o.town, topic)) return;
    messages++;
    out.write(formatFeedLine(Date.now(), topic, payload, packet.retain));
    if (messages % 1000 === 0) o.progress?.update({ fraction: undefined, text: `${messages.toLocaleString('en')} messages recorded` });
  });
  // what an engineer may read (a broader filter is refused by Qala's ACL): device traffic and ground truth
  const filters = [`city/${o.town}/+/+/+/+/telemetry`, `city/${o.town}/+/+/+/+/status`, `city/${o.town}/sim/faults`];
  try {
    await client.subscribeAsync(filters, { qos: 1 });
  } catch (err) {
    await client.endAsync(true);
    // mqtt.js rejects a subscription that the broker refused (SUBACK 0x80)
    throw new QalaError('ERR_FORBIDDEN', `the broker refused to let this recorder read ${filters.join(', ')}: log in as an engineer of the platform (--username, --password)`, { cause: err });
  }
  o.log.info({ broker: o.brokerUrl, out: o.out }, 'recording');
  await (o.durationMs ? Promise.race([o.stop, new Promise((r) => setTimeout(r, o.durationMs))]) : o.stop);
  await client.endAsync();
  out.end();
  await once(out, 'finish');
  o.progress?.done();
  return { messages, out: o.out };
}

/** A feed file as a fleet source: times shifted so the first message is due at `start`. */
export function fileSource(path: string, start: number): FleetSource & { first: number | undefined } {
  let first: number | undefined;
  for (const m of readFeedFile(path)) {
    first = m.at;
    break;
  }
  const stats = { faults: 0 };
  return {
    devices: [],
    stats,
    first,
    *messages(): Generator<SimMessage> {
      for (const m of readFeedFile(path)) {
        if (m.type === 'fault' && m.payload.includes('"event":"started"')) stats.faults++;
        yield { ...m, at: start + (m.at - (first ?? m.at)) };
      }
    },
  };
}

export interface ReplayOptions {
  brokerUrl: string;
  file: string;
  speed: number;
  connections: number;
  log: Logger;
  progress?: Progress;
  stop: Promise<void>;
  credentials?: FleetCredentials;
}

export async function replay(o: ReplayOptions): Promise<Record<string, number | boolean>> {
  const start = Date.now();
  const source = fileSource(o.file, start);
  let finished!: () => void;
  const done = new Promise<void>((r) => (finished = r));
  const clock = createSimClock({ start, speed: o.speed });
  const fleet = new Fleet({ brokerUrl: o.brokerUrl, town: '', feed: source, clock, connections: o.connections, log: o.log, onFinished: () => finished(), ...(o.credentials ? { credentials: o.credentials } : {}) });
  await fleet.start();
  const report = setInterval(() => {
    const s = fleet.stats();
    o.progress?.update({ fraction: undefined, text: `${s.published.toLocaleString('en')} messages replayed · recorded time +${Math.round((s.simTime - start) / 1000)} s · lag ${s.lagMs} ms` });
  }, 250);
  await Promise.race([done, o.stop]);
  clearInterval(report);
  await fleet.drain();
  o.progress?.done();
  const s = fleet.stats();
  await fleet.stop();
  return { published: s.published, publishErrors: s.publishErrors, faults: s.faults, maxLagMs: s.maxLagMs, finished: s.finished };
}
