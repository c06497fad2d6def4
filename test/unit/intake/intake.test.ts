import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { BusMessage } from '../../../services/bus/bus.ts';
import { ManualClock } from '../../../services/clock.ts';
import type { AdmittedMessage, Reading } from '../../../services/contracts/index.ts';
import { EventBus } from '../../../services/events.ts';
import { Intake } from '../../../services/intake/intake.ts';
import { tempDir } from '../../helpers/platform.ts';

const log = pino({ level: 'silent' });
const T0 = 1_800_000_000_000;
const topic = (id: string, channel = 'telemetry') => `city/temirtau/utilities/old-town/water-pressure/${id}/${channel}`;
const msg = (id: string, qos: 0 | 1 = 1, channel = 'telemetry', bytes?: number): BusMessage => ({
  topic: topic(id, channel),
  payload: Buffer.from(bytes ? 'x'.repeat(bytes) : JSON.stringify({ ts: T0, metrics: { pressure: 4 } })),
  retain: false,
  qos,
});

/** An intake with a stand-in for ingest (one reading per admitted message) and for the writer's room. */
async function setup(dir: string, room: () => Promise<void> | undefined = () => undefined) {
  const clock = new ManualClock(T0);
  const events = new EventBus(log);
  const admitted: AdmittedMessage[] = [];
  events.on('messageAdmitted', 'ingest', (m) => {
    admitted.push(m);
    events.emit('readingAccepted', { deviceId: m.topic.split('/')[5] } as Reading);
  });
  const flushes: number[] = [];
  const intake = new Intake({
    town: 'temirtau', maxPayloadBytes: 1024, dir, commitMs: 5, clock, events, log, room,
    flush: async () => void flushes.push(clock.now()),
  });
  await intake.start();
  const acked = (p: Promise<void> | undefined) => {
    const state = { acked: p === undefined };
    void p?.then(() => (state.acked = true));
    return state;
  };
  return { clock, events, intake, admitted, flushes, acked };
}

describe('intake', () => {
  it('acknowledges admitted telemetry only once it is on disk, and hands it to ingest at once', async () => {
    const dir = await tempDir();
    const { clock, intake, admitted, acked } = await setup(dir);
    const a = acked(intake.receive(msg('wp-1')));
    expect(admitted.map((m) => m.topic)).toEqual([topic('wp-1')]);
    expect(a.acked).toBe(false);
    await clock.tick(5);
    expect(a.acked).toBe(true);
    expect(readdirSync(dir).filter((f) => f.startsWith('seg-'))).toHaveLength(1);
    await intake.stop();
  });

  it('takes nothing it does not admit: status, another town, an oversized payload', async () => {
    const dir = await tempDir();
    const { intake, admitted } = await setup(dir);
    expect(intake.receive(msg('wp-1', 1, 'status'))).toBeUndefined();
    expect(intake.receive({ ...msg('wp-1'), topic: topic('wp-1').replace('temirtau', 'rudny') })).toBeUndefined();
    expect(intake.receive(msg('wp-1', 1, 'telemetry', 2000))).toBeUndefined();
    expect(admitted).toHaveLength(0);
    expect(intake.stats()).toMatchObject({ admitted: 0 });
    await intake.stop();
  });

  it('spools QoS 0 too, without making anyone wait', async () => {
    const dir = await tempDir();
    const { clock, intake, admitted } = await setup(dir);
    expect(intake.receive(msg('wp-1', 0))).toBeUndefined();
    expect(admitted).toHaveLength(1);
    await clock.tick(5);
    expect(intake.stats().spool.commits).toBe(1);
    await intake.stop();
  });

  it('holds the acknowledgement while the store writer has no room', async () => {
    const dir = await tempDir();
    let makeRoom = () => {};
    const room = new Promise<void>((r) => (makeRoom = r));
    const { clock, intake, acked } = await setup(dir, () => room);
    const a = acked(intake.receive(msg('wp-1')));
    await clock.tick(50, 5);
    expect(a.acked).toBe(false);
    makeRoom();
    await clock.tick(1);
    expect(a.acked).toBe(true);
    await intake.stop();
  });

  it('keeps the spool until the store has the readings, then deletes it', async () => {
    const dir = await tempDir();
    const { clock, events, intake } = await setup(dir);
    for (let i = 0; i < 3; i++) intake.receive(msg(`wp-${i}`));
    await clock.tick(5);
    const segments = () => readdirSync(dir).filter((f) => f.startsWith('seg-'));
    expect(segments()).toHaveLength(1);
    events.emit('readingsStored', { count: 2 });
    expect(segments()).toHaveLength(1); // the third reading is only in memory
    events.emit('readingsStored', { count: 1 });
    expect(segments()).toHaveLength(0);
    await intake.stop();
  });

  it('replays what a crashed run acknowledged but did not store, and not what it stored, before taking new traffic', async () => {
    const dir = await tempDir();
    const first = await setup(dir);
    for (let i = 0; i < 3; i++) first.intake.receive(msg(`wp-${i}`));
    await first.clock.tick(5);
    first.events.emit('readingsStored', { count: 1 }); // wp-0 is stored
    // ...and the spool noted it at once
    first.intake.receive(msg('wp-3'));
    await first.clock.tick(5); // wp-3 acknowledged, then the process dies: no stop(), kill -9
    const second = await setup(dir);
    expect(second.admitted.map((m) => m.topic)).toEqual([topic('wp-1'), topic('wp-2'), topic('wp-3')]);
    expect(second.flushes).toHaveLength(1);
    expect(second.intake.stats()).toMatchObject({ replayed: 3 });
    second.events.emit('readingsStored', { count: 3 });
    expect(readdirSync(dir).filter((f) => f.startsWith('seg-'))).toHaveLength(0);
    await second.intake.stop();
    // a crash right after a restart replays nothing stored twice either
    const third = await setup(dir);
    expect(third.admitted).toEqual([]);
    await third.intake.stop();
  });

  it('replays everything unreleased when the crash came before the spool noted what was stored (duplicates, never losses)', async () => {
    const dir = await tempDir();
    const first = await setup(dir);
    for (let i = 0; i < 2; i++) first.intake.receive(msg(`wp-${i}`));
    await first.clock.tick(5);
    first.events.emit('readingsStored', { count: 1 });
    rmSync(join(dir, 'released.json')); // as if killed between the store's commit and the note
    const second = await setup(dir);
    expect(second.admitted.map((m) => m.topic)).toEqual([topic('wp-0'), topic('wp-1')]);
    await second.intake.stop();
  });
});
