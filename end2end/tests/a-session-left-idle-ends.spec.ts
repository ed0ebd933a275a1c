import { request } from '@playwright/test';

import { test, expect } from '../support/fixtures';
import { advanceClock, hydrated, shot, signInAsAdmin, ADMIN } from '../support/console';
import type { Page } from '@playwright/test';

/** Signs in on the sign-in page already open (keeping its address). */
async function signInHere(page: Page) {
  await page.getByLabel('Email').fill(ADMIN.email);
  await page.getByLabel('Password', { exact: true }).fill(ADMIN.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

// An admin leaves the console open on an unattended desk. A session ends after 30 minutes
// without a request (and 12 hours after it began, however busy): the next click lands on the
// sign-in page, which says why, signing in again goes back to the page the admin was on, and
// the cookie left behind opens nothing.
test('A console left idle for 30 minutes signs its admin out', async ({ page, context, baseURL, pageErrors }) => {
  await signInAsAdmin(page);
  await hydrated(page);
  const cookie = (await context.cookies()).find((c) => /session/.test(c.name));
  expect(cookie, 'a session cookie after signing in').toBeTruthy();

  // In use 29 minutes in: moving to Activity asks the server for its events.
  await advanceClock(baseURL!, 29);
  await page.getByRole('link', { name: 'Activity' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Activity' })).toBeVisible();
  await expect(page.locator('tbody tr').first()).toBeVisible();

  // Then left alone for 30 minutes, and the admin comes back to filter the activity.
  await advanceClock(baseURL!, 30);
  pageErrors.expect(/status of 401/);
  await page.getByLabel('Filter by kind').selectOption({ label: 'Signed in' });
  await expect(page).toHaveURL(/\/sign-in\?session=ended&next=%2Factivity%3F.*kind%3Dsigned_in(%26.*)?$/);
  await expect(page.getByTestId('session-ended')).toHaveText('Your session ended. Sign in again to continue.');
  await shot(page, 'session-ended');
  expect((await context.cookies()).find((c) => c.name === cookie!.name), 'the dead cookie is cleared').toBeUndefined();

  // The cookie, replayed from elsewhere, opens neither a page nor a server function.
  const replay = await request.newContext({
    baseURL,
    extraHTTPHeaders: { cookie: `${cookie!.name}=${cookie!.value}` },
  });
  const pageLoad = await replay.get('/users', { maxRedirects: 0, headers: { accept: 'text/html' } });
  expect(pageLoad.status()).toBe(302);
  expect(pageLoad.headers()['location']).toBe('/sign-in?session=ended&next=%2Fusers');
  const call = await replay.post('/api/whoami', { headers: { origin: baseURL! }, form: {} });
  expect(call.status()).toBe(401);
  expect(await call.text()).toContain('SessionEnded');
  await replay.dispose();

  // Signing in again goes back to where the admin was.
  await signInHere(page);
  await expect(page).toHaveURL(/\/activity\?.*kind=signed_in(&.*)?$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Activity' })).toBeVisible();
  await expect(page.getByLabel('Filter by kind')).toHaveValue('signed_in');
});

// The sign-in page goes back only to a page of this console: a crafted `next` is ignored.
test('Signing in never follows a next address off the console', async ({ page }) => {
  for (const next of ['https://evil.example/users', '//evil.example/users', '/sign-in']) {
    await page.context().clearCookies();
    await page.goto(`/sign-in?session=ended&next=${encodeURIComponent(next)}`);
    await signInHere(page);
    await expect(page).toHaveURL(/\/users$/);
  }
  // Nor when a script posts one itself.
  const posted = await page.request.post('/api/sign_in', {
    form: { email: ADMIN.email, password: ADMIN.password, next: 'https://evil.example/users' },
    headers: { origin: new URL(page.url()).origin },
    maxRedirects: 0,
  });
  expect(posted.ok()).toBeTruthy();
  expect(posted.headers()['location']).toBe('/users');
});

// Without JavaScript, the console's forms are plain posts: one sent after the session ended
// lands on the same sign-in page, and signing in there goes back to the form's page.
test('Without JavaScript, a form posted after the session ended comes back to its page', async ({ browser, baseURL }) => {
  const context = await browser.newContext({ javaScriptEnabled: false, baseURL });
  const page = await context.newPage();
  await page.goto('/sign-in');
  await signInHere(page);
  await expect(page).toHaveURL(/\/users/);
  await page.goto('/settings');
  await expect(page.getByRole('heading', { level: 1, name: 'Settings' })).toBeVisible();

  await advanceClock(baseURL!, 30);
  await page.getByLabel('Invitation lifetime (days)').fill('7');
  await page.getByRole('button', { name: 'Save' }).nth(1).click();
  await expect(page).toHaveURL(/\/sign-in\?session=ended&next=%2Fsettings$/);
  await expect(page.getByTestId('session-ended')).toHaveText('Your session ended. Sign in again to continue.');
  await shot(page, 'session-ended-no-js');

  await signInHere(page);
  await expect(page).toHaveURL(/\/settings$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Settings' })).toBeVisible();
  await context.close();
});
