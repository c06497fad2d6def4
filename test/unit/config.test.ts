import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configTable, envName, loadConfig, proxyList } from '../../services/config.ts';
import { QalaError } from '../../services/contracts/errors.ts';

const problemsOf = (env: Record<string, string>): string => {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(QalaError);
    expect((err as QalaError).code).toBe('ERR_CONFIG_INVALID');
    return (err as Error).message;
  }
  throw new Error('expected loadConfig to refuse');
};

describe('config', () => {
  it('runs on a bare machine with defaults: port 8080, MQTT 1883, ./data, the Temirtau scenario', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ httpPort: 8080, mqttPort: 1883, dataDir: './data', scenario: 'temirtau', town: 'temirtau', simulate: true });
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('reads QALA_* variables with types', () => {
    const c = loadConfig({ QALA_HTTP_PORT: '9090', QALA_SIMULATE: 'false', QALA_SIM_SPEED: '60' });
    expect(c).toMatchObject({ httpPort: 9090, simulate: false, simSpeed: 60 });
  });

  it('names the variable and what it expects', () => {
    const msg = problemsOf({ QALA_HTTP_PORT: 'eighty' });
    expect(msg).toContain('QALA_HTTP_PORT="eighty"');
    expect(msg).toMatch(/number/i);
  });

  it('reports every problem at once, including unknown QALA_ variables', () => {
    expect.hasAssertions();
    const msg = problemsOf({ QALA_MQTT_PORT: '70000', QALA_TOWN: 'Temir Tau', QALA_LOG_LEVEL: 'loud', QALA_HTTP_PROT: '1' });
    for (const v of ['QALA_MQTT_PORT="70000"', 'QALA_TOWN="Temir Tau"', 'QALA_LOG_LEVEL="loud"', 'QALA_HTTP_PROT: not a Qala setting']) expect(msg).toContain(v);
  });

  it('trusts no proxy by default, and takes addresses, CIDR blocks and named ranges for QALA_TRUST_PROXY, naming each bad one', () => {
    expect(loadConfig({}).trustProxy).toBeUndefined();
    expect(proxyList(loadConfig({ QALA_TRUST_PROXY: ' 127.0.0.1, 10.0.0.0/8,fd00::/8 ,loopback,' }).trustProxy)).toEqual(['127.0.0.1', '10.0.0.0/8', 'fd00::/8', 'loopback']);
    const msg = problemsOf({ QALA_TRUST_PROXY: '127.0.0.1,nginx.local,10.0.0.0/33,::1/129,10.0.0.1/8/1,*' });
    expect(msg).toContain('QALA_TRUST_PROXY=');
    for (const bad of ['"nginx.local"', '"10.0.0.0/33"', '"::1/129"', '"10.0.0.1/8/1"', '"*"']) expect(msg).toContain(bad);
    expect(msg).not.toContain('"127.0.0.1"');
  });

  it('gives API tokens 90 days by default, at most 365, and refuses a default longer than the maximum', () => {
    expect(loadConfig({})).toMatchObject({ tokenDefaultDays: 90, tokenMaxDays: 365 });
    expect(problemsOf({ QALA_TOKEN_DEFAULT_DAYS: '400', QALA_TOKEN_MAX_DAYS: '365' })).toContain('QALA_TOKEN_DEFAULT_DAYS=400: at most QALA_TOKEN_MAX_DAYS=365');
    expect(problemsOf({ QALA_TOKEN_MAX_DAYS: '0' })).toContain('QALA_TOKEN_MAX_DAYS="0"');
  });

  it('takes a tile server URL template for the map, and none by default', () => {
    expect(loadConfig({})).toMatchObject({ mapTileUrl: '', mapTileAttribution: '' });
    const url = 'https://tiles.example.kz/{s}/{z}/{x}/{y}.png';
    expect(loadConfig({ QALA_MAP_TILE_URL: url, QALA_MAP_TILE_ATTRIBUTION: '© OpenStreetMap contributors' })).toMatchObject({ mapTileUrl: url, mapTileAttribution: '© OpenStreetMap contributors' });
    for (const bad of ['tiles.example.kz/{z}/{x}/{y}.png', 'ftp://tiles.example.kz/{z}/{x}/{y}.png', 'https://tiles.example.kz/{z}/{x}.png', 'javascript:alert(1)//{z}{x}{y}']) {
      const msg = problemsOf({ QALA_MAP_TILE_URL: bad });
      expect(msg).toContain(`QALA_MAP_TILE_URL=${JSON.stringify(bad)}: an http(s) URL template with {z}, {x} and {y}`);
    }
  });

  it('maps camelCase keys to QALA_ names and documents them all', () => {
    expect(envName('storeFlushMs')).toBe('QALA_STORE_FLUSH_MS');
    expect(configTable()).toContain('| `QALA_HTTP_PORT` | `8080` |');
  });

  it('needs QALA_INFLUX_URL with QALA_STORE=influxdb and checks every InfluxDB setting by name', () => {
    expect(problemsOf({ QALA_STORE: 'influxdb' })).toContain('QALA_INFLUX_URL: required with QALA_STORE=influxdb');
    const msg = problemsOf({ QALA_STORE: 'influxdb', QALA_INFLUX_URL: 'ftp://influx:8086', QALA_INFLUX_BUCKET: 'qala/autogen/extra', QALA_INFLUX_TIMEOUT_MS: 'soon' });
    for (const v of ['QALA_INFLUX_URL="ftp://influx:8086"', 'QALA_INFLUX_BUCKET="qala/autogen/extra"', 'QALA_INFLUX_TIMEOUT_MS="soon"']) expect(msg).toContain(v);
    expect(problemsOf({ QALA_STORE: 'influx' })).toContain('QALA_STORE="influx"');
    const c = loadConfig({ QALA_STORE: 'influxdb', QALA_INFLUX_URL: 'https://influx.example.kz:8086', QALA_INFLUX_BUCKET: 'qala/autogen', QALA_INFLUX_TOKEN: 'qala:secret' });
    expect(c).toMatchObject({ store: 'influxdb', influxUrl: 'https://influx.example.kz:8086', influxBucket: 'qala/autogen', influxToken: 'qala:secret', influxTimeoutMs: 10_000 });
  });

  it('refuses an unreadable config file by name', () => {
    expect(() => loadConfig({ QALA_CONFIG_FILE: '/nonexistent/qala.json' })).toThrow(/QALA_CONFIG_FILE "\/nonexistent\/qala.json"/);
  });

  it('refuses a config file key that is not a setting (a misspelling would otherwise fall back to the default without a word), and a file that is not an object', () => {
    const dir = mkdtempSync(join(tmpdir(), 'qala-config-'));
    try {
      const file = join(dir, 'qala.json');
      writeFileSync(file, JSON.stringify({ htpPort: 1, httpPort: 18481 }));
      const msg = problemsOf({ QALA_CONFIG_FILE: file });
      expect(msg).toContain('"htpPort" is not a Qala setting');
      expect(msg).not.toContain('"httpPort"');
      writeFileSync(file, JSON.stringify({ httpPort: 18481 }));
      expect(loadConfig({ QALA_CONFIG_FILE: file }).httpPort).toBe(18481);
      writeFileSync(file, '[1, 2]');
      expect(() => loadConfig({ QALA_CONFIG_FILE: file })).toThrow(/not a JSON object of settings/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("takes the town from the scenario when QALA_TOWN is unset, so the topics and the map are the simulated town's", () => {
    expect(loadConfig({ QALA_SCENARIO: 'zhanaozen' }).town).toBe('zhanaozen');
    expect(loadConfig({ QALA_SCENARIO: 'ekibastuz' }).town).toBe('ekibastuz');
    expect(loadConfig({}, { scenario: 'kurchatov' }).town).toBe('kurchatov');
    // an explicit town wins, from the environment or an override
    expect(loadConfig({ QALA_SCENARIO: 'zhanaozen', QALA_TOWN: 'temirtau' }).town).toBe('temirtau');
    expect(loadConfig({ QALA_SCENARIO: 'zhanaozen' }, { town: 'rudny' }).town).toBe('rudny');
    // a scenario that cannot be read leaves the default, and is refused later by the simulator with its reason
    expect(loadConfig({ QALA_SCENARIO: '/nonexistent/town.json' }).town).toBe('temirtau');
  });
});
