import type { Locator } from '@playwright/test';
import { test, expect } from '../support/fixtures';
import { signInAsAdmin, hydrated, shot, wholeOnScreen } from '../support/console';

// A row's Three Dots menu is placed in the window beside its button, not inside the table's
// scrolling frame: a row at the bottom of the frame opens its menu whole (upward, when the
// window has no room below), and the menu stays beside its button as the frame scrolls.
test.use({ viewport: { width: 1280, height: 720 } });

test.describe("A row's menu", () => {
  test('the last row in view of a scrolled table opens its menu whole, beside its button', async ({ page }) => {
    await signInAsAdmin(page);
    await page.goto('/users');
    await hydrated(page);
    const frame = page.locator('.table-wrap').filter({ has: page.getByRole('table', { name: 'Users' }) });
    await frame.evaluate((el) => { el.scrollTop = 400; });

    // The last row the frame shows whole, at its bottom edge.
    const edge = (await frame.boundingBox())!;
    let row: Locator | undefined;
    for (const r of await frame.locator('tbody tr').all()) {
      const box = await r.boundingBox();
      if (box && box.y >= edge.y && box.y + box.height <= edge.y + edge.height) row = r;
    }
    expect(row, 'a row in view').toBeDefined();
    const dots = row!.getByRole('button', { name: /^More actions for / });
    const scrolled = await frame.evaluate((el) => el.scrollTop);

    await dots.click();
    const menu = page.getByRole('menu');
    await wholeOnScreen(page, menu);
    // Opening it (and focusing its first item) doesn't scroll the frame.
    expect(await frame.evaluate((el) => el.scrollTop)).toBe(scrolled);
    await expect(menu.getByRole('menuitem').first()).toBeFocused();
    // Beside its button: right edges aligned, just above or just below it.
    let button = (await dots.boundingBox())!;
    let box = (await menu.boundingBox())!;
    expect(Math.abs(box.x + box.width - (button.x + button.width))).toBeLessThanOrEqual(1);
    const gap = box.y >= button.y ? box.y - (button.y + button.height) : button.y - (box.y + box.height);
    expect(gap).toBeGreaterThanOrEqual(0);
    expect(gap).toBeLessThanOrEqual(8);
    await shot(page, 'row-menu-at-the-frame-bottom');

    // The frame scrolls under an open menu: the menu moves with its button.
    const offset = box.y - button.y;
    await frame.evaluate((el) => { el.scrollTop += 40; });
    await expect.poll(async () => (await dots.boundingBox())!.y).toBeLessThan(button.y - 30);
    button = (await dots.boundingBox())!;
    box = (await menu.boundingBox())!;
    expect(Math.abs(box.y - button.y - offset)).toBeLessThanOrEqual(1);

    // Escape closes it and gives the focus back to its button.
    await page.keyboard.press('Escape');
    await expect(menu).toHaveCount(0);
    await expect(dots).toBeFocused();
  });
});
