// The Grafana dashboard shipped in infra/grafana/ (for the compose file, which cannot
// run here) asks InfluxQL of what Qala writes: every panel's query and every variable
// is run against a real influxd holding a reading of every device kind, written by the
// InfluxDB adapter. A misspelt measurement or field answers nothing, and fails here.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEVICE_KINDS } from '../../devices/index.ts';
import { bucketToDbrp, type InfluxResponse } from '../../services/store/influxql.ts';
import { InfluxDbStore } from '../../services/store/influxdb-store.ts';
import { influxdbAvailable, startInfluxDb } from '../helpers/influxdb.ts';
import { hold } from '../helpers/resources.ts';

interface Dashboard {
  panels: { title: string; targets: { query: string }[] }[];
  templating: { list: { name: string; query: string }[] };
}
const dashboard = JSON.parse(readFileSync(new URL('../../infra/grafana/dashboards/qala-town.json', import.meta.url), 'utf8')) as Dashboard;

describe.runIf(influxdbAvailable())('Grafana dashboard of the town on a real influxd', () => {
  it('answers every panel and variable with data from what the adapter wrote', async () => {
    const influx = await startInfluxDb();
    const { influxBucket } = await influx.fresh('grafana');
    const store = new InfluxDbStore({ url: influx.url, bucket: influxBucket, timeoutMs: 5_000 });
    await store.start();
    hold('InfluxDB store', () => store.stop());
    const ts = Date.now() - 60_000;
    await store.write(DEVICE_KINDS.map((k, i) => ({
      town: 'temirtau', subsystem: k.subsystem, district: 'old-town', kind: k.id, deviceId: `dev-${i}`, ts, receivedAt: ts,
      metrics: Object.fromEntries(Object.entries(k.metrics).map(([m, spec]) => [m, spec.normal[1]])),
    })));
    // Grafana's substitutions, as it sends them for the last hour and both variables at "All"
    const grafana = (q: string) => q.replaceAll('$timeFilter', `time >= ${ts - 3_600_000}ms and time <= ${ts + 60_000}ms`).replaceAll('$__interval', '1m').replaceAll('$town', '.*').replaceAll('$district', '.*');
    const ask = async (q: string) => {
      const params = new URLSearchParams({ db: bucketToDbrp(influxBucket).db, q: grafana(q), epoch: 'ms' });
      return (await (await fetch(`${influx.url}/query?${params}`)).json()) as InfluxResponse;
    };
    const empty: string[] = [];
    for (const item of [...dashboard.panels.flatMap((p) => p.targets.map((t) => ({ what: p.title, q: t.query }))), ...dashboard.templating.list.map((v) => ({ what: `$${v.name}`, q: v.query }))]) {
      const res = await ask(item.q);
      expect(res.results?.[0]?.error, item.what).toBeUndefined();
      if (!res.results?.[0]?.series?.length) empty.push(item.what);
    }
    expect(empty).toEqual([]);
    expect(dashboard.panels.length).toBeGreaterThanOrEqual(10);
  });
});
