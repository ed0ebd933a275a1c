import { test, expect } from '../support/fixtures';
import { signInAsAdmin, hydrated, openUsersTab, anActiveMember, rowOf, waitForMail, resetLinkIn, signIn, shot, MEMBER_PASSWORD } from '../support/console';

test.describe('Resetting User Passwords Individually', () => {
  test('From the User Management Screen: Three Dots → Reset Password → Yes, Reset Password', async ({ page }) => {
    await signInAsAdmin(page);
    await hydrated(page);
    await openUsersTab(page);
    const { name, email } = await anActiveMember(page);
    await shot(page, 'users-table');

    // Click on the Three Dots icon on the right side of the user.
    await rowOf(page, name).getByRole('button', { name: `More actions for ${name}` }).click();
    const menu = page.getByRole('menu');
    await expect(menu).toBeVisible();
    await shot(page, 'row-menu-open');
    // Choose Reset Password in the dropdown menu.
    await menu.getByRole('menuitem', { name: 'Reset Password' }).click();
    const dialog = page.getByRole('dialog', { name: `Reset password for ${name}?` });
    await expect(dialog).toBeVisible();
    await expect(dialog).toContainText('stops working immediately');
    await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused();
    await shot(page, 'row-reset-confirm');
    // Finally, click on the Yes, Reset Password button.
    await dialog.getByRole('button', { name: 'Yes, Reset Password' }).click();
    await expect(dialog).toBeHidden();
    await expect(rowOf(page, name)).toContainText('Reset pending');
    await expect(page.getByRole('status').filter({ hasText: `Password reset for ${name}` })).toBeVisible();
    await shot(page, 'row-reset-done');

    // The email went out over SMTP, naming who asked, with a link.
    const mail = await waitForMail(email, /reset/i);
    expect(mail.text).toContain('Ada Admin');
    expect(resetLinkIn(mail)).toMatch(/\/reset-password\//);

    // The activity is recorded where the admin reviews it.
    await rowOf(page, name).getByRole('link', { name }).click();
    await page.getByRole('tab', { name: 'Activity' }).click();
    await expect(page.getByRole('list', { name: 'Recent activity' })).toContainText('Password reset by admin');

    // The old password no longer signs in: the user is prompted to update it instead.
    await page.context().clearCookies();
    await signIn(page, email, MEMBER_PASSWORD);
    await expect(page.getByTestId('reset-prompt')).toContainText('Update your password');
    await expect(page).not.toHaveURL(/\/account/);
  });

  test('Resend Email from the row menu sends a new link and kills the old one', async ({ page }) => {
    await signInAsAdmin(page);
    await hydrated(page);
    const { name, email } = await anActiveMember(page, 1);
    await rowOf(page, name).getByRole('button', { name: `More actions for ${name}` }).click();
    await page.getByRole('menuitem', { name: 'Reset Password' }).click();
    await page.getByRole('button', { name: 'Yes, Reset Password' }).click();
    await expect(rowOf(page, name)).toContainText('Reset pending');
    const first = await waitForMail(email, /reset/i);

    const before = Date.now();
    await rowOf(page, name).getByRole('button', { name: `More actions for ${name}` }).click();
    await page.getByRole('menuitem', { name: 'Resend Email' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'previous link no longer works' })).toBeVisible();
    const second = await waitForMail(email, /reset/i, before);
    expect(resetLinkIn(second)).not.toEqual(resetLinkIn(first));

    await page.goto(resetLinkIn(first));
    await expect(page.getByRole('heading', { name: /no longer valid/ })).toBeVisible();
    // A replaced link points to the newest email; it offers no Resend Email that would do nothing.
    await expect(page.getByText('Use the link in the most recent email')).toBeVisible();
    await expect(page.getByRole('button', { name: 'Resend Email' })).toHaveCount(0);
  });
});
