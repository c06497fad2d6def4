// GET /api/incidents/:id/assignees: the control room's assignee picker offers exactly
// the users the assign route would accept (an admin, an operator, or a user of the
// incident's own utility), to those who may assign; a viewer is refused and a utility
// user does not see another utility's incident.
import { describe, expect, it } from 'vitest';
import type { Incident, RuleSignal } from '../../services/contracts/index.ts';
import { client, loginAs } from '../helpers/auth.ts';
import { startPlatform, tempDir, testConfig } from '../helpers/platform.ts';

describe('incident assignees', () => {
  it('lists who may take an incident, as the assign route checks it', async () => {
    const platform = await startPlatform(testConfig(await tempDir()));
    const signal: RuleSignal = {
      type: 'raised', ruleId: 'water-test', title: 'water fault', severity: 'major', autoResolve: false, asset: 'wp-as-1', district: 'old-town',
      subsystem: 'utilities', utility: 'water', kind: 'water-pressure', devices: ['wp-as-1'], evidence: [{ deviceId: 'wp-as-1', ts: Date.now(), metrics: { pressure: 1 } }], at: Date.now(), flaps: 0,
    };
    platform.events.emit('ruleSignalled', signal);
    const incident = platform.incidents.list({ state: 'open' }).find((i) => i.asset === 'wp-as-1')!;
    const operator = await loginAs(platform, 'operator', { name: 'as-operator' });
    const water = await loginAs(platform, 'utility', { name: 'as-water', utility: 'water' });
    const heat = await loginAs(platform, 'utility', { name: 'as-heat', utility: 'heat' });
    const viewer = await loginAs(platform, 'viewer', { name: 'as-viewer' });

    const res = await client(platform, operator)(`/api/incidents/${incident.id}/assignees`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { count: number; users: { name: string; role: string; utility?: string }[] };
    const names = body.users.map((u) => u.name);
    expect(names).toEqual(expect.arrayContaining(['admin', 'as-operator', 'as-water']));
    expect(names).not.toContain('as-heat');
    expect(names).not.toContain('as-viewer');
    expect(body.count).toBe(names.length);
    // names and roles only
    expect(Object.keys(body.users.find((u) => u.name === 'as-water')!).sort()).toEqual(['name', 'role', 'utility']);

    // every one offered is accepted by the assign route, and one not offered is refused
    const api = client(platform, operator);
    for (const name of names) {
      const assigned = await api(`/api/incidents/${incident.id}/assign`, { method: 'POST', body: { assignee: name } });
      expect(assigned.status, name).toBe(200);
      expect(((await assigned.json()) as Incident).assignee).toBe(name);
    }
    expect((await api(`/api/incidents/${incident.id}/assign`, { method: 'POST', body: { assignee: 'as-heat' } })).status).toBe(400);

    expect((await client(platform, water)(`/api/incidents/${incident.id}/assignees`)).status).toBe(200);
    expect((await client(platform, heat)(`/api/incidents/${incident.id}/assignees`)).status).toBe(404);
    expect((await client(platform, viewer)(`/api/incidents/${incident.id}/assignees`)).status).toBe(403);
    expect((await client(platform, undefined)(`/api/incidents/${incident.id}/assignees`)).status).toBe(401);
  });
});
