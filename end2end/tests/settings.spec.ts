import { test, expect } from '../support/fixtures';
import { hydrated, signInAsAdmin } from '../support/console';

// Settings → General: an admin changes how long invitations stay valid. The form posts its
// number to the server; one the field refuses never leaves the browser, and nothing changes.
test('Settings: the invitation lifetime is saved, and a value out of bounds is refused', async ({ page }) => {
  await signInAsAdmin(page);
  await page.goto('/settings');
  await hydrated(page);
  const days = page.getByLabel('Invitation lifetime (days)');
  const invitations = page.locator('section').filter({ has: page.getByRole('heading', { name: 'Invitations' }) });
  const save = invitations.getByRole('button', { name: 'Save' });
  const before = await days.inputValue();

  await days.fill('10');
  await save.click();
  await expect(invitations.getByRole('status').filter({ hasText: 'Saved.' })).toBeVisible();
  await page.reload();
  await hydrated(page);
  await expect(days).toHaveValue('10');

  // Out of bounds (1–30 days): the browser holds the submit and says why; no request is made.
  let posted = false;
  page.on('request', (r) => {
    if (r.url().endsWith('/api/update_invitation_lifetime')) posted = true;
  });
  await days.fill('0');
  await save.click();
  expect(await days.evaluate((input: HTMLInputElement) => input.validity.valid)).toBe(false);
  await page.waitForTimeout(300);
  expect(posted).toBe(false);
  await page.reload();
  await hydrated(page);
  await expect(days).toHaveValue('10');

  // Back as it was, for the other tests.
  await days.fill(before);
  await save.click();
  await expect(invitations.getByRole('status').filter({ hasText: 'Saved.' })).toBeVisible();
});
