import { readdirSync } from 'node:fs';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { AuditLog } from '../../../services/audit/audit-log.ts';
import { ManualClock } from '../../../services/clock.ts';
import { tempDir } from '../../helpers/platform.ts';

const log = pino({ level: 'silent' });

describe('audit log', () => {
  it('rotates at its size limit, keeps a bounded number of files, and reads back newest first across them', async () => {
    const dir = await tempDir();
    const clock = new ManualClock(1_800_000_000_000);
    const audit = new AuditLog({ dir, clock, log, maxBytes: 4096, files: 3 });
    await audit.start();
    for (let i = 0; i < 400; i++) {
      clock.advance(1000);
      audit.record({ who: `user:u${i % 7}`, action: i % 2 ? 'login' : 'login-failed', outcome: i % 2 ? 'ok' : 'refused', from: '10.0.0.1', detail: { i } });
    }
    const files = readdirSync(dir).sort();
    expect(files).toEqual(['audit.1.jsonl', 'audit.2.jsonl', 'audit.3.jsonl', 'audit.jsonl']); // bounded: older ones are gone
    expect(audit.stats().rotations).toBeGreaterThan(3);
    const newest = audit.read({ limit: 5 });
    expect(newest.map((e) => e.detail?.i)).toEqual([399, 398, 397, 396, 395]);
    expect(audit.read({ limit: 1000, action: 'login' }).every((e) => e.action === 'login')).toBe(true);
    expect(audit.read({ limit: 1000, who: 'user:u3' }).every((e) => e.who === 'user:u3')).toBe(true);
    const since = audit.read({ limit: 1000, since: 1_800_000_000_000 + 390_000 });
    expect(since.map((e) => e.detail?.i)).toEqual([399, 398, 397, 396, 395, 394, 393, 392, 391, 390, 389]);
    await audit.stop();

    // a restart appends to the same trail and still reads what came before
    const again = new AuditLog({ dir, clock, log, maxBytes: 4096, files: 3 });
    await again.start();
    again.record({ who: 'platform', action: 'rules.reload', outcome: 'ok' });
    expect(again.read({ limit: 2 }).map((e) => e.action)).toEqual(['rules.reload', 'login']);
    await again.stop();
  });
});
