import { request } from '@playwright/test';

import { test, expect } from '../support/fixtures';
import { hydrated, signIn, signInAsAdmin } from '../support/console';
import { DEMO_PASSWORD } from '../support/demo';

// Two people share a browser, and the second signs in over the first. The first person's
// session ends then: it does not stay valid on the server for hours behind a cookie the
// browser no longer shows.
test('Signing in over another account signs that account out', async ({ page, context, baseURL }) => {
  await signInAsAdmin(page);
  const first = (await context.cookies()).find((c) => /session/.test(c.name));
  expect(first, 'a session cookie after signing in').toBeTruthy();
  const asTheAdmin = await request.newContext({
    baseURL,
    extraHTTPHeaders: { cookie: `${first!.name}=${first!.value}`, accept: 'text/html' },
  });
  expect((await asTheAdmin.get('/users', { maxRedirects: 0 })).status()).toBe(200);

  await signIn(page, 'owner@acme.test', DEMO_PASSWORD);
  await expect(page).toHaveURL(/\/users/);
  const second = (await context.cookies()).find((c) => c.name === first!.name);
  expect(second?.value).toBeTruthy();
  expect(second!.value).not.toBe(first!.value);

  // The admin's cookie, replayed from elsewhere, no longer opens the console.
  const after = await asTheAdmin.get('/users', { maxRedirects: 0 });
  expect(after.status()).toBeGreaterThanOrEqual(300);
  expect(after.status()).toBeLessThan(400);
  expect(after.headers()['location']).toMatch(/\/sign-in/);
  await asTheAdmin.dispose();
});

// Signing out leaves the console: the sign-in page is a page load with its own module
// (app/src/routes.rs has no public pages), and the session is over.
test('Sign out from the console lands on the sign-in page, signed out', async ({ page }) => {
  await signInAsAdmin(page);
  await hydrated(page);
  const loaded: string[] = [];
  page.on('request', (r) => {
    if (r.url().endsWith('.wasm')) loaded.push(new URL(r.url()).pathname.split('/').pop()!);
  });
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/sign-in\?signed_out=1$/);
  await expect(page.getByRole('status').filter({ hasText: 'signed out' })).toBeVisible();
  await hydrated(page);
  expect(loaded).toEqual(['sign-in.wasm']);
  await page.goto('/users');
  await expect(page).toHaveURL(/\/sign-in/);
});

// An admin who opens their account page (a bookmark, the address bar) is offered the way back
// to the console, not told it is for administrators.
test('An admin on the account page is offered the Admin Console', async ({ page }) => {
  await signInAsAdmin(page);
  await page.goto('/account');
  await expect(page.getByRole('heading', { name: 'Hi, Ada Admin' })).toBeVisible();
  await expect(page.getByText("The Admin Console is for your organization's administrators.")).toHaveCount(0);
  await page.getByRole('link', { name: 'Open the Admin Console' }).click();
  await expect(page).toHaveURL(/\/users/);
  await expect(page.getByRole('heading', { name: 'User Management' })).toBeVisible();
});
