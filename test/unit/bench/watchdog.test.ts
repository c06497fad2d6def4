import { describe, expect, it } from 'vitest';
import { Watchdog } from '../../../bench/lib/watchdog.ts';

// The watchdog on an injected clock, looked at by hand (check) as its timer would.
function rig(idleMs = 10_000) {
  let t = 0;
  const stalls: string[] = [];
  const dog = new Watchdog({ idleMs, checkMs: 1000, now: () => t, onStall: (m) => stalls.push(m) });
  /** advances the clock a second at a time, looking after each, as the timer would */
  const pass = (ms: number) => {
    for (let done = 0; done < ms; done += 1000) {
      t += 1000;
      dog.check();
    }
  };
  return { dog, stalls, pass, jump: (ms: number) => (t += ms) };
}

describe('the bench watchdog', () => {
  it('fails a phase that sees no progress, naming it', async () => {
    const { dog, stalls, pass } = rig();
    let release!: () => void;
    const phase = dog.phase('slow consumer (run 1/1, mosquitto)', () => new Promise<void>((r) => (release = r)));
    pass(9_000);
    expect(stalls).toEqual([]);
    pass(2_000);
    expect(stalls).toHaveLength(1);
    expect(stalls[0]).toContain('"slow consumer (run 1/1, mosquitto)"');
    pass(30_000);
    expect(stalls).toHaveLength(1); // said once
    release();
    await phase;
  });

  it('lets a phase run as long as it makes progress', async () => {
    const { dog, stalls, pass } = rig();
    let release!: () => void;
    const phase = dog.phase('throughput', () => new Promise<void>((r) => (release = r)));
    for (let i = 0; i < 20; i++) {
      pass(5_000);
      dog.beat();
    }
    expect(stalls).toEqual([]);
    release();
    await phase;
  });

  it('says nothing between phases', async () => {
    const { dog, stalls, pass } = rig();
    await dog.phase('start the platform', async () => undefined);
    pass(60_000);
    expect(stalls).toEqual([]);
    expect(dog.current).toBeUndefined();
  });

  it('takes its own late timer (the bench busy computing) for progress', async () => {
    const { dog, stalls, jump } = rig();
    let release!: () => void;
    const phase = dog.phase('rules cost', () => new Promise<void>((r) => (release = r)));
    jump(30_000); // the event loop was blocked: no look for 30 s
    dog.check();
    expect(stalls).toEqual([]);
    release();
    await phase;
  });

  it('names the inner phase while it runs, the outer one after', async () => {
    const { dog, stalls, pass } = rig();
    let release!: () => void;
    const outer = dog.phase('outer', async () => {
      await dog.phase('inner', async () => undefined);
      await new Promise<void>((r) => (release = r));
    });
    await Promise.resolve();
    await Promise.resolve();
    await Promise.resolve();
    pass(11_000);
    expect(stalls[0]).toContain('"outer"');
    release();
    await outer;
  });
});
