import { BrowserContext, Page } from '@playwright/test';

import { test, expect } from '../support/fixtures';
import { hydrated, signInAsAdmin } from '../support/console';

// What a first visit costs in bytes on the wire, counted by Chromium itself (the DevTools
// protocol's encoded lengths: after compression, headers included), and what a repeat visit
// costs. The budgets are today's sizes plus a little, so growth fails here first.
// A landing on a public page loads its public module and nothing else (app/src/public.rs,
// decision 43). The Reset Password page has one to itself: 146 KB on 2026-11-29, from 269 KB with
// the console's main module and 450 KB when every page carried the console, so its budget is the
// issue's goal. A console page loads the console's module, one file for the whole console (372 KB
// on 2026-11-29, decision 45; 361 KB on 2026-12-02 without the asynchronous hydration, decision 80;
// the goal of 250 KB is not met: docs/performance.md has what is left).
const BUDGET = {
  resetPage: 150_000,
  users: 370_000,
  /** The account page, in its own module (decision 73): 147.5 KB on 2026-12-01, 156.8 KB with
   * the list of where you're signed in (decision 74), 148.1 KB without the asynchronous
   * hydration (decision 80) on 2026-12-02. */
  accountPage: 155_000,
  /** Time to interactive of the Reset Password page on a slow phone network (the goal). */
  resetPageInteractiveMs: 2_500,
};

type Transfer = { url: string; bytes: number; cached: boolean };

/** Records every response the page loads: URL, bytes over the wire, served from cache. */
async function recordTransfers(context: BrowserContext, page: Page) {
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  const urls = new Map<string, string>();
  const cached = new Set<string>();
  const done: Transfer[] = [];
  cdp.on('Network.requestWillBeSent', (e) => urls.set(e.requestId, e.request.url));
  cdp.on('Network.requestServedFromCache', (e) => cached.add(e.requestId));
  cdp.on('Network.responseReceived', (e) => {
    if (e.response.fromDiskCache) cached.add(e.requestId);
  });
  cdp.on('Network.loadingFinished', (e) =>
    done.push({ url: urls.get(e.requestId) ?? '?', bytes: e.encodedDataLength, cached: cached.has(e.requestId) }),
  );
  return {
    take(): Transfer[] {
      return done.splice(0, done.length);
    },
  };
}

const total = (list: Transfer[]) => list.reduce((n, t) => n + t.bytes, 0);
const wasm = (list: Transfer[]) => list.filter((t) => t.url.endsWith('.wasm'));
const kb = (n: number) => `${(n / 1000).toFixed(1)} KB`;

test.describe('Bytes on the wire', () => {
  test('the Reset Password page: compressed, within its budget, and a repeat visit loads no wasm', async ({ browser }) => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const transfers = await recordTransfers(context, page);

    const first = await page.goto('/reset-password/not-a-real-token');
    await hydrated(page);
    const firstVisit = transfers.take();
    console.log(`first visit, Reset Password page: ${kb(total(firstVisit))} in ${firstVisit.length} responses`);
    for (const t of firstVisit) console.log(`  ${kb(t.bytes)}  ${new URL(t.url).pathname}`);
    expect(total(firstVisit)).toBeLessThanOrEqual(BUDGET.resetPage);
    expect(wasm(firstVisit).map((t) => new URL(t.url).pathname), 'only the reset-password module').toEqual([
      expect.stringMatching(/^\/pkg\/[0-9a-f]{16}\/reset-password\.wasm$/),
    ]);
    // The page itself is never stored; the build's files are named by content, kept a year.
    expect(first?.headers()['cache-control']).toBe('no-store');
    const [wasmFile] = wasm(firstVisit);
    expect(wasmFile, 'the page loads its wasm').toBeTruthy();
    const wasmResponse = await context.request.get(wasmFile.url, { headers: { 'Accept-Encoding': 'gzip, br' } });
    expect(wasmResponse.headers()['content-encoding']).toBe('br');
    expect(wasmResponse.headers()['cache-control']).toBe('public, max-age=31536000, immutable');
    const gzipOnly = await context.request.get(wasmFile.url, { headers: { 'Accept-Encoding': 'gzip' } });
    expect(gzipOnly.headers()['content-encoding']).toBe('gzip');
    // What the wire carried is the compressed size, far below the module's.
    const raw = await context.request.get(wasmFile.url, { headers: { 'Accept-Encoding': 'identity' } });
    expect(raw.headers()['content-encoding']).toBeUndefined();
    expect(wasmFile.bytes).toBeLessThan((await raw.body()).length / 2);

    // Coming back: the HTML again, but not one byte of wasm.
    await page.goto('/reset-password/another-unknown-token');
    await hydrated(page);
    const repeat = transfers.take();
    console.log(`repeat visit: ${kb(total(repeat))}, wasm ${kb(total(wasm(repeat)))}`);
    expect(total(wasm(repeat).filter((t) => !t.cached))).toBe(0);
    await context.close();
  });

  test('sign-in loads the sign-in module and none of the console', async ({ browser }) => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const transfers = await recordTransfers(context, page);
    await page.goto('/sign-in');
    await hydrated(page);
    const firstVisit = transfers.take();
    console.log(`first visit, sign-in page: ${kb(total(firstVisit))} in ${firstVisit.length} responses`);
    expect(wasm(firstVisit).map((t) => new URL(t.url).pathname), 'only the sign-in module').toEqual([
      expect.stringMatching(/^\/pkg\/[0-9a-f]{16}\/sign-in\.wasm$/),
    ]);
    await context.close();
  });

  test('the Reset Password page on a slow network (150 ms RTT, 1.6 Mbit/s): interactive within its budget', async ({ browser }) => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 150,
      downloadThroughput: (1.6 * 1_000_000) / 8,
      uploadThroughput: (0.75 * 1_000_000) / 8,
    });
    const started = Date.now();
    await page.goto('/reset-password/not-a-real-token', { waitUntil: 'commit' });
    await hydrated(page);
    const interactive = Date.now() - started;
    console.log(`Reset Password page, 150 ms RTT at 1.6 Mbit/s: interactive after ${interactive} ms`);
    expect(interactive).toBeLessThanOrEqual(BUDGET.resetPageInteractiveMs);
    await context.close();
  });

  test('the account page, signed in: its own module, and none of the console', async ({ browser }) => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await signInAsAdmin(page);
    // A first visit of /account (where a member lands after signing in): empty cache, same session.
    const fresh = await browser.newContext({ storageState: await context.storageState() });
    const account = await fresh.newPage();
    const transfers = await recordTransfers(fresh, account);
    await account.goto('/account');
    await hydrated(account);
    const firstVisit = transfers.take();
    console.log(`first visit, account page: ${kb(total(firstVisit))} in ${firstVisit.length} responses`);
    expect(total(firstVisit)).toBeLessThanOrEqual(BUDGET.accountPage);
    expect(wasm(firstVisit).map((t) => new URL(t.url).pathname), 'only the account module').toEqual([
      expect.stringMatching(/^\/pkg\/[0-9a-f]{16}\/account\.wasm$/),
    ]);
    await fresh.close();
    await context.close();
  });

  test('the Users page, signed in: pages and answers gzipped, within its budget', async ({ browser }) => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await signInAsAdmin(page);
    await hydrated(page);
    // A first visit of /users by someone already signed in: empty cache, same session.
    const fresh = await browser.newContext({ storageState: await context.storageState() });
    const users = await fresh.newPage();
    const transfers = await recordTransfers(fresh, users);
    const response = await users.goto('/users');
    await hydrated(users);
    const firstVisit = transfers.take();
    console.log(`first visit, /users: ${kb(total(firstVisit))} in ${firstVisit.length} responses`);
    expect(total(firstVisit)).toBeLessThanOrEqual(BUDGET.users);
    // The console's module, and no other.
    expect(wasm(firstVisit).map((t) => new URL(t.url).pathname), 'only the console module').toEqual([
      expect.stringMatching(/^\/pkg\/[0-9a-f]{16}\/orgdesk\.wasm$/),
    ]);
    expect(response?.headers()['content-encoding']).toBe('gzip');
    // A server function's answer is compressed too: the search's page of users (the layer leaves
    // answers under 32 bytes alone, such as a count the page may be fetching meanwhile).
    const answered = users.waitForResponse(
      (r) =>
        r.url().endsWith('/api/list_users') && r.request().postDataJSON()?.query?.filter?.search === 'a',
    );
    await users.getByRole('searchbox', { name: 'Search users by name or email' }).fill('a');
    expect((await answered).headers()['content-encoding']).toBe('gzip');
    // The module has the whole console: moving to Activity and Settings loads no more wasm.
    await users.getByRole('link', { name: 'Activity' }).click();
    await expect(users.getByRole('heading', { level: 1, name: 'Activity' })).toBeVisible();
    await users.getByRole('link', { name: 'Settings' }).click();
    await expect(users.getByRole('heading', { level: 1, name: 'Settings' })).toBeVisible();
    expect(wasm(transfers.take())).toEqual([]);
    await fresh.close();
    await context.close();
  });
});
