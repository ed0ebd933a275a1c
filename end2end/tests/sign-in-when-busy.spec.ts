import { test, expect } from '../support/fixtures';
import { ADMIN, hydrated, shot } from '../support/console';

// Under a flood of sign-ins the server refuses what its hashing queue can't take with
// 503 "busy" at once (nothing judged, nothing counted). The sign-in page then tries again by
// itself, saying so, and gives up with a plain error only after a few tries. The flood is
// simulated in the browser: the first answers to the sign-in call are the server's own busy
// answer (status and body), the rest reach the real server.
test.describe('Sign-in when the server is busy', () => {
  test.use({ expectedPageErrors: /Failed to load resource: .* 503/ });
  const busy = { status: 503, contentType: 'application/json', headers: { 'retry-after': '1' }, body: JSON.stringify({ Busy: { retry_after_secs: 1 } }) };

  test('The page tries again by itself and signs in', async ({ page }) => {
    let refused = 0;
    await page.route('**/api/sign_in', async (route) => {
      if (refused < 2) {
        refused += 1;
        await route.fulfill(busy);
      } else {
        await route.continue();
      }
    });
    await page.goto('/sign-in');
    await hydrated(page);
    await page.getByLabel('Email').fill(ADMIN.email);
    await page.getByLabel('Password', { exact: true }).fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in' }).click();

    const notice = page.getByTestId('busy-retrying');
    await expect(notice).toHaveText('Orgdesk is busy right now. Trying again…');
    await shot(page, 'sign-in-busy-retrying');
    await expect(page).toHaveURL(/\/users/, { timeout: 15_000 });
    await expect(page.getByRole('heading', { name: 'User Management' })).toBeVisible();
    expect(refused).toBe(2);
  });

  test('After a few tries it stops and says so; the next submit starts again', async ({ page }) => {
    let calls = 0;
    await page.route('**/api/sign_in', async (route) => {
      calls += 1;
      await route.fulfill(busy);
    });
    await page.goto('/sign-in');
    await hydrated(page);
    await page.getByLabel('Email').fill(ADMIN.email);
    await page.getByLabel('Password', { exact: true }).fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in' }).click();

    const error = page.getByRole('alert').filter({ hasText: 'Orgdesk is busy right now. Please try again in a moment.' });
    await expect(error).toBeVisible({ timeout: 20_000 });
    await expect(page.getByTestId('busy-retrying')).toHaveCount(0);
    expect(calls).toBe(5); // the person's try and four of the page's
    await shot(page, 'sign-in-busy-gave-up');

    await page.unroute('**/api/sign_in');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page).toHaveURL(/\/users/);
  });
});
