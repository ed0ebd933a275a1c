import { test, expect } from '../support/fixtures';
import {
  signInAsAdmin, hydrated, anActiveMember, rowOf, waitForMail, resetLinkIn, cancelLinkIn, signIn, shot,
  MEMBER_PASSWORD, askForResetLink,
} from '../support/console';

// "Didn't expect this? Cancel the request": both reset emails link to a page that asks first.
test.describe("Didn't expect this? Cancel the request", () => {
  test('user cancels an unexpected reset from the email; the admin sees it', async ({ page, browser }) => {
    // Admin resets a user from the row menu.
    await signInAsAdmin(page);
    await hydrated(page);
    const member = await anActiveMember(page);
    await rowOf(page, member.name).getByRole('button', { name: `More actions for ${member.name}` }).click();
    await page.getByRole('menuitem', { name: 'Reset Password' }).click();
    await page.getByRole('button', { name: 'Yes, Reset Password' }).click();
    await expect(rowOf(page, member.name)).toContainText('Reset pending');

    // The email has a cancel link, in both parts, after the link to choose a password.
    const mail = await waitForMail(member.email, /reset/i);
    const cancel = cancelLinkIn(mail);
    const reset = resetLinkIn(mail);
    expect(cancel).toBe(`${reset}/cancel`);
    expect(mail.text).toContain(`Didn't expect this? Cancel the request: ${cancel}`);
    expect(mail.html).toContain(`href="${cancel}"`);

    // The user, in a browser of their own. A mail scanner fetching the link changes nothing.
    const userContext = await browser.newContext();
    const user = await userContext.newPage();
    expect((await user.request.get(cancel)).ok()).toBeTruthy();
    await user.goto(reset);
    await expect(user.getByRole('heading', { name: 'Reset password' })).toBeVisible();

    // Opening the link shows what cancelling does, and one button.
    await user.goto(cancel);
    await hydrated(user);
    await expect(user.getByRole('heading', { name: 'Cancel this password reset?' })).toBeVisible();
    await expect(user.getByText(`An administrator of Acme Corp reset the password of ${member.email}`)).toBeVisible();
    const consequences = user.getByRole('list', { name: 'What cancelling does' });
    await expect(consequences).toContainText('stops working');
    await expect(consequences).toContainText("Your old password still won't work");
    await shot(user, 'cancel-reset-page');
    await user.getByRole('button', { name: 'Cancel this request' }).click();

    // Confirmation: the link no longer works; whom to contact.
    await expect(user.getByRole('heading', { name: 'Request cancelled' })).toBeVisible();
    const outcome = user.getByRole('status').filter({ hasText: 'The link in the email no longer works.' });
    await expect(outcome).toContainText('Contact your Acme Corp administrator');
    await shot(user, 'cancel-reset-done');
    // A reload (or the same link opened again) says the same.
    await user.reload();
    await expect(user.getByRole('heading', { name: 'Request cancelled' })).toBeVisible();

    // The reset link from the same email no longer works, and offers no Resend Email.
    await user.goto(reset);
    await hydrated(user);
    await expect(user.getByRole('heading', { name: 'This link no longer works' })).toBeVisible();
    await expect(user.getByText('The request was cancelled from the email')).toBeVisible();
    await expect(user.getByRole('button', { name: 'Resend Email' })).toHaveCount(0);
    await shot(user, 'reset-page-cancelled');
    // The admin's reset stands: the old password still doesn't sign in.
    await signIn(user, member.email, MEMBER_PASSWORD);
    await expect(user.getByTestId('reset-prompt')).toBeVisible();
    await userContext.close();

    // The admin sees it: still "Reset pending" (so Resend Email is there), the sidebar says
    // why, and the Activity tab and page show the cancellation.
    await page.reload();
    await hydrated(page);
    await expect(rowOf(page, member.name)).toContainText('Reset pending');
    await rowOf(page, member.name).getByRole('link', { name: member.name }).click();
    const sidebar = page.getByRole('dialog', { name: member.name, exact: true });
    await expect(sidebar.getByTestId('reset-cancelled-callout')).toContainText('cancelled the emailed link as unexpected');
    await sidebar.getByRole('tab', { name: 'Activity' }).click();
    await expect(sidebar.getByRole('list', { name: 'Recent activity' })).toContainText('Reset cancelled by user');
    await expect(sidebar.getByRole('list', { name: 'Recent activity' })).toContainText('Reported the password reset as unexpected');
    await shot(page, 'profile-activity-reset-cancelled');

    await page.goto('/activity');
    await hydrated(page);
    await page.getByRole('combobox', { name: 'Filter by kind' }).selectOption({ label: 'Reset cancelled by user' });
    await expect(page).toHaveURL(/kind=reset_cancelled/);
    const table = page.getByRole('table', { name: 'Activity' });
    await expect(table.locator('tbody tr').filter({ hasText: member.name })).toContainText('Reset cancelled by user');
    await shot(page, 'activity-reset-cancelled');
  });

  test.describe('without JavaScript', () => {
    test.use({ javaScriptEnabled: false });

    test('user cancels an unexpected forgot-password request; the current password keeps working', async ({ page }) => {
      await signInAsAdmin(page);
      const member = await anActiveMember(page, 1);
      await page.context().clearCookies();

      await page.goto('/forgot-password');
      await askForResetLink(page, member.email);
      const mail = await waitForMail(member.email, /reset link/i);
      expect(mail.text).toContain(`Didn't expect this? Cancel the request: ${cancelLinkIn(mail)}`);

      await page.goto(cancelLinkIn(mail));
      await expect(page.getByRole('heading', { name: 'Cancel this password reset?' })).toBeVisible();
      await expect(page.getByRole('list', { name: 'What cancelling does' })).toContainText('Your current password keeps working');
      await page.getByRole('button', { name: 'Cancel this request' }).click();

      // A plain form post, then back to the page, which shows the outcome.
      await expect(page).toHaveURL(cancelLinkIn(mail));
      await expect(page.getByRole('heading', { name: 'Request cancelled' })).toBeVisible();
      await expect(page.getByRole('status').filter({ hasText: 'The link in the email no longer works.' }))
        .toContainText('Your current password keeps working.');
      await shot(page, 'no-js-cancel-reset-done');

      await page.goto(resetLinkIn(mail));
      await expect(page.getByRole('heading', { name: 'This link no longer works' })).toBeVisible();
      await signIn(page, member.email, MEMBER_PASSWORD);
      await expect(page).toHaveURL(/\/account/);
    });

    test('a garbage link cancels nothing and says why', async ({ page, baseURL }) => {
      await page.goto('/reset-password/not-a-real-token/cancel');
      await expect(page.getByRole('heading', { name: "This link isn't valid" })).toBeVisible();
      await expect(page.getByRole('button', { name: 'Cancel this request' })).toHaveCount(0);
      // Posting anyway is refused with the reason.
      const res = await page.request.post(`${baseURL}/api/cancel_reset_link`, {
        form: { token: 'not-a-real-token' },
        headers: { accept: 'application/json' },
      });
      expect(res.status()).toBe(410);
    });
  });
});
