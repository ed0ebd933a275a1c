import { test, expect } from '../support/fixtures';
import { signInAsAdmin, hydrated, openUsersTab, anActiveMember, rowOf, waitForMail, shot } from '../support/console';

test.describe('Resetting User Passwords Individually', () => {
  test("In a Specific User's Profile: sidebar Three Dots → Reset Password → Yes, Reset Password", async ({ page }) => {
    await signInAsAdmin(page);
    await hydrated(page);
    await openUsersTab(page);
    const { name, email } = await anActiveMember(page, 2);

    // Click on the name of the user: a sidebar opens on the right with Details, Assets, Activity.
    await rowOf(page, name).getByRole('link', { name }).click();
    const sidebar = page.getByRole('dialog', { name, exact: true });
    await expect(sidebar).toBeVisible();
    for (const tab of ['Details', 'Assets', 'Activity']) {
      await expect(sidebar.getByRole('tab', { name: tab })).toBeVisible();
    }
    await expect(page).toHaveURL(/user=\d+/);
    await sidebar.getByRole('tab', { name: 'Assets' }).click();
    await expect(page).toHaveURL(/tab=assets/);
    await shot(page, 'profile-assets');
    await sidebar.getByRole('tab', { name: 'Activity' }).click();
    await expect(sidebar.getByRole('list', { name: 'Recent activity' })).toBeVisible();
    await shot(page, 'profile-activity');

    // The URL reflects the open user and tab: reload keeps them.
    await page.reload();
    await hydrated(page);
    await expect(page.getByRole('dialog', { name, exact: true })).toBeVisible();
    await expect(page.getByRole('tab', { name: 'Activity' })).toHaveAttribute('aria-selected', 'true');

    // In the sidebar, click on the Three Dots icon in the upper right corner.
    await page.getByRole('dialog', { name, exact: true }).getByRole('button', { name: `More actions for ${name}` }).click();
    await page.getByRole('menuitem', { name: 'Reset Password' }).click();
    const confirm = page.getByRole('dialog', { name: `Reset password for ${name}?` });
    await expect(confirm).toBeVisible();
    await shot(page, 'profile-reset-confirm');
    await confirm.getByRole('button', { name: 'Yes, Reset Password' }).click();
    await expect(confirm).toBeHidden();

    const sidebarAgain = page.getByRole('dialog', { name, exact: true });
    await expect(sidebarAgain).toContainText('Reset pending');
    await expect(sidebarAgain.getByRole('list', { name: 'Recent activity' })).toContainText('Password reset by admin');
    await waitForMail(email, /reset/i);
    await shot(page, 'profile-reset-done');

    // Escape closes the sidebar and returns focus to the name that opened it.
    await page.keyboard.press('Escape');
    await expect(page.getByRole('dialog', { name, exact: true })).toBeHidden();
    await expect(rowOf(page, name).getByRole('link', { name })).toBeFocused();
  });
});
