// focused check: water points only, slow-leak and main-break scoring
import { Feed } from './simulator/feed.ts';
import { loadScenario } from './simulator/scenario.ts';
import { observableFrom } from './simulator/fault-kinds.ts';
import { RulesEngine, type RuleSignal } from './services/rules/engine.ts';
import { BUILTIN_RULES, loadRules } from './services/rules/loader.ts';
import { scoreFaultKinds, formatFaultKinds, formatScores, scoreRules } from './services/rules/score.ts';
const [season, seedS, daysS, scaleS] = process.argv.slice(2);
const scenario = loadScenario('temirtau');
const start = Date.parse(season === 'summer' ? '2026-07-15T00:00:00+05:00' : '2026-01-15T00:00:00+05:00');
const days = Number(daysS ?? 3);
const warm = 86_400_000;
const feed = new Feed({ scenario, town: 'temirtau', seed: Number(seedS ?? 42), start: start - warm, intervalMs: 10_000, durationMs: days * 86_400_000 + warm, scale: Number(scaleS ?? 1), faultRate: 50, hardCases: 1, faultsFrom: start });
const rules = (await loadRules(BUILTIN_RULES)).filter((r) => r.match.kinds.includes('water-pressure') && !r.absentFor);
const raised: RuleSignal[] = [];
const engine = new RulesEngine({ onSignal: (s) => s.type !== 'cleared' && raised.push(s) });
engine.setRules(rules);
let next = NaN; const t0 = Date.now(); let n = 0;
for (const m of feed.messages()) {
  if (Number.isNaN(next)) next = m.at + 10_000;
  while (m.at >= next) { engine.sweep(next); next += 10_000; }
  if (m.type !== 'telemetry' || !m.topic.includes('/water-pressure/')) continue;
  const p = JSON.parse(m.payload); const parts = m.topic.split('/');
  engine.handle({ town: 'temirtau', subsystem: 'utilities', district: parts[3]!, kind: 'water-pressure', deviceId: parts[5]!, ts: p.ts, receivedAt: m.at, metrics: p.metrics });
  n++;
}
const end = start + days * 86_400_000;
const scored = raised.filter((s) => (s.raisedAt ?? s.at) >= start);
const faults = feed.faults.filter((f) => f.kind.startsWith('water'));
const pending = (f: any) => observableFrom(f.kind, f.start, 300) > Math.min(f.end, end);
console.log(season, seedS, `${n} readings in ${Date.now() - t0} ms`);
console.log(formatFaultKinds(scoreFaultKinds(rules, scored, faults, feed.hardCases, { pending })));
console.log(formatScores(scoreRules(rules, scored, faults, { pending })));
for (const s of scored.filter((s) => s.type === 'raised' && s.ruleId === 'water-slow-leak')) { const f = faults.find((f) => f.devices.includes(s.asset) && f.start <= s.raisedAt! && f.end + 600000 >= s.raisedAt!); if (!f || f.kind !== 'water-slow-leak') console.log('FP', s.asset, new Date(s.raisedAt!).toISOString(), f?.kind); }
for (const f of faults.filter((f) => f.kind === 'water-slow-leak')) { const hit = scored.find((s) => s.ruleId === 'water-slow-leak' && s.devices.includes(f.target)); console.log('leak', f.target, new Date(f.start).toISOString(), ((f.end - f.start) / 864e5).toFixed(1) + 'd', f.severity, pending(f) ? 'pending' : '', hit ? ((hit.raisedAt! - f.start) / 3.6e6).toFixed(1) + 'h' : 'MISSED'); }
