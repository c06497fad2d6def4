// The compose file for Docker users cannot run here (no Docker), so what can be held
// true without it is: Qala's settings in it are settings Qala accepts, and they point
// at the InfluxDB service, bucket and organisation the same file sets up.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../../services/config.ts';

const read = (path: string) => readFileSync(new URL(`../../../infra/${path}`, import.meta.url), 'utf8');
interface Compose { services: Record<string, { environment?: Record<string, string> }> }

describe('infra/compose.yaml', () => {
  const compose = parse(read('compose.yaml')) as Compose;
  const qala = compose.services.qala!.environment!;
  const influx = compose.services.influxdb!.environment!;
  // ${VAR:?message} and ${VAR} are the user's secrets: any value of the right shape stands in
  const filled = Object.fromEntries(Object.entries(qala).map(([k, v]) => [k, v.replace(/\$\{[A-Z_]+(:\?[^}]*)?\}/g, 'a-long-enough-secret')]));

  it("gives Qala settings it accepts, with InfluxDB as the store", () => {
    const config = loadConfig(filled);
    expect(config).toMatchObject({ store: 'influxdb', influxUrl: 'http://influxdb:8086', influxToken: 'a-long-enough-secret' });
  });

  it('points Qala and Grafana at the bucket, organisation and token that InfluxDB is set up with', () => {
    expect(qala.QALA_INFLUX_BUCKET).toBe(influx.DOCKER_INFLUXDB_INIT_BUCKET);
    expect(qala.QALA_INFLUX_ORG).toBe(influx.DOCKER_INFLUXDB_INIT_ORG);
    expect(influx.DOCKER_INFLUXDB_INIT_ADMIN_TOKEN).toMatch(/^\$\{INFLUX_TOKEN/);
    expect(qala.QALA_INFLUX_TOKEN).toBe('${INFLUX_TOKEN}');
    const datasource = parse(read('grafana/provisioning/datasources/qala-influxdb.yaml')) as { datasources: { url: string; jsonData: { dbName: string }; secureJsonData: Record<string, string> }[] };
    expect(datasource.datasources[0]).toMatchObject({ url: qala.QALA_INFLUX_URL, jsonData: { dbName: influx.DOCKER_INFLUXDB_INIT_BUCKET }, secureJsonData: { httpHeaderValue1: 'Token ${INFLUX_TOKEN}' } });
  });
});
