import { expect, Locator, Page, APIRequestContext, request } from '@playwright/test';

import { DEMO_PASSWORD } from './demo';

/** The demo organization's accounts all share the password the config hands the server. */
export const ADMIN = { email: 'admin@acme.test', password: DEMO_PASSWORD };
export const MEMBER_PASSWORD = DEMO_PASSWORD;
const SINK = 'http://127.0.0.1:2580';

/** Signs in through the sign-in page, as a person would. */
export async function signIn(page: Page, email = ADMIN.email, password = ADMIN.password) {
  await page.goto('/sign-in');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

export async function signInAsAdmin(page: Page) {
  await signIn(page);
  await expect(page).toHaveURL(/\/users/);
  await expect(page.getByRole('heading', { name: 'User Management' })).toBeVisible();
}

/** Waits until the page's wasm has hydrated (buttons respond to clicks). */
export async function hydrated(page: Page) {
  await page.waitForFunction(() => (window as any).__orgdesk_hydrated === true, null, { timeout: 30_000 });
}

/**
 * Forgot your password?, on the page already open: asks for a link for `email`. The server
 * function answers with a redirect to `?sent=1`, which is a page load with the wasm as without
 * it, so this waits for that page before the caller goes anywhere else (a `goto` meanwhile is
 * interrupted by it).
 */
export async function askForResetLink(page: Page, email: string) {
  await page.getByLabel('Email').fill(email);
  await page.getByRole('button', { name: 'Send reset link' }).click();
  await expect(page).toHaveURL(/\/forgot-password\?sent=1$/);
  await expect(page.getByText('If an account exists for that address')).toBeVisible();
}

export type Mail = { to: string; subject: string; text: string; html: string; receivedAt: string };

/** Emails the app delivered over SMTP to the loopback sink, newest first. */
export async function mailsTo(to: string): Promise<Mail[]> {
  const ctx: APIRequestContext = await request.newContext();
  const res = await ctx.get(`${SINK}/messages?to=${encodeURIComponent(to)}`);
  const list = (await res.json()) as Mail[];
  await ctx.dispose();
  return list;
}

/** Waits for a new email to `to` whose subject matches, and returns it. */
export async function waitForMail(to: string, subject: RegExp, after = 0): Promise<Mail> {
  let found: Mail | undefined;
  await expect
    .poll(
      async () => {
        const list = await mailsTo(to);
        found = list.find((m) => subject.test(m.subject) && Date.parse(m.receivedAt) >= after);
        return !!found;
      },
      { timeout: 20_000, message: `an email to ${to} matching ${subject}` },
    )
    .toBe(true);
  return found!;
}

/** The reset link in an email's plain-text body. */
export function resetLinkIn(mail: Mail): string {
  const m = mail.text.match(/https?:\/\/\S+\/reset-password\/[A-Za-z0-9_-]+/);
  if (!m) throw new Error(`no reset link in: ${mail.text}`);
  return m[0];
}

/** The "Didn't expect this? Cancel the request" link in an email's plain-text body. */
export function cancelLinkIn(mail: Mail): string {
  const m = mail.text.match(/https?:\/\/\S+\/reset-password\/[A-Za-z0-9_-]+\/cancel/);
  if (!m) throw new Error(`no cancel link in: ${mail.text}`);
  return m[0];
}

/** Moves the server's test clock forward. */
export async function advanceClock(baseURL: string, minutes: number) {
  const ctx = await request.newContext();
  const res = await ctx.post(`${baseURL}/__test/clock?minutes=${minutes}`);
  expect(res.ok()).toBeTruthy();
  await ctx.dispose();
}

/** A member row in the Users Table with the given status, found by searching. */
export async function findUserRow(page: Page, name: string) {
  const search = page.getByRole('searchbox', { name: 'Search users by name or email' });
  await search.fill(name);
  const row = page.getByRole('row').filter({ has: page.getByRole('link', { name, exact: true }) });
  await expect(row).toHaveCount(1);
  return row;
}

/** Keeps a screenshot as an artifact under end2end/artifacts/screenshots/. */
export async function shot(page: Page, name: string) {
  // Dialogs fade in: finished at once, so the picture shows what stays on screen.
  await page.screenshot({ path: `artifacts/screenshots/${name}.png`, fullPage: false, animations: 'disabled' });
}

/** The first row of an active member, with its name and email. */
export async function anActiveMember(page: Page, skip = 0) {
  const rows = page.locator('tbody tr').filter({ hasText: 'Member' }).filter({ hasText: 'Active' });
  await expect(rows.first()).toBeVisible();
  const row = rows.nth(skip);
  const name = (await row.locator('.user-cell__name').innerText()).trim();
  const email = (await row.locator('.user-cell__email').innerText()).trim();
  return { name, email };
}

/** Every item of the open `menu` lies on the screen and is what a pointer at its centre hits:
 *  no frame it opened in cuts it off, and nothing covers it. */
export async function wholeOnScreen(page: Page, menu: Locator) {
  const items = menu.getByRole('menuitem');
  await expect(items.first()).toBeVisible();
  // It pops in: measured once it has.
  await menu.evaluate((el) => Promise.all(el.getAnimations().map((a) => a.finished)));
  const screen = page.viewportSize()!;
  for (const item of await items.all()) {
    const label = (await item.innerText()).trim();
    const box = (await item.boundingBox())!;
    const onScreen = box.x >= 0 && box.y >= 0 && box.x + box.width <= screen.width && box.y + box.height <= screen.height;
    expect(onScreen, `"${label}" lies off the screen`).toBe(true);
    const hit = await item.evaluate((el) => {
      const r = el.getBoundingClientRect();
      const at = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
      return at !== null && el.contains(at);
    });
    expect(hit, `"${label}" is cut off or covered`).toBe(true);
  }
}

export function rowOf(page: Page, name: string) {
  return page.locator('tbody tr').filter({ has: page.getByRole('link', { name, exact: true }) });
}

/** The seed's first two steps: menu on the left → Users, then the Users tab. */
export async function openUsersTab(page: Page) {
  await page.getByRole('navigation', { name: 'Admin Console' }).getByRole('link', { name: 'Users' }).click();
  await page.locator('.page-header').getByRole('link', { name: 'Users', exact: true }).click();
  await expect(page.getByRole('table', { name: 'Users' })).toBeVisible();
}
