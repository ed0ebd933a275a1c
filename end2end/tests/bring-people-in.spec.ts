import { test, expect } from '../support/fixtures';
import { signInAsAdmin, hydrated, rowOf, waitForMail, resetLinkIn, signIn, shot } from '../support/console';

const FIRST_PASSWORD = 'Copper-Meadow-Lantern-58';

test.describe('Bringing people in', () => {
  test('Add user → invitation email → Set your password → sign in; Sign out everywhere keeps the password; Edit details; Suspend signs them out and refuses them', async ({ page, browser, pageErrors }) => {
    const stamp = Date.now();
    const name = `Nia Newcomer ${stamp}`;
    const email = `nia.${stamp}@acme.test`;

    // The admin adds a user from the User Management header.
    await signInAsAdmin(page);
    await hydrated(page);
    await page.getByRole('button', { name: 'Add user' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add user' });
    await expect(dialog).toBeVisible();
    await expect(dialog.getByLabel('Name')).toBeFocused();
    // Bad input gets a clear error and adds nobody.
    await dialog.getByLabel('Name').fill(name);
    await dialog.getByLabel('Email').fill('not-an-email');
    await dialog.getByRole('button', { name: 'Add and invite' }).click();
    pageErrors.expect(/status of 422/);
    await expect(dialog.getByRole('alert')).toContainText('is not an email address');
    // Correcting the field takes the stale error away.
    await dialog.getByLabel('Email').fill(email);
    await expect(dialog.getByRole('alert')).toHaveCount(0);
    await dialog.getByLabel('Title').fill('Analyst');
    await shot(page, 'add-user-dialog');
    await dialog.getByRole('button', { name: 'Add and invite' }).click();
    await expect(dialog).toBeHidden();
    await expect(page.getByRole('status').filter({ hasText: `Invited ${name}` })).toBeVisible();

    await page.getByRole('searchbox', { name: 'Search users by name or email' }).fill(String(stamp));
    await expect(rowOf(page, name)).toContainText('Invited');
    await shot(page, 'users-table-invited');
    // Invited users are offered Resend invitation, not a password reset.
    await rowOf(page, name).getByRole('button', { name: `More actions for ${name}` }).click();
    await expect(page.getByRole('menuitem', { name: 'Resend invitation' })).toBeVisible();
    await expect(page.getByRole('menuitem', { name: 'Reset Password' })).toHaveCount(0);
    await page.keyboard.press('Escape');

    // The invitation arrives over SMTP and opens the same reactive page, titled Set your password.
    const mail = await waitForMail(email, /invited/i);
    expect(mail.text).toContain('Acme Corp');
    expect(mail.text).toMatch(/in 7 days/);
    const invitee = await browser.newContext();
    const user = await invitee.newPage();
    await user.goto(resetLinkIn(mail));
    await hydrated(user);
    await expect(user.getByRole('heading', { name: 'Set your password' })).toBeVisible();
    await shot(user, 'set-your-password');
    await user.getByLabel('New password', { exact: true }).fill(FIRST_PASSWORD);
    await user.getByLabel('Confirm new password', { exact: true }).fill(FIRST_PASSWORD);
    await user.getByRole('button', { name: 'Set new password' }).click();
    await expect(user).toHaveURL(/\/sign-in\?reset=done/);
    await signIn(user, email, FIRST_PASSWORD);
    await expect(user).toHaveURL(/\/account/);

    // Now active; the admin suspends them from the profile sidebar's Three Dots.
    await page.reload();
    await hydrated(page);
    await expect(rowOf(page, name)).toContainText('Active');
    await rowOf(page, name).getByRole('link', { name, exact: true }).click();
    const sidebar = page.getByRole('dialog', { name, exact: true });

    // Signed in on a laptop they lost: the admin signs them out everywhere; their password stays.
    await sidebar.getByRole('button', { name: `More actions for ${name}` }).click();
    await page.getByRole('menuitem', { name: 'Sign out everywhere' }).click();
    const signOut = page.getByRole('dialog', { name: `Sign ${name} out everywhere?` });
    await expect(signOut).toContainText('Their password stays the same');
    await shot(page, 'sign-out-everywhere-confirm');
    await signOut.getByRole('button', { name: 'Yes, Sign Out' }).click();
    await expect(signOut).toBeHidden();
    await expect(page.getByRole('status').filter({ hasText: `Signed ${name} out of 1 browser or device.` })).toBeVisible();
    await user.goto('/account');
    await expect(user).toHaveURL(/\/sign-in/);
    await signIn(user, email, FIRST_PASSWORD);
    await expect(user).toHaveURL(/\/account/);

    // A promotion: the admin edits their title and department from the Details tab. A blank
    // name is refused in words, and nothing changes.
    await sidebar.getByRole('button', { name: 'Edit details' }).click();
    const edit = page.getByRole('dialog', { name: 'Edit details' });
    await expect(edit.getByLabel('Name')).toBeFocused();
    await expect(edit.getByLabel('Name')).toHaveValue(name);
    await expect(edit).toContainText(`The email, ${email}, stays`);
    await edit.getByLabel('Name').fill('   ');
    await edit.getByRole('button', { name: 'Save' }).click();
    pageErrors.expect(/status of 422/);
    await expect(edit.getByRole('alert')).toContainText('needs a name');
    await edit.getByLabel('Name').fill(name);
    await expect(edit.getByRole('alert')).toHaveCount(0);
    await edit.getByLabel('Title').fill('Senior Analyst');
    await edit.getByLabel('Department').fill('Finance');
    await shot(page, 'edit-details');
    await edit.getByRole('button', { name: 'Save' }).click();
    await expect(edit).toBeHidden();
    await expect(page.getByRole('status').filter({ hasText: `Saved ${name}'s details.` })).toBeVisible();
    await expect(sidebar.locator('dl.details')).toContainText('Senior Analyst');
    await expect(sidebar.locator('dl.details')).toContainText('Finance');

    await sidebar.getByRole('button', { name: `More actions for ${name}` }).click();
    await page.getByRole('menuitem', { name: 'Suspend' }).click();
    await expect(page.getByRole('dialog', { name: `Suspend ${name}?` })).toBeVisible();
    await shot(page, 'suspend-confirm');
    await page.getByRole('button', { name: 'Yes, Suspend' }).click();
    await expect(page.getByRole('dialog', { name: `Suspend ${name}?` })).toBeHidden();
    await expect(page.getByRole('dialog', { name, exact: true })).toContainText('Suspended');
    await page.getByRole('dialog', { name, exact: true }).getByRole('tab', { name: 'Activity' }).click();
    await expect(page.getByRole('dialog', { name, exact: true }).getByRole('list', { name: 'Recent activity' })).toContainText('User suspended');
    await expect(page.getByRole('dialog', { name, exact: true }).getByRole('list', { name: 'Recent activity' })).toContainText('out everywhere (1 session)');
    await expect(page.getByRole('dialog', { name, exact: true }).getByRole('list', { name: 'Recent activity' })).toContainText('title (Analyst → Senior Analyst), department (— → Finance)');

    // Their session is refused: the account page sends them to sign in, and signing in fails.
    await user.goto('/account');
    await expect(user).toHaveURL(/\/sign-in/);
    await signIn(user, email, FIRST_PASSWORD);
    await expect(user.getByRole('alert')).toBeVisible();
    await invitee.close();
  });

  test('Import users: 1,000 rows with 3 bad ones → preview with errors by line → import → result', async ({ page }) => {
    const stamp = Date.now();
    const lines = ['name,email,role,title,department'];
    for (let i = 0; i < 1000; i++) {
      lines.push(`Imported Person ${stamp}-${i},imported.${stamp}.${i}@acme.test,member,Analyst,Finance`);
    }
    // Three bad rows: no name (line 12), a bad role (line 503), a duplicate email (line 1001).
    lines[11] = `,noname.${stamp}@acme.test,member,,`;
    lines[502] = `Bad Role ${stamp},badrole.${stamp}@acme.test,emperor,,`;
    lines[1000] = `Duplicate ${stamp},imported.${stamp}.5@acme.test,member,,`;
    const csv = lines.join('\n') + '\n';

    await signInAsAdmin(page);
    await hydrated(page);
    await page.getByRole('button', { name: 'Import users' }).click();
    const dialog = page.getByRole('dialog', { name: 'Import users' });
    await dialog.getByLabel('CSV file').setInputFiles({ name: 'people.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });

    // The preview: counts, and each bad row by line.
    await expect(dialog.getByTestId('import-counts')).toContainText('997 to add');
    await expect(dialog.getByTestId('import-counts')).toContainText('3 with errors');
    const errors = dialog.getByRole('table', { name: 'Rows with errors' });
    for (const line of ['12', '503', '1001']) {
      await expect(errors.getByRole('row').filter({ has: page.getByRole('cell', { name: line, exact: true }) })).toHaveCount(1);
    }
    await shot(page, 'import-preview');

    await dialog.getByRole('button', { name: 'Import 997 users' }).click();
    await expect(dialog.getByRole('status')).toContainText('997 added');
    await expect(dialog.getByRole('status')).toContainText('997 invitations sent');
    await expect(dialog.getByRole('link', { name: 'Download result (CSV)' })).toHaveAttribute('download', 'import-result.csv');
    await shot(page, 'import-result');
    await dialog.getByRole('button', { name: 'Done' }).click();

    await page.getByRole('searchbox', { name: 'Search users by name or email' }).fill(`${stamp}-99`);
    await expect(rowOf(page, `Imported Person ${stamp}-99`)).toContainText('Invited');
    await expect(page.locator('tbody tr').filter({ hasText: `Bad Role ${stamp}` })).toHaveCount(0);
  });
});
