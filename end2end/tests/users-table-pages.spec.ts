import { test, expect } from '../support/fixtures';
import { signInAsAdmin, hydrated, shot } from '../support/console';

// The Users Table's pages: First, Previous, Next and Last carry a cursor in the URL, so a
// page reloads as the same rows and every page costs what the first does. Other specs add
// users meanwhile, so the numbers are read off the page, not assumed.
test.describe('The Users Table pages', () => {
  test('Last, Previous, Next and First move through the pages, and a page reloads as itself', async ({ page }) => {
    await signInAsAdmin(page);
    await page.goto('/users');
    await hydrated(page);
    const nav = page.getByRole('navigation', { name: 'Pagination' });
    await expect(nav).toContainText(/1–25 of [\d,]+/);
    const total = Number((await nav.innerText()).match(/of ([\d,]+)/)![1].replace(/,/g, ''));
    const pages = Math.ceil(total / 25);
    expect(pages).toBeGreaterThan(1);
    const range = (p: number) => `${((p - 1) * 25 + 1).toLocaleString('en-US')}–${Math.min(p * 25, total).toLocaleString('en-US')} of ${total.toLocaleString('en-US')}`;
    const rows = page.locator('tbody tr');
    const ids = () => rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-user-id')));
    const firstRows = await ids();
    const rowsNow = async (first: string | null) => {
      // The table keeps the old rows until the new ones arrive: wait for its first row.
      await expect(rows.first()).toHaveAttribute('data-user-id', first ?? '');
      return ids();
    };

    await nav.getByRole('link', { name: 'Last' }).click();
    await expect(page).toHaveURL(/[?&]last=\d+/);
    await expect(nav).toContainText(range(pages));
    await expect(nav).toContainText(`Page ${pages.toLocaleString('en-US')} of ${pages.toLocaleString('en-US')}`);
    await expect(nav.getByRole('button', { name: 'Next' })).toBeDisabled();
    await expect(nav.getByRole('button', { name: 'Last' })).toBeDisabled();
    await expect(rows).toHaveCount(total - (pages - 1) * 25);
    const lastRows = await ids();
    await shot(page, 'users-last-page');

    await nav.getByRole('link', { name: 'Previous' }).click();
    await expect(nav).toContainText(range(pages - 1));
    await nav.getByRole('link', { name: 'Next' }).click();
    await expect(page).toHaveURL(/[?&]after=/);
    await expect(nav).toContainText(range(pages));
    expect(await rowsNow(lastRows[0]), 'Next reaches the rows Last showed').toEqual(lastRows);
    await page.reload();
    await hydrated(page);
    expect(await ids(), 'a page reloads as itself').toEqual(lastRows);

    await nav.getByRole('link', { name: 'First' }).click();
    await expect(nav).toContainText(range(1));
    expect(await rowsNow(firstRows[0])).toEqual(firstRows);
    await expect(nav.getByRole('button', { name: 'Previous' })).toBeDisabled();
    await expect(nav.getByRole('button', { name: 'First' })).toBeDisabled();
  });

  test('a column header sorts the table both ways and shows which way with its arrow', async ({ page }) => {
    await signInAsAdmin(page);
    await page.goto('/users');
    await hydrated(page);
    const header = (name: string) => page.getByRole('columnheader', { name });
    // The arrow is the header link's ::after: shown on the sorted column only.
    const arrow = (name: string) =>
      header(name).locator('a.sort').evaluate((a) => {
        const after = getComputedStyle(a, '::after');
        return { opacity: after.opacity, mask: after.getPropertyValue('mask-image') || after.getPropertyValue('-webkit-mask-image') };
      });
    await expect(header('Name')).toHaveAttribute('aria-sort', 'ascending');
    await expect(header('Last sign-in')).toHaveAttribute('aria-sort', 'none');
    const byName = await arrow('Name');
    expect(byName.opacity).toBe('1');
    expect(byName.mask, 'an arrow is drawn').toContain('url(');
    expect((await arrow('Last sign-in')).opacity).toBe('0');
    expect(
      await header('Name').locator('a.sort').evaluate((a) => getComputedStyle(a).textDecorationLine),
      'a header reads as a header, not as an underlined link',
    ).toBe('none');

    await header('Last sign-in').getByRole('link').click();
    await expect(page).toHaveURL(/[?&]sort=last_sign_in/);
    await expect(header('Last sign-in')).toHaveAttribute('aria-sort', 'ascending');
    await expect(header('Name')).toHaveAttribute('aria-sort', 'none');
    await header('Last sign-in').getByRole('link').click();
    await expect(page).toHaveURL(/[?&]dir=desc/);
    await expect(header('Last sign-in')).toHaveAttribute('aria-sort', 'descending');
    const down = await arrow('Last sign-in');
    expect(down.opacity).toBe('1');
    expect(down.mask).toContain('url(');
    expect(down.mask, 'descending points the other way').not.toBe(byName.mask);
    expect((await arrow('Name')).opacity).toBe('0');
    await shot(page, 'users-sorted-by-last-sign-in-desc');
  });

  test('a page link edited by hand says so, and First gets back', async ({ page, pageErrors }) => {
    pageErrors.expect(/status of 4\d\d/);
    await signInAsAdmin(page);
    await page.goto('/users?page=3&after=not-a-cursor');
    await expect(page.locator('tbody')).toContainText('This page link is no longer valid');
    // Sending it again would fail the same way: only First page is offered.
    await expect(page.getByRole('button', { name: 'Try again' })).toHaveCount(0);
    await shot(page, 'users-stale-page-link');
    await page.getByRole('link', { name: 'First page' }).click();
    const nav = page.getByRole('navigation', { name: 'Pagination' });
    await expect(nav).toContainText(/1–25 of/);

    // A Next link is good for the list it came from, not for another filter's.
    await hydrated(page);
    await nav.getByRole('link', { name: 'Next' }).click();
    await expect(page).toHaveURL(/[?&]after=/);
    await expect(nav).toContainText(/26–[\d,]+ of/);
    await page.goto(`${page.url()}&status=suspended`);
    await expect(page.locator('tbody')).toContainText('This page link is no longer valid');
  });

  test('a page number past the end shows the last page, not "No users match"', async ({ page }) => {
    await signInAsAdmin(page);
    await page.goto('/users?status=suspended&page=40');
    const nav = page.getByRole('navigation', { name: 'Pagination' });
    await expect(nav).toContainText(/Page ([\d,]+) of \1/);
    await expect(page.locator('tbody')).not.toContainText('No users match');
    await expect(page.locator('tbody tr').first()).toContainText('Suspended');
    await expect(nav).toContainText(/[\d,]+–[\d,]+ of [\d,]+/);
    await expect(nav).not.toContainText(/0–0 of/);
    await shot(page, 'users-past-the-end');
  });
});
