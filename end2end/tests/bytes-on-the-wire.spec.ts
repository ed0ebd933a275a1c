import { BrowserContext, Page } from '@playwright/test';

import { test, expect } from '../support/fixtures';
import { hydrated, signInAsAdmin } from '../support/console';

// What a first visit costs in bytes on the wire, counted by Chromium itself (the DevTools
// protocol's encoded lengths: after compression, headers included), and what a repeat visit
// costs. The budgets are today's sizes plus a little, so growth fails here first; the goals
// of the "Fast first visit" issue (Reset Password page ≤ 150 KB, /users ≤ 250 KB) need the
// console split from the pages everyone lands on, which is not done yet (docs/performance.md).
// Raised by 25 KB on 2026-11-28 for Settings → API tokens and Webhooks (+16 KB brotli of wasm):
// without code splitting every page carries the whole console.
const BUDGET = {
  resetPage: 475_000,
  users: 480_000,
  /** Time to interactive of the Reset Password page on a slow phone network (goal: 2.5 s). */
  resetPageInteractiveMs: 3_200,
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
    // The page itself is never stored; the build's files are named by content, kept a year.
    expect(first?.headers()['cache-control']).toBe('no-store');
    const [wasmFile] = wasm(firstVisit);
    expect(wasmFile, 'the page loads its wasm').toBeTruthy();
    expect(new URL(wasmFile.url).pathname).toMatch(/^\/pkg\/orgdesk\.[0-9a-f]{16}\.wasm$/);
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
    expect(response?.headers()['content-encoding']).toBe('gzip');
    // A server function's answer is compressed too.
    const answered = users.waitForResponse((r) => r.url().includes('/api/') && r.request().method() === 'POST');
    await users.getByRole('searchbox', { name: 'Search users by name or email' }).fill('a');
    expect((await answered).headers()['content-encoding']).toBe('gzip');
    await fresh.close();
    await context.close();
  });
});
