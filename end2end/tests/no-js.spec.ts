import { test, expect } from '../support/fixtures';
import { signIn, shot, ADMIN, MEMBER_PASSWORD } from '../support/console';

// JavaScript off: the server render alone must carry these pages.
test.describe('before the wasm arrives', () => {
  test('an admin signs in and sees the Users Table rendered on the server', async ({ page }) => {
    await signIn(page);
    await expect(page).toHaveURL(/\/users/);
    await expect(page.getByRole('heading', { name: 'User Management' })).toBeVisible();
    await expect(page.getByRole('table', { name: 'Users' })).toContainText(ADMIN.email);
    await expect(page.locator('tbody tr')).toHaveCount(25);
    await shot(page, 'no-js-users');
    // Search is a plain form.
    await page.getByRole('searchbox', { name: 'Search users by name or email' }).fill('admin@acme.test');
    await page.keyboard.press('Enter');
    await expect(page.locator('tbody tr')).toHaveCount(1);
  });

  test('a wrong password gets a clear error, and anonymous visitors are sent to sign in', async ({ page }) => {
    await signIn(page, ADMIN.email, 'not-the-password');
    await expect(page.getByRole('alert')).toContainText("don't match an account");
    await shot(page, 'no-js-sign-in-error');
    await page.context().clearCookies();
    const res = await page.goto('/users');
    await expect(page).toHaveURL(/\/sign-in/);
    expect(res?.ok()).toBeTruthy();
  });

  test('after an admin reset, signing in with the old password shows the prompt, with the address from the sign-in', async ({ page, browser, baseURL }) => {
    await signIn(page);
    await expect(page).toHaveURL(/\/users/);
    // From the end of the alphabet: the other specs take their members from its start, and
    // may have set new passwords for them.
    await page.getByRole('columnheader', { name: 'Name' }).locator('a.sort').click();
    await expect(page.getByRole('columnheader', { name: 'Name' })).toHaveAttribute('aria-sort', 'descending');
    const row = page.locator('tbody tr').filter({ hasText: 'Member' }).filter({ hasText: 'Active' }).first();
    const id = Number(await row.getAttribute('data-user-id'));
    const email = (await row.locator('.user-cell__email').innerText()).trim();
    const reset = await page.request.post('/api/admin_reset_passwords', {
      headers: { 'content-type': 'application/json', origin: baseURL! },
      data: { users: [id] },
    });
    expect(reset.ok()).toBeTruthy();

    // The member, in a browser of their own, without JavaScript.
    const theirs = await browser.newContext({ javaScriptEnabled: false, baseURL });
    const member = await theirs.newPage();
    await signIn(member, email, MEMBER_PASSWORD);
    await expect(member).toHaveURL(/\/sign-in\?prompt=reset$/);
    await expect(member.getByTestId('reset-prompt')).toContainText('Update your password to continue.');
    await expect(member.getByTestId('reset-prompt')).toContainText(email);
    await shot(member, 'no-js-reset-prompt');
    await theirs.close();
  });

  test('a member is refused the console by the server', async ({ page, request }) => {
    const res = await request.post('/api/list_users', {
      headers: { 'content-type': 'application/json' },
      data: { query: { filter: { search: null, status: null, role: null }, sort: 'Name', descending: false, page: 1, per_page: 25 } },
    });
    expect(res.status()).toBe(401);
    await page.goto('/forgot-password');
    await expect(page.getByRole('heading', { name: 'Forgot your password?' })).toBeVisible();
  });
});
