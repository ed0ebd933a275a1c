import { test, expect } from '../support/fixtures';
import { signInAsAdmin, hydrated, openUsersTab, rowOf, waitForMail, shot } from '../support/console';

test.describe('Resetting User Passwords in Bulk', () => {
  test('Select the boxes → Three Dots at the top right of the Users Table → Reset Password', async ({ page }) => {
    await signInAsAdmin(page);
    await hydrated(page);
    await openUsersTab(page);

    // Only members who are still active, so the outcome is predictable.
    await page.getByRole('combobox', { name: 'Filter by role' }).selectOption('member');
    await page.getByRole('combobox', { name: 'Filter by status' }).selectOption('active');
    await expect(page).toHaveURL(/status=active/);
    const rows = page.locator('tbody tr');
    await expect(rows.first()).toContainText('Active');
    const picked: { name: string; email: string }[] = [];
    for (let i = 0; i < 3; i++) {
      const row = rows.nth(i);
      picked.push({
        name: (await row.locator('.user-cell__name').innerText()).trim(),
        email: (await row.locator('.user-cell__email').innerText()).trim(),
      });
      // Select the boxes next to the users.
      await row.getByRole('checkbox').check();
    }
    await expect(page.locator('.selection-count')).toHaveText('3 selected');
    await shot(page, 'bulk-selected');

    // Click on the Three Dots icon that appears at the top right of the Users Table.
    await page.getByRole('button', { name: 'Actions for selected users' }).click();
    // Select Reset Password from the dropdown menu.
    await page.getByRole('menuitem', { name: 'Reset Password' }).click();
    const confirm = page.getByRole('dialog', { name: 'Reset passwords for 3 users?' });
    await expect(confirm).toBeVisible();
    await shot(page, 'bulk-confirm');
    await confirm.getByRole('button', { name: 'Yes, Reset Password' }).click();

    const result = page.getByRole('dialog', { name: 'Bulk password reset finished' });
    await expect(result).toContainText('3 reset');
    await expect(result).toContainText('0 skipped');
    await shot(page, 'bulk-result');
    await result.getByRole('button', { name: 'Done' }).click();

    for (const p of picked) await waitForMail(p.email, /reset/i);
    await page.getByRole('combobox', { name: 'Filter by status' }).selectOption('reset_pending');
    for (const p of picked) await expect(rowOf(page, p.name)).toContainText('Reset pending');
  });

  test('A bulk reset skips what may not be reset, and says why', async ({ page }) => {
    await signInAsAdmin(page);
    await hydrated(page);
    // The admins, the signed-in one among them: nobody resets themselves through the admin path.
    await page.goto('/users?role=admin');
    await hydrated(page);
    const header = page.getByRole('checkbox', { name: 'Select all users on this page' });
    await header.check();
    await expect(page.locator('.selection-count')).toContainText('selected');
    await page.getByRole('button', { name: 'Actions for selected users' }).click();
    await page.getByRole('menuitem', { name: 'Reset Password' }).click();
    await page.getByRole('button', { name: 'Yes, Reset Password' }).click();
    const result = page.getByRole('dialog', { name: 'Bulk password reset finished' });
    await expect(result).toContainText('skipped');
    await expect(result).toContainText("can't reset your own password");
    await shot(page, 'bulk-skipped');
    await result.getByRole('button', { name: 'Done' }).click();

  });

  test('Someone already sent five links in a quarter of an hour is skipped, and the summary says why', async ({ page }) => {
    await signInAsAdmin(page);
    // A member no other spec picks. After the first reset each one only mails a new link,
    // which counts against what Resend Email allows a person: five in 15 minutes.
    const resetAgain = async () => {
      await page.goto('/users?q=Fischer');
      await hydrated(page);
      await rowOf(page, 'Nora Fischer').getByRole('checkbox').check();
      await page.getByRole('button', { name: 'Actions for selected users' }).click();
      await page.getByRole('menuitem', { name: 'Reset Password' }).click();
      await page.getByRole('button', { name: 'Yes, Reset Password' }).click();
      return page.getByRole('dialog', { name: 'Bulk password reset finished' });
    };
    for (let i = 0; i < 5; i++) {
      const result = await resetAgain();
      await expect(result.locator('.result-summary')).toContainText('1 reset · 0 skipped');
      await result.getByRole('button', { name: 'Done' }).click();
    }
    const sixth = await resetAgain();
    await expect(sixth.locator('.result-summary')).toContainText('0 reset · 1 skipped');
    await expect(sixth).toContainText('Nora Fischer');
    await expect(sixth).toContainText('they were sent several links in the last few minutes');
    await shot(page, 'bulk-too-many-links');
    await sixth.getByRole('button', { name: 'Done' }).click();
  });
});
