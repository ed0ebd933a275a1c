import { test, expect } from '../support/fixtures';
import { signInAsAdmin, hydrated, shot } from '../support/console';

// Resets every member, so it runs after the other specs (a project of its own). All members,
// whatever their status, so there are always more than a page of them: the other specs have
// reset many already. The suspended are skipped, with the reason.
test.describe('Resetting User Passwords in Bulk', () => {
  test('"Select all N matching" works across pages', async ({ page }) => {
    await signInAsAdmin(page);
    await page.goto('/users?role=member');
    await hydrated(page);
    await page.getByRole('checkbox', { name: 'Select all users on this page' }).check();
    const selectAll = page.getByRole('button', { name: /Select all [\d,]+ matching/ });
    await expect(selectAll).toBeVisible();
    const total = Number((await selectAll.innerText()).match(/(\d[\d,]*)/)![1].replace(/,/g, ''));
    expect(total).toBeGreaterThan(25);
    // The console groups thousands ("1,040"): other specs may have imported many members.
    const shown = total.toLocaleString('en-US');
    await selectAll.click();
    await expect(page.locator('.selection-count')).toHaveText(`All ${shown} matching users selected`);
    await page.getByRole('button', { name: 'Actions for selected users' }).click();
    await page.getByRole('menuitem', { name: 'Reset Password' }).click();
    await expect(page.getByRole('dialog', { name: `Reset passwords for ${shown} users?` })).toBeVisible();
    await page.getByRole('button', { name: 'Yes, Reset Password' }).click();
    const done = page.getByRole('dialog', { name: 'Bulk password reset finished' });
    const summary = done.locator('.result-summary');
    await expect(summary).toContainText(/[\d,]+ reset · [\d,]+ skipped/);
    const [reset, skipped] = ((await summary.innerText()).match(/\d[\d,]*/g) ?? []).map((n) => Number(n.replace(/,/g, '')));
    expect(reset + skipped).toBe(total);
    expect(skipped, 'the suspended and the invited members').toBeGreaterThan(0);
    await expect(done).toContainText('The account is suspended.');
    await shot(page, 'bulk-all-matching');
    await done.getByRole('button', { name: 'Done' }).click();
    await page.goto('/users?role=member&status=active');
    await expect(page.locator('tbody')).toContainText('No users match');
  });
});
