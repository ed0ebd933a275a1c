import { test, expect } from '../support/fixtures';
import { signInAsAdmin, hydrated, shot } from '../support/console';

// A panic in the browser build must not leave a silently dead page. The release build traps
// at once on a panic (immediate-abort, decision 35); the page's crash report shows a
// "Something went wrong — reload" banner and reports the trap to the server.
test.describe('The console survives the unexpected', () => {
  test.use({ expectedPageErrors: /unreachable/ });

  test('A panic shows the reload banner and is reported to the server', async ({ page, pageErrors }) => {
    await signInAsAdmin(page);
    await hydrated(page);

    const reported = page.waitForRequest((r) => r.url().endsWith('/client-panic') && r.method() === 'POST');
    await page.evaluate(() => setTimeout(() => (window as any).__orgdesk_panic(), 0));

    const banner = page.getByRole('alert').filter({ hasText: 'Something went wrong' });
    await expect(banner).toBeVisible();
    await shot(page, 'panic-banner');
    const report = await reported;
    const text = report.postData() ?? '';
    expect(text).toContain('RuntimeError: unreachable');
    expect(text).toContain('page: /users');
    expect((await report.response())?.status()).toBe(204);
    expect(pageErrors.seen().some((e) => /unreachable/.test(e))).toBe(true);

    // Reload brings a working console back.
    await banner.getByRole('link', { name: 'Reload' }).click();
    await hydrated(page);
    await expect(page.getByRole('heading', { name: 'User Management' })).toBeVisible();
    await expect(page.getByRole('alert').filter({ hasText: 'Something went wrong' })).toHaveCount(0);
  });
});
