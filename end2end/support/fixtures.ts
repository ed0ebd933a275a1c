import { test as base, expect, Page } from '@playwright/test';

/**
 * Every spec imports `test` and `expect` from here, never from '@playwright/test' (the test
 * command checks). The one fixture it adds, `pageErrors`, is automatic: it watches every page
 * of the test's browser context, and fails the test on any uncaught page error (a wasm panic
 * traps as one) or console error, unless the test said it expects it:
 *
 *   test.use({ expectedPageErrors: /Failed to load resource: .* 401/ });
 *
 * or, for one step, `pageErrors.expect(/…/)` from inside the test.
 */
type PageErrors = {
  /** Allows errors matching `pattern` from here on in this test. */
  expect(pattern: RegExp): void;
  /** What was seen so far, allowed or not. */
  seen(): string[];
};

export const test = base.extend<{ expectedPageErrors: RegExp | null; pageErrors: PageErrors }>({
  expectedPageErrors: [null, { option: true }],
  pageErrors: [
    async ({ context, expectedPageErrors }, use) => {
      const seen: string[] = [];
      const allowed = expectedPageErrors ? [expectedPageErrors] : [];
      const watch = (page: Page) => {
        page.on('pageerror', (e) => seen.push(`pageerror: ${e.message}`));
        page.on('console', (m) => {
          if (m.type() === 'error') seen.push(`console.error: ${m.text()}`);
        });
      };
      context.pages().forEach(watch);
      context.on('page', watch);
      await use({ expect: (p) => allowed.push(p), seen: () => [...seen] });
      const unexpected = seen.filter((e) => !allowed.some((p) => p.test(e)));
      expect(unexpected, 'uncaught page errors and console errors').toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };
