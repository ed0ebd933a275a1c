import { request } from '@playwright/test';

import { test, expect } from '../support/fixtures';
import { advanceClock, hydrated, shot, signIn, signInAsAdmin } from '../support/console';

// An admin leaves the console open on an unattended desk. A session ends after 30 minutes
// without a request (and 12 hours after it began, however busy): the next click lands on the
// sign-in page, which says why, and the cookie left behind opens nothing.
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

  // Then left alone for 30 minutes.
  await advanceClock(baseURL!, 30);
  pageErrors.expect(/status of 401/);
  await page.getByRole('link', { name: 'Users' }).click();
  await expect(page).toHaveURL(/\/sign-in\?session=ended$/);
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
  expect(pageLoad.headers()['location']).toBe('/sign-in?session=ended');
  const call = await replay.post('/api/whoami', { headers: { origin: baseURL! }, form: {} });
  expect(call.status()).toBe(401);
  expect(await call.text()).toContain('SessionEnded');
  await replay.dispose();

  // Signing in again opens the console.
  await signIn(page);
  await expect(page).toHaveURL(/\/users/);
  await expect(page.getByRole('heading', { name: 'User Management' })).toBeVisible();
});
