import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../services/clock.ts';
import type { Reading, RuleSignal } from '../../../services/contracts/index.ts';
import { EventBus } from '../../../services/events.ts';
import { RulesService } from '../../../services/rules/rules-service.ts';
import { tempDir } from '../../helpers/platform.ts';

const log = pino({ level: 'silent' });
const T0 = 1_800_000_000_000;

describe('rules service', () => {
  it('sweeps absence on its clock and emits signals on the event bus, carrying auto-resolve', async () => {
    const dir = await tempDir();
    const rulesFile = join(dir, 'rules.yaml');
    writeFileSync(rulesFile, 'rules:\n  - id: gas-silent\n    title: Gas sensor silent\n    severity: minor\n    match: { kinds: [gas-pressure] }\n    absentFor: 10m\n    clearFor: 1m\n    autoResolve: false\n');
    const clock = new ManualClock(T0);
    const events = new EventBus(log);
    const signals: RuleSignal[] = [];
    events.on('ruleSignalled', 'test', (s) => signals.push(s));
    const rules = new RulesService({ events, rulesFile, sweepMs: 1000, clock, log });
    await rules.start();
    const reading: Reading = { town: 'temirtau', subsystem: 'utilities', district: 'old-town', kind: 'gas-pressure', deviceId: 'gp-1', ts: T0, receivedAt: T0, metrics: { pressure: 2 } };
    events.emit('readingAccepted', reading);
    clock.advance(9 * 60_000);
    expect(signals).toEqual([]);
    clock.advance(2 * 60_000);
    expect(signals).toHaveLength(1);
    expect(signals[0]).toMatchObject({ type: 'raised', ruleId: 'gas-silent', asset: 'gp-1', autoResolve: false, utility: 'gas' });
    events.emit('readingAccepted', { ...reading, ts: clock.now(), receivedAt: clock.now() });
    clock.advance(30_000);
    expect(signals).toHaveLength(1); // clear must last clearFor
    clock.advance(31_000);
    expect(signals.map((s) => s.type)).toEqual(['raised', 'cleared']);
    await rules.stop();
    clock.advance(60 * 60_000);
    expect(signals).toHaveLength(2); // stopped: no more sweeps
  });
});
