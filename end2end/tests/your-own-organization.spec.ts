import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { test, expect } from '../support/fixtures';
import { hydrated, rowOf, waitForMail, resetLinkIn, shot, Mail } from '../support/console';
import { OWN_PORT, SMTP_TO_SINK, orgdeskBinary, scratchDir, serverEnv } from '../support/servers';

// The README's "Use it for your organization", step by step, from an empty database: the
// commands, then the server, then the console. Its own instance, started here after the
// commands as the README does, on its own SQLite file.
const OWN_URL = `http://127.0.0.1:${OWN_PORT}`;
const ORG = 'Globex';
const OWNER = { name: 'Olivia Owens', email: 'olivia@globex.test', password: 'Harbor-Quince-Violet-31' };
const PEOPLE = 1_000;
const person = (i: number) => ({
  name: `Person ${String(i).padStart(4, '0')}`,
  email: `person${i}@globex.test`,
});
const PASSWORD = 'Meadow-Anchor-Tulip-77';

const env = serverEnv('own', OWN_PORT, {
  ...SMTP_TO_SINK,
  ORGDESK_PUBLIC_URL: OWN_URL,
  USER: 'e2e-admin',
  RUST_LOG: 'warn',
});

/** `orgdesk ARGS…` with the README's environment; its output, or its failure. */
function orgdesk(...args: string[]): string {
  return execFileSync(orgdeskBinary(), args, { env: { ...process.env, ...env }, encoding: 'utf8' });
}

async function startServer(): Promise<ChildProcess> {
  const server = spawn(orgdeskBinary(), ['serve'], { env: { ...process.env, ...env }, stdio: 'ignore' });
  await expect
    .poll(async () => (await fetch(`${OWN_URL}/healthz`).catch(() => null))?.status, {
      timeout: 30_000,
      message: 'the server answers /healthz',
    })
    .toBe(200);
  return server;
}

test.describe('Use it for your organization (the README, from an empty database)', () => {
  let server: ChildProcess | undefined;
  test.afterAll(() => server?.kill());

  test('org create → the owner sets a password → 1,000 imported and invited → bulk reset from the command line and the console', async ({
    page,
    browser,
  }) => {
    test.setTimeout(180_000);
    // 1. The organization and its first owner, Invited.
    orgdesk('migrate');
    const created = orgdesk('org', 'create', ORG, '--owner', OWNER.email, '--owner-name', OWNER.name);
    expect(created).toContain(`Created the organization ${ORG}`);
    expect(created).toContain('The running server\'s outbox worker emails it.');

    // 2. The server, whose outbox worker sends what the commands queued.
    server = await startServer();
    const invitation = await waitForMail(OWNER.email, /invited/i);
    expect(invitation.text).toContain(ORG);
    await page.goto(resetLinkIn(invitation));
    await hydrated(page);
    await expect(page.getByRole('heading', { name: 'Set your password' })).toBeVisible();
    await page.getByLabel('New password', { exact: true }).fill(OWNER.password);
    await page.getByLabel('Confirm new password', { exact: true }).fill(OWNER.password);
    await page.getByRole('button', { name: 'Set new password' }).click();
    await expect(page).toHaveURL(/\/sign-in\?reset=done/);

    // 3. Everyone else from a CSV file: checked first, then imported and invited.
    const dir = scratchDir('readme');
    const csv = path.join(dir, 'people.csv');
    const lines = ['name,email,role,title,department'];
    for (let i = 1; i <= PEOPLE; i++) {
      const p = person(i);
      lines.push(`${p.name},${p.email},member,Engineer,Dept ${i % 7}`);
    }
    fs.writeFileSync(csv, lines.join('\n') + '\n');
    const dry = orgdesk('users', 'import', csv, '--org', ORG, '--dry-run');
    expect(dry).toContain(`Dry run, nothing was changed. ${PEOPLE} rows read`);
    expect(dry).toContain(`${PEOPLE} would be added`);
    // (The owner is active now: nobody is invited yet.)
    expect(orgdesk('users', 'list', '--org', ORG, '--status', 'invited', '--format', 'csv').trim().split('\n')).toHaveLength(1);
    const imported = orgdesk('users', 'import', csv, '--org', ORG, '--invite');
    expect(imported).toContain(`${PEOPLE} added, 0 updated, 0 unchanged, 0 bad`);
    expect(imported).toContain(`${PEOPLE} invitations queued`);
    const invited = orgdesk('users', 'list', '--org', ORG, '--status', 'invited', '--format', 'csv').trim().split('\n');
    expect(invited).toHaveLength(1 + PEOPLE); // the header, and the thousand

    // Three of them take up their invitations.
    const joined = [1, 2, 3].map(person);
    for (const p of joined) {
      const mail: Mail = await waitForMail(p.email, /invited/i);
      const context = await browser.newContext();
      const tab = await context.newPage();
      await tab.goto(resetLinkIn(mail));
      await hydrated(tab);
      await tab.getByLabel('New password', { exact: true }).fill(PASSWORD);
      await tab.getByLabel('Confirm new password', { exact: true }).fill(PASSWORD);
      await tab.getByRole('button', { name: 'Set new password' }).click();
      await expect(tab).toHaveURL(/\/sign-in\?reset=done/);
      await context.close();
    }
    // The last of the thousand invitations reached the mail server too.
    await waitForMail(person(PEOPLE).email, /invited/i);

    // A bulk reset from the command line: a list of compromised accounts.
    const compromised = path.join(dir, 'compromised.csv');
    fs.writeFileSync(compromised, `email\n${joined[0].email}\n`);
    const reset = orgdesk('users', 'reset', '--org', ORG, '--csv', compromised, '--yes');
    expect(reset).toMatch(/^reset\s+1\s/m);
    await waitForMail(joined[0].email, /reset/i);

    // And one from the console, by the owner: every active member.
    await page.goto(`${OWN_URL}/sign-in`);
    await hydrated(page);
    await page.getByLabel('Email').fill(OWNER.email);
    await page.getByLabel('Password', { exact: true }).fill(OWNER.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('heading', { name: 'User Management' })).toBeVisible();
    await expect(page.getByRole('navigation', { name: 'Admin Console' })).toContainText(ORG);
    await page.goto(`${OWN_URL}/users?role=member&status=active`);
    await hydrated(page);
    await expect(page.locator('tbody tr')).toHaveCount(2);
    await page.getByRole('checkbox', { name: 'Select all users on this page' }).check();
    await expect(page.locator('.selection-count')).toHaveText('2 selected');
    await page.getByRole('button', { name: 'Actions for selected users' }).click();
    await page.getByRole('menuitem', { name: 'Reset Password' }).click();
    await page.getByRole('dialog', { name: 'Reset passwords for 2 users?' }).getByRole('button', { name: 'Yes, Reset Password' }).click();
    const result = page.getByRole('dialog', { name: 'Bulk password reset finished' });
    await expect(result).toContainText('2 reset');
    await result.getByRole('button', { name: 'Done' }).click();
    for (const p of joined.slice(1)) await waitForMail(p.email, /reset/i);

    // All three wait on a reset now, and the console says who did what.
    await page.goto(`${OWN_URL}/users?status=reset_pending`);
    await hydrated(page);
    for (const p of joined) await expect(rowOf(page, p.name)).toContainText('Reset pending');
    await shot(page, 'own-organization-after-resets');
    await page.goto(`${OWN_URL}/activity`);
    await expect(page.getByRole('main')).toContainText('command line (e2e-admin)');
    await expect(page.getByRole('main')).toContainText(OWNER.name);
  });
});
