import type { Locator, Page } from '@playwright/test';
import { test, expect } from '../support/fixtures';
import { signInAsAdmin, signIn, hydrated, rowOf, waitForMail, resetLinkIn, shot, wholeOnScreen, MEMBER_PASSWORD } from '../support/console';

// The seed's steps on a phone's screen: every control they name is on the screen without
// scrolling sideways, and the Reset Password page that the emailed link opens fits it too.
const PHONE = { width: 390, height: 844 };
test.use({ viewport: PHONE, isMobile: true, hasTouch: true });

/** Neither the page nor `scroller` (a table's frame) is wider than what it shows. */
async function fitsTheScreen(page: Page, scroller?: Locator) {
  const sideways = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(sideways, 'the page scrolls sideways').toBeLessThanOrEqual(0);
  if (scroller) {
    const inside = await scroller.evaluate((el) => el.scrollWidth - el.clientWidth);
    expect(inside, 'the table scrolls sideways').toBeLessThanOrEqual(0);
  }
}

/** `target` lies within the screen's width, where a thumb reaches it (once what slides in has). */
async function inReach(target: Locator) {
  await expect(target).toBeVisible();
  await expect
    .poll(async () => {
      const box = await target.boundingBox();
      return box !== null && box.x >= 0 && box.x + box.width <= PHONE.width;
    }, { message: `${target} lies off the screen's width` })
    .toBe(true);
}

/** `n` active members, on the Users tab filtered to them: from its second page of ten, out of
 *  the way of the other specs, which take the first ones. */
async function activeMembers(page: Page, n: number) {
  await page.goto('/users?status=active&role=member&per_page=10&page=2');
  await hydrated(page);
  const rows = page.locator('tbody tr');
  await expect(rows.nth(n - 1)).toContainText('Active');
  const picked: { name: string; email: string }[] = [];
  for (let i = 0; i < n; i++) {
    picked.push({
      name: (await rows.nth(i).locator('.user-cell__name').innerText()).trim(),
      email: (await rows.nth(i).locator('.user-cell__email').innerText()).trim(),
    });
  }
  return picked;
}

test.describe('On a phone', () => {
  test('the row menu and the profile sidebar: Three Dots → Reset Password → Yes, Reset Password', async ({ page }) => {
    await signInAsAdmin(page);
    const [member] = await activeMembers(page, 1);
    // Found by their email, so their row stays once their status changes.
    await page.goto(`/users?q=${encodeURIComponent(member.email)}`);
    await hydrated(page);
    const table = page.locator('.table-wrap').filter({ has: page.getByRole('table', { name: 'Users' }) });
    await fitsTheScreen(page, table);
    // Each row shows the person and their status; the Three Dots are on its right.
    const row = rowOf(page, member.name);
    await expect(row.locator('.cell-status')).toBeVisible();
    const dots = row.getByRole('button', { name: `More actions for ${member.name}` });
    await inReach(dots);
    // Targets a fingertip hits: the row's box and its Three Dots.
    expect((await row.getByRole('checkbox').boundingBox())!.width).toBeGreaterThanOrEqual(22);
    expect((await dots.boundingBox())!.height).toBeGreaterThanOrEqual(40);
    await dots.click();
    await inReach(page.getByRole('menuitem', { name: 'Reset Password' }));
    // The table's frame, of this one row, doesn't cut the menu off, nor scroll the row away.
    await wholeOnScreen(page, page.getByRole('menu'));
    await expect(row.getByRole('link', { name: member.name })).toBeInViewport();
    expect(await table.evaluate((el) => el.scrollTop)).toBe(0);
    await shot(page, 'phone-row-menu');
    await page.getByRole('menuitem', { name: 'Reset Password' }).click();
    const confirm = page.getByRole('dialog', { name: `Reset password for ${member.name}?` });
    await inReach(confirm.getByRole('button', { name: 'Yes, Reset Password' }));
    await confirm.getByRole('button', { name: 'Yes, Reset Password' }).click();
    await expect(row).toContainText('Reset pending');

    // The profile sidebar takes the whole screen, its Three Dots in the upper right.
    await row.getByRole('link', { name: member.name }).click();
    const sidebar = page.getByRole('dialog', { name: member.name, exact: true });
    await expect(sidebar).toBeVisible();
    const box = await sidebar.boundingBox();
    expect(box!.width).toBeGreaterThanOrEqual(PHONE.width - 1);
    await inReach(sidebar.getByRole('button', { name: `More actions for ${member.name}` }));
    await sidebar.getByRole('tab', { name: 'Activity' }).click();
    await expect(sidebar.getByRole('list', { name: 'Recent activity' })).toContainText('Password reset by admin');
    await shot(page, 'phone-sidebar-activity');
    await fitsTheScreen(page);
  });

  test('in bulk, and the user sets a new password from the emailed link', async ({ page }) => {
    await signInAsAdmin(page);
    const picked = await activeMembers(page, 2);
    for (const { name } of picked) {
      await rowOf(page, name).getByRole('checkbox').check();
    }
    await expect(page.locator('.selection-count')).toHaveText('2 selected');
    const bulk = page.getByRole('button', { name: 'Actions for selected users' });
    await inReach(bulk);
    await fitsTheScreen(page, page.locator('.table-wrap'));
    await bulk.click();
    await page.getByRole('menuitem', { name: 'Reset Password' }).click();
    const confirm = page.getByRole('dialog', { name: 'Reset passwords for 2 users?' });
    await inReach(confirm.getByRole('button', { name: 'Yes, Reset Password' }));
    await shot(page, 'phone-bulk-confirm');
    await confirm.getByRole('button', { name: 'Yes, Reset Password' }).click();
    const result = page.getByRole('dialog', { name: 'Bulk password reset finished' });
    await expect(result).toContainText('2 reset');
    await inReach(result.getByRole('button', { name: 'Done' }));
    await result.getByRole('button', { name: 'Done' }).click();

    // The Activity page lists the resets as cards that say who did what to whom.
    await page.goto('/activity');
    await hydrated(page);
    await fitsTheScreen(page, page.locator('.table-wrap'));
    const event = page.locator('tbody tr').filter({ hasText: picked[0].name }).first();
    await expect(event.locator('[data-label="Who"]')).toBeVisible();
    await shot(page, 'phone-activity');
    // And on a tablet, where its six columns don't fit either.
    await page.setViewportSize({ width: 768, height: 1024 });
    await fitsTheScreen(page, page.locator('.table-wrap'));
    await shot(page, 'tablet-activity');
    // The Users Table, from a small tablet's width to a large one's.
    await page.goto('/users');
    await hydrated(page);
    for (const width of [600, 660, 720, 768, 900, 960, 1024]) {
      await test.step(`${width} px`, async () => {
        await page.setViewportSize({ width, height: 1024 });
        await fitsTheScreen(page, page.locator('.table-wrap'));
      });
    }
    await page.setViewportSize(PHONE);

    // The user opens the link on their phone.
    const mail = await waitForMail(picked[0].email, /reset/i);
    await page.context().clearCookies();
    await page.goto(resetLinkIn(mail));
    await hydrated(page);
    await expect(page.getByRole('heading', { name: 'Reset password' })).toBeVisible();
    await fitsTheScreen(page);
    // The demo members' password again, which the specs after this one expect them to have.
    await page.getByLabel('New password', { exact: true }).fill(MEMBER_PASSWORD);
    await page.getByLabel('Confirm new password', { exact: true }).fill(MEMBER_PASSWORD);
    const submit = page.getByRole('button', { name: 'Set new password' });
    await inReach(submit);
    await shot(page, 'phone-reset-page');
    await submit.click();
    await expect(page).toHaveURL(/\/sign-in\?reset=done/);
    await expect(page.getByText('Your password was changed.')).toBeVisible();
    await fitsTheScreen(page);
    await signIn(page, picked[0].email, MEMBER_PASSWORD);
    await expect(page).toHaveURL(/\/account/);
    await fitsTheScreen(page);
  });

  test('the header\'s buttons are in reach; Add user and Import users fit the screen and close with a tap: a phone has no Escape key', async ({ page }) => {
    await signInAsAdmin(page);
    await hydrated(page);
    // Three side by side are wider than a phone: they wrap, none cut off at the edge.
    const actions = page.locator('.page-header__actions');
    for (const name of ['Export CSV', 'Import users', 'Add user']) await inReach(actions.getByText(name, { exact: true }));
    await shot(page, 'phone-users-header');
    for (const [button, dialogName] of [['Add user', 'Add user'], ['Import users', 'Import users']]) {
      await page.getByRole('button', { name: button }).click();
      const dialog = page.getByRole('dialog', { name: dialogName });
      await expect(dialog).toBeVisible();
      await fitsTheScreen(page);
      const cancel = dialog.getByRole('button', { name: 'Cancel' });
      await inReach(cancel);
      await shot(page, `phone-${button.toLowerCase().replace(' ', '-')}`);
      await cancel.tap();
      await expect(dialog).toBeHidden();
    }
  });

  test("the owner's Settings pages fit the screen", async ({ page }) => {
    await signIn(page, 'owner@acme.test', MEMBER_PASSWORD);
    await expect(page).toHaveURL(/\/users/);
    for (const path of ['/settings', '/settings/api-tokens', '/settings/webhooks']) {
      await page.goto(path);
      await hydrated(page);
      await fitsTheScreen(page);
      await shot(page, `phone${path.replaceAll('/', '-')}`);
    }
  });
});
