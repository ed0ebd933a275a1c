import type { Browser, Page } from '@playwright/test';
import { test, expect } from '../support/fixtures';
import { hydrated, signIn, signInAsAdmin, waitForMail, MEMBER_PASSWORD } from '../support/console';

// Your account: where a member lands after signing in, and where anyone signed in changes
// their password (the current one first) or signs out every other browser. The page has a
// module of its own: landing there loads neither the console nor the sign-in page's code.

const NEW_PASSWORD = 'Copper-Kettle-Meadow-81';

/** An active member no other spec picks: the first of the third page of ten. */
async function aMember(browser: Browser) {
  const admin = await browser.newPage();
  await signInAsAdmin(admin);
  await admin.goto('/users?status=active&role=member&per_page=10&page=3');
  const row = admin.locator('tbody tr').first();
  await expect(row).toContainText('Active');
  const name = (await row.locator('.user-cell__name').innerText()).trim();
  const email = (await row.locator('.user-cell__email').innerText()).trim();
  await admin.close();
  return { name, email };
}

/** Signs `email` in on a new browser of its own; its account page, hydrated. */
async function signedInBrowser(browser: Browser, email: string, password: string) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const wasm: string[] = [];
  page.on('request', (r) => {
    if (r.url().endsWith('.wasm')) wasm.push(new URL(r.url()).pathname.split('/').pop()!);
  });
  await signIn(page, email, password);
  await expect(page).toHaveURL(/\/account$/);
  await hydrated(page);
  return { page, wasm };
}

async function changePassword(page: Page, current: string, next: string, confirm = next) {
  await page.getByLabel('Current password', { exact: true }).fill(current);
  await page.getByLabel('New password', { exact: true }).fill(next);
  await page.getByLabel('Confirm new password', { exact: true }).fill(confirm);
  await page.getByRole('button', { name: 'Change password' }).click();
}

/** Whether the browser of `page` is still signed in: its account page, reloaded. */
async function stillSignedIn(page: Page) {
  await page.goto('/account');
  return !/\/sign-in/.test(page.url());
}

test.describe('Your account', () => {
  test('a member changes their password: their other browser is signed out, and the old password stops working', async ({ browser }) => {
    const member = await aMember(browser);
    const laptop = await signedInBrowser(browser, member.email, MEMBER_PASSWORD);
    const phone = await signedInBrowser(browser, member.email, MEMBER_PASSWORD);
    const page = laptop.page;
    // The landing loads the sign-in page's module, then the account page's alone.
    expect(laptop.wasm).toEqual(['sign-in.wasm', 'account.wasm']);
    await expect(page.getByRole('heading', { name: `Hi, ${member.name}` })).toBeVisible();
    await expect(page.getByText("The Admin Console is for your organization's administrators.")).toBeVisible();

    // A wrong current password: said so, and nothing changes.
    await changePassword(page, 'Not-My-Password-7', NEW_PASSWORD);
    await expect(page.getByRole('alert').filter({ hasText: "That isn't your current password." })).toBeVisible();
    expect(await stillSignedIn(phone.page)).toBe(true);
    await hydrated(page);

    // The rules are checked as the new password is typed, and a weak one is not sent.
    await page.getByLabel('Current password', { exact: true }).fill(MEMBER_PASSWORD);
    await page.getByLabel('New password', { exact: true }).fill('short');
    await expect(page.locator('#password-rules')).toBeVisible();
    await page.getByLabel('Confirm new password', { exact: true }).fill('short');
    await page.getByRole('button', { name: 'Change password' }).click();
    await expect(page.getByText('Choose a password that meets every rule above.')).toBeVisible();
    await expect(page).toHaveURL(/\/account$/);

    const sent = Date.now();
    await changePassword(page, MEMBER_PASSWORD, NEW_PASSWORD);
    await expect(page).toHaveURL(/\/account\?password=changed$/);
    await expect(page.getByRole('status').filter({ hasText: 'Your password was changed.' })).toBeVisible();
    await page.screenshot({ path: 'artifacts/screenshots/account-password-changed.png', fullPage: true });
    const mail = await waitForMail(member.email, /password was changed/, sent);
    expect(mail.text).toContain(member.name);

    // This browser stays signed in; the other one is signed out.
    expect(await stillSignedIn(page)).toBe(true);
    expect(await stillSignedIn(phone.page)).toBe(false);
    await expect(phone.page.getByRole('heading', { name: 'Sign in' })).toBeVisible();

    // The old password no longer signs in; the new one does.
    await signIn(phone.page, member.email, MEMBER_PASSWORD);
    await expect(phone.page).not.toHaveURL(/\/account/);
    await signIn(phone.page, member.email, NEW_PASSWORD);
    await expect(phone.page).toHaveURL(/\/account$/);

    // Back to the demo's password, the same way, for the specs that follow.
    await hydrated(page);
    await changePassword(page, NEW_PASSWORD, MEMBER_PASSWORD);
    await expect(page).toHaveURL(/\/account\?password=changed$/);
    await page.context().close();
    await phone.page.context().close();
  });

  test('"Where you\'re signed in" lists every browser; one is signed out from the list, then all but this one', async ({ browser }) => {
    const member = await aMember(browser);
    const here = await signedInBrowser(browser, member.email, MEMBER_PASSWORD);
    // What other specs left signed in goes first.
    await here.page.getByRole('button', { name: 'Sign out everywhere else' }).click();
    await expect(here.page).toHaveURL(/\/account\?signed_out=\d+$/);
    const elsewhere = await signedInBrowser(browser, member.email, MEMBER_PASSWORD);

    // Both are listed, this one marked, each with its browser, address and times.
    await here.page.goto('/account');
    await hydrated(here.page);
    const list = here.page.locator('.sessions__item');
    await expect(list).toHaveCount(2);
    await expect(list.filter({ hasText: 'This browser' })).toHaveCount(1);
    await expect(list.first()).toContainText('Chrome on LinuxThis browser');
    await expect(list.first()).toContainText('127.0.0.1 · signed in just now · active just now');
    await here.page.screenshot({ path: 'artifacts/screenshots/account-sessions.png', fullPage: true });

    // The other one, signed out from the list: this one has no such button.
    await expect(list.filter({ hasText: 'This browser' }).getByRole('button')).toHaveCount(0);
    await list.filter({ hasNotText: 'This browser' }).getByRole('button', { name: 'Sign out Chrome on Linux' }).click();
    await expect(here.page).toHaveURL(/\/account\?signed_out=1$/);
    await expect(here.page.getByRole('status')).toHaveText('Signed out of 1 other browser or device.');
    await expect(list).toHaveCount(1);
    expect(await stillSignedIn(elsewhere.page)).toBe(false);

    // Signed in there again, then every other browser at once.
    await signIn(elsewhere.page, member.email, MEMBER_PASSWORD);
    await expect(elsewhere.page).toHaveURL(/\/account$/);
    await here.page.goto('/account');
    await hydrated(here.page);
    await here.page.getByRole('button', { name: 'Sign out everywhere else' }).click();
    await expect(here.page).toHaveURL(/\/account\?signed_out=1$/);
    expect(await stillSignedIn(elsewhere.page)).toBe(false);
    expect(await stillSignedIn(here.page)).toBe(true);
    await here.page.context().close();
    await elsewhere.page.context().close();
  });

  test('an admin reaches their account from the console and comes back', async ({ page }) => {
    await signInAsAdmin(page);
    await hydrated(page);
    await page.getByRole('navigation', { name: 'Admin Console' }).getByRole('link', { name: /Ada Admin/ }).click();
    await expect(page).toHaveURL(/\/account$/);
    await expect(page.getByRole('heading', { name: 'Change password' })).toBeVisible();
    await page.getByRole('link', { name: 'Open the Admin Console' }).click();
    await expect(page.getByRole('heading', { name: 'User Management' })).toBeVisible();
  });

  test.describe('without JavaScript', () => {
    test.use({ javaScriptEnabled: false });

    test('the forms still work: a wrong current password is refused, sign out everywhere else goes through', async ({ browser }) => {
      const member = await aMember(browser);
      const context = await browser.newContext({ javaScriptEnabled: false });
      const page = await context.newPage();
      await signIn(page, member.email, MEMBER_PASSWORD);
      await expect(page).toHaveURL(/\/account$/);
      await changePassword(page, 'Not-My-Password-7', NEW_PASSWORD);
      await expect(page.getByRole('alert').filter({ hasText: "That isn't your current password." })).toBeVisible();
      // What other specs left signed in goes, then nothing is left but this browser.
      await page.getByRole('button', { name: 'Sign out everywhere else' }).click();
      await expect(page).toHaveURL(/\/account\?signed_out=\d+$/);
      await page.getByRole('button', { name: 'Sign out everywhere else' }).click();
      await expect(page).toHaveURL(/\/account\?signed_out=0$/);
      await expect(page.getByRole('status')).toHaveText('No other browser or device was signed in to your account.');
      await context.close();
    });
  });
});
