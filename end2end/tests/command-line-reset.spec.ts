import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { test, expect } from '../support/fixtures';
import { signInAsAdmin, hydrated, anActiveMember, rowOf, waitForMail, shot } from '../support/console';
import { mainDatabaseUrl, orgdeskBinary, scratchDir } from '../support/servers';

test.describe('The command line beside the console', () => {
  test('orgdesk users reset --csv … --yes: the listed users show Reset pending in the console and get their emails', async ({ page }) => {
    await signInAsAdmin(page);
    // The two members last by name: the other specs take theirs from the top of the table.
    await page.goto('/users?role=member&status=active&dir=desc');
    await hydrated(page);
    const first = await anActiveMember(page, 0);
    const second = await anActiveMember(page, 1);
    const csv = path.join(scratchDir('cli'), 'compromised.csv');
    fs.writeFileSync(csv, `email\n${first.email}\n${second.email.toUpperCase()}\n`);

    const run = (args: string[]) =>
      execFileSync(orgdeskBinary(), args, {
        env: { ...process.env, DATABASE_URL: mainDatabaseUrl(), USER: 'e2e-operator', RUST_LOG: 'warn' },
        encoding: 'utf8',
      });
    // Without --yes it only says how many it would reset, changes nothing, and exits 1.
    let refused: any;
    try {
      run(['users', 'reset', '--org', 'Acme Corp', '--csv', csv]);
    } catch (e) {
      refused = e;
    }
    expect(refused?.status).toBe(1);
    expect(String(refused?.stdout)).toContain('This would reset the passwords of 2 users of Acme Corp');
    const out = run(['users', 'reset', '--org', 'Acme Corp', '--csv', csv, '--yes']);
    expect(out).toMatch(/^reset\s+2\s/m);

    // The console shows it, and names the command line as who did it.
    await page.goto('/users?role=member&dir=desc');
    await hydrated(page);
    await expect(rowOf(page, first.name)).toContainText('Reset pending');
    await expect(rowOf(page, second.name)).toContainText('Reset pending');
    await rowOf(page, first.name).getByRole('link', { name: first.name, exact: true }).click();
    const sidebar = page.getByRole('dialog', { name: first.name, exact: true });
    await sidebar.getByRole('tab', { name: 'Activity' }).click();
    await expect(sidebar.getByRole('list', { name: 'Recent activity' })).toContainText('command line (e2e-operator)');
    await shot(page, 'cli-reset-in-console');
    // The server's outbox worker delivers what the command queued.
    await waitForMail(first.email, /reset/i);
    await waitForMail(second.email, /reset/i);
  });
});
