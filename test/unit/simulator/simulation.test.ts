import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../services/config.ts';
import { createLogger } from '../../../services/log.ts';
import { simulationFromConfig } from '../../../simulator/simulation.ts';

/** Hard-case announcements in the first simulated hour of the town `env` configures. */
function hardCasesIn(env: Record<string, string>): string[] {
  const config = loadConfig({ QALA_SIM_START: '2026-01-15T00:00:00+05:00', QALA_SIM_SCALE: '0.2', ...env });
  const sim = simulationFromConfig(config, { brokerUrl: 'mqtt://127.0.0.1:1', town: 'temirtau', durationMs: 3_600_000, now: Date.now, log: createLogger('silent', 'json') });
  const classes: string[] = [];
  for (const m of sim.feed.messages()) {
    if (m.type === 'fault' && m.topic === 'city/temirtau/sim/faults') {
      const p = JSON.parse(m.payload) as { event: string; class?: string };
      if (p.event === 'hard-case') classes.push(p.class!);
    }
  }
  return classes;
}

describe('the simulated town from the config', () => {
  it('adds the field\'s hard cases, announced on sim/faults, only when QALA_SIM_HARD_CASES asks for them', () => {
    expect(hardCasesIn({})).toEqual([]);
    const classes = hardCasesIn({ QALA_SIM_HARD_CASES: '1' });
    expect(classes).toContain('clock-skew');
    expect(classes).toContain('duplicate');
  });

  it('refuses a negative hard-case rate, naming the variable', () => {
    expect(() => loadConfig({ QALA_SIM_HARD_CASES: '-1' })).toThrow(/QALA_SIM_HARD_CASES/);
  });
});
