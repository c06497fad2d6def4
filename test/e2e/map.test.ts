// The town map in Debian's chromium: drawn by Leaflet from the platform alone (every
// request off this machine is blocked, and none is missed), the town's outlines,
// streets, plant and district names, an icon per device kind coloured by state,
// clusters at the town's zoom that split when clicked, labels that never overlap, a
// utility user who sees only its own network's devices, and a configured tile
// server that is asked for tiles.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEVICE_KINDS, KIND_IDS } from '../../devices/index.ts';
import { en } from '../../dashboards/src/i18n/en.ts';
import type { Platform } from '../../services/platform.ts';
import { addUser, baseUrl, loginAs, signIn } from '../helpers/auth.ts';
import { browserAvailable, launchBrowser } from '../helpers/browser.ts';
import { connectDevice } from '../helpers/mqtt.ts';
import { startPlatform, tempDir, testConfig } from '../helpers/platform.ts';
import { hold } from '../helpers/resources.ts';

const CENTRE: [number, number] = [50.0549, 72.9647];
const DISTRICTS = ['old-town', 'new-town', 'metallurgists', 'microdistricts', 'aktau', 'industrial-zone'];
/**
 * One device of every kind on a 5-column grid near the town centre, 14 m apart in a
 * row (closer than their labels are long) and 33 m between rows. Their topics name
 * districts in turn (the air station's the third), so no district has three devices
 * that fall silent together: the silent-district and silent-feeder rules would
 * otherwise raise incidents while the test runs and recolour them.
 */
const GRID = KIND_IDS.map((kind, i) => ({
  kind,
  id: `map-${kind}`,
  district: DISTRICTS[kind === 'air-station' ? 2 : i % DISTRICTS.length]!,
  at: [CENTRE[0] + Math.floor(i / 5) * 0.0003, CENTRE[1] + (i % 5) * 0.0002] as [number, number],
}));

/** Readings in the middle of each metric's normal band, so a device reads as normal. */
const normalMetrics = (kind: string) =>
  Object.fromEntries(Object.entries(DEVICE_KINDS.find((k) => k.id === kind)!.metrics).map(([m, s]) => [m, s.integer ? Math.round((s.normal[0] + s.normal[1]) / 2) : (s.normal[0] + s.normal[1]) / 2]));

async function publishGrid(platform: Platform): Promise<void> {
  const device = await connectDevice(platform);
  const now = Date.now();
  for (const g of GRID) {
    const spec = DEVICE_KINDS.find((k) => k.id === g.kind)!;
    const base = `city/temirtau/${spec.subsystem}/${g.district}/${g.kind}/${g.id}`;
    // a water point that says it is offline, a school sensor silent for 10 minutes, a gas point above its band
    await device.publishAsync(`${base}/status`, JSON.stringify({ state: 'online', location: g.at }), { qos: 1, retain: true });
    const metrics = { ...normalMetrics(g.kind), ...(g.kind === 'gas-pressure' ? { pressure: 4.2 } : {}) };
    await device.publishAsync(`${base}/telemetry`, JSON.stringify({ ts: g.kind === 'school-classroom' ? now - 10 * 60_000 : now, metrics }), { qos: 1 });
    if (g.kind === 'water-pressure') await device.publishAsync(`${base}/status`, JSON.stringify({ state: 'offline', location: g.at }), { qos: 1, retain: true });
  }
  await device.endAsync();
}

/** Blocks every request that leaves this machine, and records it with every failed or refused one. */
async function offline(page: Page): Promise<{ blocked: string[]; failed: string[] }> {
  const out = { blocked: [] as string[], failed: [] as string[] };
  await page.route('**/*', (route) => {
    const u = new URL(route.request().url());
    if (u.hostname === '127.0.0.1' || u.hostname === 'localhost') return route.continue();
    out.blocked.push(u.href);
    return route.abort('internetdisconnected');
  });
  // ERR_ABORTED is the page calling off its own request (a tile that left the view, the login's reload), not a failure
  page.on('requestfailed', (r) => {
    if (r.failure()?.errorText !== 'net::ERR_ABORTED') out.failed.push(`${r.url()}: ${r.failure()?.errorText}`);
  });
  // the page asks who is logged in before the login form: that one 401 is expected
  page.on('response', (r) => {
    if (r.status() >= 400 && !(r.status() === 401 && new URL(r.url()).pathname === '/api/me')) out.failed.push(`${r.url()}: HTTP ${r.status()}`);
  });
  page.on('pageerror', (e) => out.failed.push(`page error: ${e.message}`));
  return out;
}

/** Clicks clusters until none is left in view: each click zooms to its devices (the map's data-zoom changes), then the animations settle. */
async function splitClusters(page: Page): Promise<void> {
  const settled = () => page.waitForFunction(() => !document.querySelector('#map .leaflet-zoom-anim, #map .leaflet-cluster-anim'));
  for (let i = 0; i < 6; i++) {
    await settled();
    const clusters = page.locator('#map .cluster');
    if ((await clusters.count()) === 0) return;
    const zoom = await page.$eval('#map', (m) => (m as HTMLElement).dataset.zoom);
    await clusters.first().click();
    await page.waitForFunction((z) => (document.getElementById('map') as HTMLElement).dataset.zoom !== z, zoom);
  }
  await settled();
}

describe.runIf(browserAvailable())('town map in chromium', () => {
  let platform: Platform;
  let browser: Browser;

  // the browser, the platform and its data dir are released by the helpers once the file ends
  beforeAll(async () => {
    platform = await startPlatform(testConfig(await tempDir()));
    browser = await launchBrowser();
    await publishGrid(platform);
  });

  it('draws the town with Leaflet from the platform alone, with no request leaving the machine', async () => {
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    const net = await offline(page);
    await signIn(page, platform, await addUser(platform, 'viewer'));
    await page.waitForSelector('#map.leaflet-container');
    await page.waitForFunction(() => Number(document.getElementById('map')!.dataset.devices) === 13);
    // the outlines, the main streets joining the district centres and the plant, from GET /api/geo
    expect(await page.locator('#map path.district').count()).toBe(6);
    expect(await page.locator('#map path.street').count()).toBe(6);
    expect(await page.locator('#map .plant').count()).toBe(1);
    const names = await page.$$eval('#map .district-label span', (ss) => ss.map((s) => s.textContent).sort());
    expect(names).toEqual(["Aktau settlement", "Metallurgists' Avenue", 'New Town (Sotsgorod)', 'Northern microdistricts', 'Old Town', 'Plant industrial zone']);
    // Leaflet's own styles came from the platform (/vendor.css): its panes are positioned by them
    expect(await page.$eval('#map .leaflet-map-pane', (p) => getComputedStyle(p).position)).toBe('absolute');
    // no tile server is configured, so no tile layer
    expect(await page.locator('#map .leaflet-tile').count()).toBe(0);
    expect(net.blocked).toEqual([]);
    expect(net.failed).toEqual([]);
    await page.close();
  });

  it('clusters the devices at the town zoom and shows an icon per kind, coloured by state, once zoomed in', async () => {
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    const net = await offline(page);
    await signIn(page, platform, await addUser(platform, 'operator'));
    await page.waitForFunction(() => Number(document.getElementById('map')!.dataset.devices) === 13);
    // 13 devices within 100 m: one cluster at the town's zoom
    const cluster = page.locator('#map .cluster');
    await cluster.first().waitFor();
    expect(await cluster.count()).toBe(1);
    await expect(cluster.getAttribute('data-count')).resolves.toBe('13');
    const clusterLook = (await cluster.getAttribute('class'))!.split(' ')[1];
    expect(await page.locator('#map .device').count()).toBe(0);
    // device labels only close in
    expect(await page.locator('#map.labels').count()).toBe(0);

    await splitClusters(page);
    await page.waitForFunction(() => document.querySelectorAll('#map .device').length === 13);
    const icons = await page.$$eval('#map .device', (ds) => ds.map((d) => ({ kind: (d as HTMLElement).dataset.kind!, cls: d.className, svg: d.querySelector('svg')!.innerHTML })));
    expect(icons.map((i) => i.kind).sort()).toEqual([...KIND_IDS].sort());
    // a glyph of its own per kind
    expect(new Set(icons.map((i) => i.svg)).size).toBe(KIND_IDS.length);
    const lookOf = (kind: string) => icons.find((i) => i.kind === kind)!.cls.split(' ')[1];
    expect({ water: lookOf('water-pressure'), school: lookOf('school-classroom'), gas: lookOf('gas-pressure'), lift: lookOf('residential-lift') }).toEqual({ water: 'offline', school: 'stale', gas: 'out', lift: 'ok' });
    // the cluster had the colour of its worst device: the gas point out of its band
    const looks = new Set(icons.map((i) => i.cls.split(' ')[1]));
    expect(clusterLook).toBe(['incident', 'out', 'offline', 'stale', 'ok'].find((l) => looks.has(l)));

    // close in, each device is labelled, and no label covers another (nor a district's name)
    await page.waitForSelector('#map.labels');
    const boxes = await page.$$eval('#map .device .label, #map .district-label span', (ls) =>
      ls.filter((l) => getComputedStyle(l).display !== 'none' && getComputedStyle(l).visibility !== 'hidden').map((l) => l.getBoundingClientRect().toJSON() as DOMRect));
    // labels side by side would cover each other: some give way
    expect(await page.locator('#map .device .label.collides').count()).toBeGreaterThan(0);
    expect(boxes.length).toBeGreaterThan(6);
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const [a, b] = [boxes[i]!, boxes[j]!];
        expect(a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom, `labels ${i} and ${j} overlap`).toBe(false);
      }
    }
    expect(net.failed).toEqual([]);
    await page.close();
  });

  it("opens a device's panel on a click: values with units, online state and age, a chart per metric, its open incidents", async () => {
    // a feeder at 0 V, in a district of its own: the power-outage rule opens an incident on it
    const device = await connectDevice(platform);
    const base = 'city/temirtau/utilities/aktau/power-feeder/map-pf-out';
    await device.publishAsync(`${base}/status`, JSON.stringify({ state: 'online', location: [50.117, 73.01] }), { qos: 1, retain: true });
    const t0 = Date.now() - 60_000;
    for (let i = 0; i <= 4; i++) await device.publishAsync(`${base}/telemetry`, JSON.stringify({ ts: t0 + i * 10_000, metrics: { voltage: 0, load: 0 } }), { qos: 1 });
    await device.endAsync();

    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    const net = await offline(page);
    await signIn(page, platform, await addUser(platform, 'operator'));
    const item = page.locator('#incident-list li.incident', { hasText: 'map-pf-out' });
    await item.waitFor();
    const incidentId = (await item.getAttribute('data-id'))!;
    // picking the incident brings its device into view, alone
    await item.locator('.title').click();
    const marker = page.locator('#map .device.highlight[data-device="map-pf-out"]');
    await marker.waitFor();
    await page.waitForFunction(() => !document.querySelector('#map .leaflet-zoom-anim, #map .leaflet-cluster-anim'));
    await marker.click();

    const panel = page.locator('#device-panel[data-device="map-pf-out"]');
    await panel.waitFor();
    await expect(panel.locator('.kind').textContent()).resolves.toBe(en['kind.power-feeder']);
    await expect(panel.locator('.state').textContent()).resolves.toBe('online');
    await expect(panel.locator('.age').textContent()).resolves.toMatch(/^last update \d+ seconds ago$/);
    await expect(panel.locator('tr[data-metric="voltage"] .v').textContent()).resolves.toBe('0 V');
    await expect(panel.locator('tr[data-metric="load"] .v').textContent()).resolves.toBe('0 %');
    expect(await panel.locator('tr[data-metric="voltage"]').getAttribute('class')).toContain('out');
    // a chart per metric, drawn from the device's stored readings
    expect((await panel.locator('figure').evaluateAll((fs) => fs.map((f) => (f as HTMLElement).dataset.metric))).sort()).toEqual(['load', 'voltage']);
    await page.waitForFunction(() => [...document.querySelectorAll<HTMLElement>('#device-panel figure')].every((f) => Number(f.dataset.points) >= 1));
    expect(await panel.locator('figure canvas').count()).toBe(2);
    // its open incident, a link to the incident view
    await expect(panel.locator(`ul.incidents li[data-id="${incidentId}"] a`).getAttribute('href')).resolves.toBe(`#incident/${incidentId}`);
    await panel.locator('button.close').click();
    await page.locator('#device-panel').waitFor({ state: 'hidden' });
    expect(net.failed).toEqual([]);
    await page.close();
  });

  it("shows a utility user only its own network's devices, on the map and through the API", async () => {
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    await signIn(page, platform, await addUser(platform, 'utility', { utility: 'water' }));
    await page.waitForSelector('#conn[data-state="open"]');
    // the water utility's kinds: the pressure point and the sewage well
    await page.waitForFunction(() => Number(document.getElementById('map')!.dataset.devices) === 2);
    await splitClusters(page);
    await page.waitForFunction(() => document.querySelectorAll('#map .device').length === 2);
    expect((await page.$$eval('#map .device', (ds) => ds.map((d) => (d as HTMLElement).dataset.kind))).sort()).toEqual(['sewage-level', 'water-pressure']);
    await page.close();

    const water = await loginAs(platform, 'utility', { utility: 'water' });
    const list = (await (await fetch(`${baseUrl(platform)}/api/devices`, { headers: water.headers })).json()) as { devices: { kind: string }[] };
    expect(list.devices.map((d) => d.kind).sort()).toEqual(['sewage-level', 'water-pressure']);
    // another network's device is not found for them; their own answers
    const gas = await fetch(`${baseUrl(platform)}/api/series?deviceId=map-gas-pressure&metric=pressure`, { headers: water.headers });
    expect(gas.status).toBe(404);
    expect(((await gas.json()) as { error: { code: string } }).error.code).toBe('ERR_DEVICE_NOT_FOUND');
    expect((await fetch(`${baseUrl(platform)}/api/series?deviceId=map-sewage-level&metric=level`, { headers: water.headers })).status).toBe(200);
    // an operator sees every network
    const operator = await loginAs(platform, 'operator');
    expect(((await (await fetch(`${baseUrl(platform)}/api/devices`, { headers: operator.headers })).json()) as { count: number }).count).toBeGreaterThanOrEqual(13);
  });

  it('draws the tiles of a configured tile server beneath the town, with its credit', async () => {
    // a tile server on this machine: a 1×1 PNG for every tile, and the paths it was asked for
    const asked: string[] = [];
    const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
    const tiles: Server = createServer((req, res) => {
      asked.push(req.url!);
      res.writeHead(200, { 'content-type': 'image/png' }).end(png);
    });
    await new Promise<void>((resolve) => tiles.listen(0, '127.0.0.1', resolve));
    hold('tile server', () => new Promise<void>((resolve) => tiles.close(() => resolve())));
    const port = (tiles.address() as AddressInfo).port;
    const withTiles = await startPlatform(testConfig(await tempDir(), { mapTileUrl: `http://127.0.0.1:${port}/tiles/{z}/{x}/{y}.png`, mapTileAttribution: '© Test tiles <b>&</b> co' }));
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    const net = await offline(page);
    await signIn(page, withTiles, await addUser(withTiles, 'viewer'));
    await page.waitForSelector('#map img.leaflet-tile-loaded');
    expect(asked.length).toBeGreaterThan(0);
    for (const path of asked) expect(path).toMatch(/^\/tiles\/\d{1,2}\/\d+\/\d+\.png$/);
    // the credit is shown as text, not markup
    await expect(page.locator('#map .leaflet-control-attribution').textContent()).resolves.toBe('© Test tiles <b>&</b> co');
    expect(net.blocked).toEqual([]);
    expect(net.failed).toEqual([]);
    await page.close();
  });
});
