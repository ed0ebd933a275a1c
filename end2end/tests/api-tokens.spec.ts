import { test, expect } from '../support/fixtures';
import { hydrated, shot, signIn } from '../support/console';
import { DEMO_PASSWORD } from '../support/demo';

// Settings → API tokens, as an owner uses it: create a token for a help-desk script, copy its
// secret, call the automation API with it (a reset shows up in Activity as the token), see its
// last use, revoke it, and the API refuses it. An admin who is not an owner has no such tab.
test.describe('API tokens (Settings)', () => {
  test('an owner creates a token, a script resets a password with it, the owner revokes it', async ({ page, request }) => {
    await signIn(page, 'owner@acme.test', DEMO_PASSWORD);
    await expect(page).toHaveURL(/\/users/);
    await page.goto('/settings');
    await hydrated(page);
    await page.getByRole('link', { name: 'API tokens' }).click();
    await expect(page).toHaveURL(/\/settings\/api-tokens/);

    const name = `Help desk ${Date.now() % 100000}`;
    await page.getByLabel('Name').fill(name);
    await page.getByLabel(/users:read/).check();
    await page.getByLabel(/resets:write/).check();
    await page.getByLabel('Expires after').selectOption('30');
    await page.getByRole('button', { name: 'Create token' }).click();
    const secretBox = page.getByLabel('New API token');
    await expect(secretBox).toHaveValue(/^odk_[A-Za-z0-9_-]{43}$/);
    const secret = await secretBox.inputValue();
    await expect(page.getByText("Copy it now: it won't be shown again.")).toBeVisible();
    const row = page.locator('tbody tr').filter({ hasText: name });
    await expect(row).toContainText('Live');
    await expect(row).toContainText('Never');
    await expect(row).toContainText('users:read');
    await shot(page, 'api-tokens-created');

    // The script: find someone, reset their password.
    const auth = { Authorization: `Bearer ${secret}` };
    const list = await request.get('/api/v1/users?status=active&role=member&sort=name&order=desc&limit=1', { headers: auth });
    expect(list.status()).toBe(200);
    const [user] = (await list.json()).data;
    const reset = await request.post(`/api/v1/users/${user.id}/reset-password`, { headers: auth });
    expect(reset.status()).toBe(201);
    expect((await reset.json()).state).toBe('pending');
    // Its scopes hold: no users:write, no suspending.
    const suspend = await request.patch(`/api/v1/users/${user.id}`, { headers: auth, data: { status: 'suspended' } });
    expect(suspend.status()).toBe(403);
    expect(suspend.headers()['content-type']).toBe('application/problem+json');

    // The console shows who did it, and when the token was last used.
    await page.goto('/activity?kind=admin_reset_password');
    await expect(page.locator('tbody tr').filter({ hasText: user.name }).first()).toContainText(`API token ${name}`);
    await page.goto('/settings/api-tokens');
    await hydrated(page);
    await expect(row).not.toContainText('Never');
    await expect(row).toContainText('from 127.0.0.1');

    // Revoke, confirmed; the script is refused from then on.
    await row.getByRole('button', { name: 'Revoke' }).click();
    await expect(row).toContainText('Scripts using it stop working at once.');
    await row.scrollIntoViewIfNeeded();
    await shot(page, 'api-tokens-revoke-confirm');
    await row.getByRole('button', { name: 'Revoke token' }).click();
    await expect(row).toContainText('Revoked');
    await row.scrollIntoViewIfNeeded();
    const refused = await request.get('/api/v1/users?limit=1', { headers: auth });
    expect(refused.status()).toBe(401);
    expect((await refused.json()).type).toBe('urn:orgdesk:problem:unauthenticated');
    await shot(page, 'api-tokens-revoked');
  });

  test('an admin who is not an owner sees no API tokens tab, and the page refuses them', async ({ page }) => {
    await signIn(page);
    await expect(page).toHaveURL(/\/users/);
    await page.goto('/settings');
    await hydrated(page);
    await expect(page.getByRole('link', { name: 'General' })).toBeVisible();
    await expect(page.getByRole('link', { name: 'API tokens' })).toHaveCount(0);
    await page.goto('/settings/api-tokens');
    await expect(page.getByRole('alert')).toContainText(/not allowed|permission|owner/i);
  });
});
