// The API explorer in Debian's chromium with every request off this server refused,
// as in a control room with no internet: it lists every operation of /openapi.json,
// and "Try it out" calls the API with the session of the dashboard's login.
import type { Browser } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Platform } from '../../services/platform.ts';
import { addUser, baseUrl, client, signIn, tokenFor } from '../helpers/auth.ts';
import { browserAvailable, launchBrowser } from '../helpers/browser.ts';
import { startPlatform, tempDir, testConfig } from '../helpers/platform.ts';

describe.runIf(browserAvailable())('API explorer in chromium', () => {
  let platform: Platform;
  let browser: Browser;

  beforeAll(async () => {
    platform = await startPlatform(testConfig(await tempDir()));
    browser = await launchBrowser();
  });

  it('lists every operation offline and calls the API with the logged-in session', async () => {
    const doc = (await (await client(platform, await tokenFor(platform))('/openapi.json')).json()) as { paths: Record<string, Record<string, { operationId: string; tags: string[] }>> };
    const operations = Object.values(doc.paths).flatMap((ops) => Object.values(ops));
    const name = await addUser(platform, 'viewer');
    const page = await browser.newPage();
    const elsewhere: string[] = [];
    await page.route('**/*', (route) => {
      if (new URL(route.request().url()).origin === baseUrl(platform)) return route.continue();
      elsewhere.push(route.request().url());
      return route.abort();
    });
    await signIn(page, platform, name);
    await page.goto(`${baseUrl(platform)}/api/docs`);
    await page.locator('.opblock').first().waitFor();
    expect(await page.locator('.opblock').count()).toBe(operations.length);

    const me = operations.find((o) => o.operationId === 'getApiMe')!;
    const block = page.locator(`#operations-${me.tags[0]}-getApiMe`);
    await block.locator('.opblock-summary').click();
    await block.locator('button.try-out__btn').click();
    await block.locator('button.execute').click();
    await expect.poll(() => block.locator('.live-responses-table tr.response .response-col_status').first().textContent()).toContain('200');
    expect(await block.locator('.live-responses-table tr.response .response-col_description').first().textContent()).toContain(name);
    expect(elsewhere).toEqual([]);
    await page.close();
  });
});
