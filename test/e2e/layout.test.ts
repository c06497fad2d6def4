// The control room's layout with the device panel and the incident view open,
// together and alone, at 1280×720, 1600×1000 and 2560×1440 (wall mode), in Debian's
// chromium, judged by bounding boxes, not pixels: the page does not scroll, every
// part is inside the viewport, the incident column, the view, the map and the
// device panel do not overlap, no text runs out of its panel, the critical incident
// is in full view (1280×720 included), and on the wall neither the incident view nor
// the device panel needs a scrollbar.
import type { Browser, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Platform } from '../../services/platform.ts';
import { addUser, signIn } from '../helpers/auth.ts';
import { browserAvailable, launchBrowser } from '../helpers/browser.ts';
import { connectDevice } from '../helpers/mqtt.ts';
import { startPlatform, tempDir, testConfig } from '../helpers/platform.ts';

interface Box {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

interface Report {
  viewport: { width: number; height: number };
  scroll: { width: number; height: number };
  wall: boolean;
  boxes: Record<keyof typeof PARTS, Box | null>;
  /** elements whose box runs out of their part's box, or whose text is cut without an ellipsis */
  spill: string[];
  /** parts that need a scrollbar of their own */
  scrolls: string[];
}

const PARTS = { header: 'header', incidents: '#incidents', critical: '#incident-list li.incident.sev-critical', view: '#view', map: '#map-panel', panel: '#device-panel', kpis: '#kpis', tiles: '#tiles' } as const;

/** Where the page's parts are, measured in the page. */
function measure(page: Page): Promise<Report> {
  return page.evaluate((parts): Report => {
    const visible = (el: Element | null): el is HTMLElement => !!el && (el as HTMLElement).offsetParent !== null && getComputedStyle(el).visibility !== 'hidden';
    const box = (el: Element): Box => {
      const r = el.getBoundingClientRect();
      return { left: r.left, top: r.top, right: r.right, bottom: r.bottom };
    };
    const boxes: Record<string, Box | null> = {};
    for (const [name, sel] of Object.entries(parts)) {
      const el = document.querySelector(sel);
      boxes[name] = visible(el) ? box(el) : null;
    }
    const spill: string[] = [];
    const scrolls: string[] = [];
    const name = (el: Element) => `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${el.className && typeof el.className === 'string' ? `.${el.className.trim().split(/\s+/).join('.')}` : ''} "${(el.textContent ?? '').trim().slice(0, 40)}"`;
    for (const sel of ['#incidents', '#view', '#device-panel']) {
      const part = document.querySelector(sel);
      if (!visible(part)) continue;
      const p = box(part);
      if (part.scrollHeight > part.clientHeight + 1) scrolls.push(sel);
      for (const el of part.querySelectorAll('*')) {
        if (!visible(el) || el.closest('canvas, svg')) continue;
        const b = box(el);
        if (b.right - b.left === 0) continue;
        // sideways only: a part may scroll down (not on the wall), never sideways
        if (b.left < p.left - 1 || b.right > p.right + 1) spill.push(`${sel}: ${name(el)} at ${Math.round(b.left)}..${Math.round(b.right)} outside ${Math.round(p.left)}..${Math.round(p.right)}`);
        const cs = getComputedStyle(el);
        // text cut without an ellipsis (an ellipsis is a choice, with the whole text in a title or nearby)
        if (el.scrollWidth > el.clientWidth + 1 && cs.overflowX === 'hidden' && cs.textOverflow !== 'ellipsis' && el.children.length === 0) spill.push(`${sel}: ${name(el)} cut (${el.scrollWidth} > ${el.clientWidth})`);
      }
    }
    // the wall shows every indicator and every tile's headline whole
    if (document.documentElement.classList.contains('wall')) {
      const strip = document.querySelector('#kpis');
      if (visible(strip) && strip.scrollWidth > strip.clientWidth + 1) scrolls.push('#kpis (sideways)');
      for (const h of document.querySelectorAll('#tiles .tile .headline')) if (visible(h) && h.scrollWidth > h.clientWidth + 1) spill.push(`#tiles: ${name(h)} cut (${h.scrollWidth} > ${h.clientWidth})`);
    }
    return {
      viewport: { width: innerWidth, height: innerHeight },
      scroll: { width: document.documentElement.scrollWidth, height: document.documentElement.scrollHeight },
      wall: document.documentElement.classList.contains('wall'),
      boxes: boxes as Report['boxes'],
      spill,
      scrolls,
    };
  }, PARTS);
}

const overlap = (a: Box, b: Box) => Math.min(a.right, b.right) - Math.max(a.left, b.left) > 0.5 && Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 0.5;
const inside = (a: Box, b: Box) => a.left >= b.left - 0.5 && a.top >= b.top - 0.5 && a.right <= b.right + 0.5 && a.bottom <= b.bottom + 0.5;

/** What must hold whatever is open. */
function check(r: Report, open: { view: boolean; panel: boolean }): void {
  const screen: Box = { left: 0, top: 0, right: r.viewport.width, bottom: r.viewport.height };
  const b = r.boxes;
  expect(r.scroll, 'the page does not scroll').toEqual(r.viewport);
  expect(r.wall).toBe(r.viewport.width >= 2400);
  for (const part of ['header', 'incidents', 'map', 'critical'] as const) {
    expect(b[part], `${part} shown`).not.toBeNull();
    expect(inside(b[part]!, screen), `${part} inside the viewport`).toBe(true);
  }
  // the critical incident in full view in its column
  expect(inside(b.critical!, b.incidents!), 'the critical incident in the incident column').toBe(true);
  expect(b.view !== null, 'the incident view shown').toBe(open.view);
  expect(b.panel !== null, 'the device panel shown').toBe(open.panel);
  const apart: [string, Box | null][] = [['incidents', b.incidents], ['map', b.map], ['view', b.view], ['tiles', open.view ? null : b.tiles], ['kpis', open.view ? null : b.kpis]];
  for (let i = 0; i < apart.length; i++)
    for (let j = i + 1; j < apart.length; j++) {
      const [na, ba] = apart[i]!;
      const [nb, bb] = apart[j]!;
      if (ba && bb) expect(overlap(ba, bb), `${na} and ${nb} overlap`).toBe(false);
    }
  if (b.view) expect(inside(b.view, screen), 'the view inside the viewport').toBe(true);
  if (b.panel) {
    // over the map's right side, and nothing else
    expect(inside(b.panel, b.map!), 'the device panel over the map').toBe(true);
    expect(overlap(b.panel, b.incidents!), 'device panel and incidents').toBe(false);
    if (b.view) expect(overlap(b.panel, b.view), 'device panel and view').toBe(false);
  }
  expect(r.spill, 'nothing runs out of its part sideways, no text cut without an ellipsis').toEqual([]);
  if (r.wall) expect(r.scrolls, 'on the wall, nothing needs a scrollbar').toEqual([]);
}

describe.runIf(browserAvailable())('layout with the device panel and the incident view, in chromium', () => {
  let platform: Platform;
  let browser: Browser;
  let operator: string;

  beforeAll(async () => {
    platform = await startPlatform(testConfig(await tempDir()));
    browser = await launchBrowser();
    operator = await addUser(platform, 'operator', { name: 'layout-op' });
    // a feeder at 0 V: a critical power outage, its device on the map
    const device = await connectDevice(platform);
    const base = 'city/temirtau/utilities/aktau/power-feeder/pf-layout-1';
    await device.publishAsync(`${base}/status`, JSON.stringify({ state: 'online', location: [50.117, 73.01] }), { qos: 1, retain: true });
    const t0 = Date.now() - 60_000;
    for (let i = 0; i <= 4; i++) await device.publishAsync(`${base}/telemetry`, JSON.stringify({ ts: t0 + i * 10_000, metrics: { voltage: 0, load: 0 } }), { qos: 1 });
    await device.endAsync();
  });

  for (const [width, height] of [[1280, 720], [1600, 1000], [2560, 1440]] as const) {
    it(`lays out the incident view and the device panel, together and alone, at ${width}x${height}`, async () => {
      const page = await browser.newPage({ viewport: { width, height } });
      await signIn(page, platform, operator);
      const item = page.locator('#incident-list li.incident.sev-critical', { hasText: 'pf-layout-1' });
      await item.waitFor();
      const settled = () => page.waitForFunction(() => !document.querySelector('#map .leaflet-zoom-anim, #map .leaflet-cluster-anim'));

      // the incident view alone (its evidence charts drawn)
      await item.locator('.title').click();
      await page.locator('#view .incident-view figure canvas').first().waitFor();
      const marker = page.locator('#map .device.highlight[data-device="pf-layout-1"]');
      await marker.waitFor();
      await settled();
      check(await measure(page), { view: true, panel: false });

      // together: the device clicked on the map beside the incident view
      await marker.click();
      await page.locator('#device-panel[data-device="pf-layout-1"] figure canvas').first().waitFor();
      check(await measure(page), { view: true, panel: true });

      // the device panel alone: the incident view closed
      await page.locator('#view button[data-action="close"]').click();
      await page.locator('#view').waitFor({ state: 'hidden' });
      await settled();
      if (!(await page.locator('#device-panel').isVisible())) {
        await marker.click();
        await page.locator('#device-panel[data-device="pf-layout-1"]').waitFor();
      }
      check(await measure(page), { view: false, panel: true });
      await page.close();
    });
  }
});
