import { test, expect } from '../support/fixtures';
import { Locator, Page } from '@playwright/test';
import { ADMIN, hydrated, waitForMail, shot } from '../support/console';

// The seed's three ways to reset a password, walked with the keyboard alone: Tab, Enter, Space,
// arrows and Escape. No clicks, no `fill`, no `focus()`. The shared fixture fails the walk on
// any page or console error (the bulk path used to panic the wasm when its menu unmounted).

/** Presses Tab (or Shift+Tab) until `target` has focus; fails if it never does. */
async function tabTo(page: Page, target: Locator, { backwards = false, max = 80 } = {}) {
  for (let i = 0; i < max; i++) {
    if (await target.evaluate((el) => el === document.activeElement).catch(() => false)) return;
    await page.keyboard.press(backwards ? 'Shift+Tab' : 'Tab');
  }
  await expect(target, `reachable with ${backwards ? 'Shift+' : ''}Tab`).toBeFocused();
}

/** In an open menu (focus on its first item), arrows down to the item named `name`. */
async function arrowTo(page: Page, name: string) {
  const item = page.getByRole('menuitem', { name });
  await expect(page.getByRole('menu')).toBeVisible();
  for (let i = 0; i < 8; i++) {
    if (await item.evaluate((el) => el === document.activeElement)) return;
    await page.keyboard.press('ArrowDown');
  }
  await expect(item).toBeFocused();
}

/** Answers the confirmation dialog: focus starts on Cancel, Tab moves to Yes. */
async function confirmWithKeyboard(page: Page, title: string | RegExp) {
  const dialog = page.getByRole('dialog', { name: title });
  await expect(dialog).toBeVisible();
  await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(dialog.getByRole('button', { name: 'Yes, Reset Password' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(dialog).toBeHidden();
}

async function signInWithKeyboard(page: Page) {
  await page.goto('/sign-in');
  await hydrated(page);
  await tabTo(page, page.getByLabel('Email'));
  await page.keyboard.type(ADMIN.email);
  await page.keyboard.press('Tab');
  await expect(page.getByLabel('Password', { exact: true })).toBeFocused();
  await page.keyboard.type(ADMIN.password);
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: 'User Management' })).toBeVisible();
  await hydrated(page);
}

/** Menu on the left → Users, then the Users tab, by keyboard. */
async function usersTabWithKeyboard(page: Page) {
  await tabTo(page, page.getByRole('navigation', { name: 'Admin Console' }).getByRole('link', { name: 'Users' }));
  await page.keyboard.press('Enter');
  await tabTo(page, page.locator('.page-header').getByRole('link', { name: 'Users', exact: true }));
  await page.keyboard.press('Enter');
  await expect(page.getByRole('table', { name: 'Users' })).toBeVisible();
}

/** Active members, by name and email, read off the table (reading is not clicking). */
async function activeMembers(page: Page, count: number, skip: number) {
  const rows = page.locator('tbody tr').filter({ hasText: 'Member' }).filter({ hasText: 'Active' });
  await expect(rows.nth(skip + count - 1)).toBeVisible();
  const out: { name: string; email: string }[] = [];
  for (let i = skip; i < skip + count; i++) {
    out.push({
      name: (await rows.nth(i).locator('.user-cell__name').innerText()).trim(),
      email: (await rows.nth(i).locator('.user-cell__email').innerText()).trim(),
    });
  }
  return out;
}

const rowOf = (page: Page, name: string) =>
  page.locator('tbody tr').filter({ has: page.getByRole('link', { name, exact: true }) });

test.describe('Keyboard only: the three ways to reset a password', () => {
  test('From the Users Table, from the profile sidebar, and in bulk, with no mouse', async ({ page }) => {
    await signInWithKeyboard(page);
    await usersTabWithKeyboard(page);
    const [rowUser, sidebarUser, ...bulkUsers] = await activeMembers(page, 5, 6);

    // 1. The row's Three Dots → Reset Password → Yes, Reset Password.
    const rowMenu = page.getByRole('button', { name: `More actions for ${rowUser.name}` });
    await tabTo(page, rowMenu);
    await page.keyboard.press('Enter');
    await arrowTo(page, 'Reset Password');
    await page.keyboard.press('Enter');
    await confirmWithKeyboard(page, `Reset password for ${rowUser.name}?`);
    await expect(page.getByRole('status').filter({ hasText: `Password reset for ${rowUser.name}` })).toBeVisible();
    await expect(rowOf(page, rowUser.name)).toContainText('Reset pending');
    await waitForMail(rowUser.email, /reset/i);

    // 2. The name opens the sidebar; its Three Dots → Reset Password → Yes; Escape closes it.
    const nameLink = rowOf(page, sidebarUser.name).getByRole('link', { name: sidebarUser.name });
    await tabTo(page, nameLink);
    await page.keyboard.press('Enter');
    const sidebar = page.getByRole('dialog', { name: sidebarUser.name, exact: true });
    await expect(sidebar).toBeVisible();
    await tabTo(page, sidebar.getByRole('button', { name: `More actions for ${sidebarUser.name}` }));
    await page.keyboard.press('Enter');
    await arrowTo(page, 'Reset Password');
    await page.keyboard.press('Enter');
    await confirmWithKeyboard(page, `Reset password for ${sidebarUser.name}?`);
    await expect(sidebar).toContainText('Reset pending');
    await waitForMail(sidebarUser.email, /reset/i);
    await shot(page, 'keyboard-sidebar-after-reset');
    // Right after the reset, with nothing clicked or focused by the test: Escape closes the
    // sidebar and focus goes back to the name that opened it.
    await page.keyboard.press('Escape');
    await expect(sidebar).toBeHidden();
    await expect(nameLink).toBeFocused();

    // 3. Space ticks the boxes; the toolbar's Three Dots → Reset Password → Yes.
    for (const u of bulkUsers) {
      await tabTo(page, page.getByRole('checkbox', { name: `Select ${u.name}` }));
      await page.keyboard.press('Space');
    }
    await expect(page.locator('.selection-count')).toHaveText('3 selected');
    await tabTo(page, page.getByRole('button', { name: 'Actions for selected users' }), { backwards: true });
    await page.keyboard.press('Enter');
    await arrowTo(page, 'Reset Password');
    await page.keyboard.press('Enter');
    await confirmWithKeyboard(page, 'Reset passwords for 3 users?');
    const result = page.getByRole('dialog', { name: 'Bulk password reset finished' });
    await expect(result).toContainText('3 reset');
    await expect(result.getByRole('button', { name: 'Done' })).toBeFocused();
    await page.keyboard.press('Enter');
    await expect(result).toBeHidden();
    await expect(page.locator('.selection-bar')).toBeHidden();
    for (const u of bulkUsers) {
      await waitForMail(u.email, /reset/i);
      await expect(rowOf(page, u.name)).toContainText('Reset pending');
    }
    // The console is alive after the bulk path: Escape and the menus still answer.
    await tabTo(page, page.getByRole('button', { name: `More actions for ${bulkUsers[0].name}` }));
    await page.keyboard.press('Enter');
    await expect(page.getByRole('menu')).toBeVisible();
    await page.keyboard.press('Escape');
    await expect(page.getByRole('menu')).toBeHidden();
  });
});
