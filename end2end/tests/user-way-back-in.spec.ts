import { test, expect } from '../support/fixtures';
import {
  signInAsAdmin, hydrated, anActiveMember, rowOf, waitForMail, resetLinkIn, signIn, shot, advanceClock,
  MEMBER_PASSWORD, askForResetLink,
} from '../support/console';

const NEW_PASSWORD = 'Granite-Lantern-93-Wave';

async function adminResets(page: import('@playwright/test').Page, skip: number) {
  await signInAsAdmin(page);
  await hydrated(page);
  const member = await anActiveMember(page, skip);
  await rowOf(page, member.name).getByRole('button', { name: `More actions for ${member.name}` }).click();
  await page.getByRole('menuitem', { name: 'Reset Password' }).click();
  await page.getByRole('button', { name: 'Yes, Reset Password' }).click();
  await expect(rowOf(page, member.name)).toContainText('Reset pending');
  return member;
}

test.describe('How does a user reset their password?', () => {
  test('the whole loop: admin reset → email over SMTP → Reset Password page → new password works, old does not', async ({ page, browser, pageErrors }) => {
    // A session the member had before the reset.
    const before = await browser.newContext();
    const beforePage = await before.newPage();
    const member = await adminResets(page, 3).catch(async (e) => { throw e; });
    await page.context().clearCookies();
    await beforePage.close();
    await before.close();

    const mail = await waitForMail(member.email, /reset/i);
    expect(mail.html).toContain('reset-password/');
    expect(mail.text).toMatch(/15 minutes/);

    // The old password doesn't sign in; the user is prompted to update it.
    await signIn(page, member.email, MEMBER_PASSWORD);
    await expect(page.getByTestId('reset-prompt')).toBeVisible();
    await expect(page.getByTestId('reset-prompt')).toContainText('spam');
    await shot(page, 'sign-in-reset-prompt');
    // It names the address the link went to, which the sign-in gave it, not the URL: a crafted
    // link with an address of its own shows no prompt at all.
    await expect(page.getByTestId('reset-prompt')).toContainText(member.email);
    expect(page.url()).toMatch(/\/sign-in\?prompt=reset$/);
    const stranger = await browser.newContext();
    const crafted = await stranger.newPage();
    await crafted.goto(new URL('/sign-in?prompt=reset&email=help-desk%40evil.test', page.url()).href);
    await hydrated(crafted);
    await expect(crafted.getByRole('heading', { name: 'Sign in' })).toBeVisible();
    await expect(crafted.getByTestId('reset-prompt')).toHaveCount(0);
    await expect(crafted.locator('body')).not.toContainText('evil.test');
    await stranger.close();

    // The link in the email opens the Reset Password page.
    await page.goto(resetLinkIn(mail));
    await hydrated(page);
    await expect(page.getByRole('heading', { name: 'Reset password' })).toBeVisible();
    await shot(page, 'reset-page-empty');
    const pw = page.getByLabel('New password', { exact: true });
    await pw.fill('short');
    await expect(page.locator('.checklist li[data-rule="MinLength"]')).toHaveClass(/bad/);
    await shot(page, 'reset-page-weak');
    await pw.fill(NEW_PASSWORD);
    await expect(page.locator('.checklist li.bad')).toHaveCount(0);
    await page.getByLabel('Confirm new password', { exact: true }).fill(NEW_PASSWORD + 'x');
    await expect(page.getByText("The two passwords don't match.")).toBeVisible();
    await shot(page, 'reset-page-mismatch');
    await page.getByLabel('Confirm new password', { exact: true }).fill(NEW_PASSWORD);
    await shot(page, 'reset-page-strong');
    await page.getByRole('button', { name: 'Set new password' }).click();

    await expect(page).toHaveURL(/\/sign-in\?reset=done/);
    await expect(page.getByText('Your password was changed.')).toBeVisible();
    await shot(page, 'sign-in-after-reset');
    await waitForMail(member.email, /changed/i);

    // Old password fails, new one works. The browser logs the refused sign-in (a 401).
    pageErrors.expect(/status of 401 \(Unauthorized\)/);
    await signIn(page, member.email, MEMBER_PASSWORD);
    await expect(page.getByRole('alert').filter({ hasText: "don't match an account" })).toBeVisible();
    await signIn(page, member.email, NEW_PASSWORD);
    await expect(page).toHaveURL(/\/account/);

    // The link is single use.
    await page.goto(resetLinkIn(mail));
    await expect(page.getByRole('heading', { name: 'This link has already been used' })).toBeVisible();
    await shot(page, 'reset-page-used');
  });

  test('after 15 minutes the link says expired; Resend Email sends a new one that works', async ({ page, baseURL }) => {
    const member = await adminResets(page, 4);
    await page.context().clearCookies();
    const first = await waitForMail(member.email, /reset/i);

    await advanceClock(baseURL!, 16);
    await page.goto(resetLinkIn(first));
    await hydrated(page);
    await expect(page.getByRole('heading', { name: 'This link has expired' })).toBeVisible();
    await shot(page, 'reset-page-expired');
    const sentAfter = Date.now();
    await page.getByRole('button', { name: 'Resend Email' }).click();
    await expect(page.getByText("We've sent a new link")).toBeVisible();
    const second = await waitForMail(member.email, /reset/i, sentAfter);
    expect(resetLinkIn(second)).not.toEqual(resetLinkIn(first));

    await page.goto(resetLinkIn(first));
    await expect(page.getByRole('heading', { name: /expired|no longer valid/ })).toBeVisible();
    await page.goto(resetLinkIn(second));
    await hydrated(page);
    await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await page.getByLabel('Confirm new password', { exact: true }).fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Set new password' }).click();
    await expect(page).toHaveURL(/\/sign-in\?reset=done/);
  });

  test('Forgot your password?: the current password keeps working until a new one is set', async ({ page, pageErrors }) => {
    await signInAsAdmin(page);
    await hydrated(page);
    const member = await anActiveMember(page, 5);
    await page.context().clearCookies();

    await page.goto('/sign-in');
    await page.getByRole('link', { name: 'Forgot your password?' }).click();
    await hydrated(page);
    await askForResetLink(page, member.email);
    await shot(page, 'forgot-sent');
    const mail = await waitForMail(member.email, /reset/i);

    // Same answer for an address that has no account.
    await page.goto('/forgot-password');
    await hydrated(page);
    await askForResetLink(page, 'nobody-here@acme.test');

    // The current password still works.
    await signIn(page, member.email, MEMBER_PASSWORD);
    await expect(page).toHaveURL(/\/account/);
    await page.context().clearCookies();

    // Weak and common passwords are refused with a reason (the browser logs the 422).
    pageErrors.expect(/status of 422 \(Unprocessable Entity\)/);
    await page.goto(resetLinkIn(mail));
    await hydrated(page);
    await page.getByLabel('New password', { exact: true }).fill('password1234');
    await page.getByLabel('Confirm new password', { exact: true }).fill('password1234');
    await page.getByRole('button', { name: 'Set new password' }).click();
    await expect(page.getByText('Choose a password that meets every rule above.')).toBeVisible();
    await expect(page.locator('.checklist li[data-rule="NotCommon"]')).toHaveClass(/bad/);
    await shot(page, 'reset-page-common');

    await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await page.getByLabel('Confirm new password', { exact: true }).fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Set new password' }).click();
    await expect(page).toHaveURL(/\/sign-in\?reset=done/);
    pageErrors.expect(/status of 401 \(Unauthorized\)/);
    await signIn(page, member.email, MEMBER_PASSWORD);
    await expect(page.getByRole('alert').filter({ hasText: "don't match an account" })).toBeVisible();
  });
});
