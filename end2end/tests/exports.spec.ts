import { readFile } from 'node:fs/promises';
import { test, expect } from '../support/fixtures';
import { hydrated, signIn, signInAsAdmin, anActiveMember, shot, MEMBER_PASSWORD } from '../support/console';

// Export CSV on the Users page (the users the table's filter shows, as a file a spreadsheet
// opens and `orgdesk users import` reads back) and on the Activity page (the events its filter
// shows); each export is in the Activity log.
test.describe('Exporting the Users Table and Activity', () => {
  test('Export CSV downloads what the filter shows, by name, and Activity records it', async ({ page, browser, pageErrors }) => {
    await signInAsAdmin(page);
    await page.goto('/users');
    await hydrated(page);
    await page.getByLabel('Filter by status').selectOption({ label: 'Suspended' });
    await expect(page).toHaveURL(/status=suspended/);
    const range = page.locator('.pagination .muted').first();
    await expect(range).toContainText(/ of [\d,]+$/);
    const total = Number((await range.innerText()).match(/of ([\d,]+)$/)![1].replace(/,/g, ''));
    expect(total).toBeGreaterThan(0);
    await shot(page, 'users-export-button');

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Export CSV' }).click(),
    ]);
    // The browser saves the file and stays on the page.
    await expect(page).toHaveURL(/\/users\?status=suspended/);
    expect(download.suggestedFilename()).toMatch(/^acme-corp-users-\d{4}-\d{2}-\d{2}\.csv$/);
    const text = (await readFile((await download.path())!, 'utf8')).replace(/^\uFEFF/, '');
    const lines = text.trimEnd().split(/\r?\n/);
    expect(lines[0]).toBe('name,email,role,title,department,status,last_sign_in,added');
    const rows = lines.slice(1);
    expect(rows).toHaveLength(total);
    for (const row of rows) expect(row).toContain(',suspended,');

    // Activity says who exported how many, and with which filter; its own Export CSV downloads
    // the events its filter shows.
    const exported = `exported ${total} user${total === 1 ? '' : 's'} as CSV (status Suspended)`;
    await page.getByRole('navigation', { name: 'Admin Console' }).getByRole('link', { name: 'Activity' }).click();
    await expect(page.locator('main')).toContainText(exported);
    await page.getByLabel('Filter by kind').selectOption({ label: 'Users exported' });
    await expect(page).toHaveURL(/kind=users_exported/);
    await hydrated(page);
    await shot(page, 'activity-export-button');
    const [log] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Export CSV' }).click(),
    ]);
    expect(log.suggestedFilename()).toMatch(/^acme-corp-activity-\d{4}-\d{2}-\d{2}\.csv$/);
    const events = (await readFile((await log.path())!, 'utf8')).replace(/^\uFEFF/, '').trimEnd().split(/\r?\n/);
    expect(events[0]).toBe('time,event,kind,by,user,details,address');
    expect(events.length).toBeGreaterThan(1);
    for (const event of events.slice(1)) expect(event).toContain(',Users exported,users_exported,');
    expect(events.slice(1).some((e) => e.includes(exported))).toBe(true);

    // A range of days (UTC, both included) narrows the page and its export alike.
    await page.getByLabel('From').fill('2000-01-01');
    await page.getByLabel('To').fill('2999-12-31');
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect(page).toHaveURL(/since=2000-01-01&until=2999-12-31/);
    await expect(page.locator('main')).toContainText(exported);
    await expect(page.getByRole('link', { name: 'Export CSV' }))
      .toHaveAttribute('href', /kind=users_exported&since=2000-01-01&until=2999-12-31/);
    await expect(page.getByLabel('From')).toHaveValue('2000-01-01');
    await shot(page, 'activity-by-day');
    await page.getByLabel('From').fill('2999-01-01');
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect(page).toHaveURL(/since=2999-01-01/);
    await expect(page.getByText('No activity matches')).toBeVisible();
    // A range that ends before it starts is told in words.
    await page.getByLabel('To').fill('2000-01-01');
    await page.getByRole('button', { name: 'Apply' }).click();
    pageErrors.expect(/status of 422/);
    await expect(page.locator('main')).toContainText('The range of days ends (2000-01-01) before it starts (2999-01-01).');
    await shot(page, 'activity-days-backwards');

    // Members and visitors get no file: a member is told why, a visitor is asked to sign in,
    // and a browser whose session ended comes back to the Users page after signing in.
    await page.goto('/users?status=active&role=member');
    await hydrated(page);
    const member = await anActiveMember(page, 3);
    const memberContext = await browser.newContext();
    const memberPage = await memberContext.newPage();
    await signIn(memberPage, member.email, MEMBER_PASSWORD);
    await expect(memberPage).toHaveURL(/\/account/);
    const refused = await memberPage.request.get('/users/export.csv');
    expect(refused.status()).toBe(403);
    expect(await refused.text()).toContain('Only admins and owners');
    expect((await memberPage.request.get('/activity/export.csv')).status()).toBe(403);
    await memberContext.close();

    const visitor = await browser.newPage();
    await visitor.goto('/users/export.csv?status=suspended');
    await expect(visitor).toHaveURL(/\/sign-in$/);
    await visitor.context().addCookies([{ name: 'orgdesk_session', value: 'ended-long-ago', url: page.url() }]);
    await visitor.goto('/users/export.csv?status=suspended');
    await expect(visitor).toHaveURL(/\/sign-in\?session=ended&next=%2Fusers%3Fstatus%3Dsuspended$/);
    await visitor.close();
  });
});
