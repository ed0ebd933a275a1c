import { test, expect } from '../support/fixtures';
import { ADMIN, hydrated, shot } from '../support/console';

// Under a flood of sign-ins the server refuses what its hashing slots can't take with
// 503 "busy" at once (nothing judged, nothing counted), with a hint of about one hash's time.
// The sign-in page then tries again by itself, saying so, each wait about twice the one before
// (orgdesk_types::busy), and gives up with a plain error only after ten tries. The flood is
// simulated in the browser: the first answers to the sign-in call are the server's own busy
// answer (status and body), the rest reach the real server.
test.describe('Sign-in when the server is busy', () => {
  test.use({ expectedPageErrors: /Failed to load resource: .* 503/ });
  const busy = (hintMs: number) => ({
    status: 503,
    contentType: 'application/json',
    headers: { 'retry-after': '1' },
    body: JSON.stringify({ Busy: { retry_after_ms: hintMs } }),
  });

  test('The page tries again by itself and signs in', async ({ page }) => {
    let refused = 0;
    await page.route('**/api/sign_in', async (route) => {
      if (refused < 2) {
        refused += 1;
        // A slow server's hint: long enough to see the page say it is trying again.
        await route.fulfill(busy(1_500));
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
    const sent: number[] = [];
    await page.route('**/api/sign_in', async (route) => {
      calls += 1;
      sent.push(Date.now());
      await route.fulfill(busy(20));
    });
    await page.goto('/sign-in');
    await hydrated(page);
    await page.getByLabel('Email').fill(ADMIN.email);
    await page.getByLabel('Password', { exact: true }).fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in' }).click();

    const error = page.getByRole('alert').filter({ hasText: 'Orgdesk is busy right now. Please try again in a moment.' });
    await expect(error).toBeVisible({ timeout: 20_000 });
    await expect(page.getByTestId('busy-retrying')).toHaveCount(0);
    expect(calls).toBe(11); // the person's try and ten of the page's
    // Each wait at least half of the hint doubled per retry (capped at 2 s): 10, 20, 40 … ms.
    const waits = sent.slice(1).map((at, i) => at - sent[i]);
    waits.forEach((wait, retry) => expect(wait).toBeGreaterThanOrEqual(Math.min(10 << retry, 1_000)));
    expect(waits.reduce((a, b) => a + b, 0)).toBeLessThan(15_000);
    await shot(page, 'sign-in-busy-gave-up');

    await page.unroute('**/api/sign_in');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page).toHaveURL(/\/users/);
  });
});
