import http from 'node:http';
import crypto from 'node:crypto';
import { AddressInfo } from 'node:net';

import { test, expect } from '../support/fixtures';
import { anActiveMember, hydrated, resetLinkIn, shot, signIn, waitForMail, askForResetLink } from '../support/console';
import { DEMO_PASSWORD } from '../support/demo';

type Hook = { headers: http.IncomingHttpHeaders; body: string };

/** A help desk's receiver on loopback: records every POST, answers 200. */
async function receiver(): Promise<{ url: string; hooks: Hook[]; close: () => void }> {
  const hooks: Hook[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      hooks.push({ headers: req.headers, body });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hooks/orgdesk`, hooks, close: () => server.close() };
}

/** What a receiver does with `Orgdesk-Signature: t=…,v1=…`. */
function signatureValid(secret: string, header: string, body: string): boolean {
  const parts = Object.fromEntries(header.split(',').map((p) => p.split('=') as [string, string]));
  const expected = crypto.createHmac('sha256', secret).update(`${parts.t}.${body}`).digest('hex');
  const fresh = Math.abs(Date.now() / 1000 - Number(parts.t)) < 300;
  return fresh && crypto.timingSafeEqual(Buffer.from(expected), Buffer.from(parts.v1 ?? ''));
}

test.describe('Webhooks (Settings)', () => {
  test('an owner adds an endpoint; a completed reset arrives signed; Settings shows the delivery; removing stops it', async ({ page, pageErrors }) => {
    const hooks = await receiver();
    try {
      await signIn(page, 'owner@acme.test', DEMO_PASSWORD);
      await expect(page).toHaveURL(/\/users/);
      // An active member from the end of the alphabet, away from the ones other specs use.
      await page.goto('/users?status=active&role=member&sort=name&dir=desc');
      await hydrated(page);
      const member = await anActiveMember(page, 2);

      await page.goto('/settings/webhooks');
      await hydrated(page);
      await page.getByLabel('Endpoint URL').fill(hooks.url);
      await page.getByLabel(/reset\.completed/).check();
      await page.getByRole('button', { name: 'Add endpoint' }).click();
      const secretBox = page.getByLabel('Signing secret');
      await expect(secretBox).toHaveValue(/^whsec_/);
      const secret = await secretBox.inputValue();
      await expect(page.locator('tbody tr').filter({ hasText: hooks.url })).toContainText('Active');
      await shot(page, 'webhooks-added');

      // The member forgets their password and sets a new one from the emailed link.
      await page.context().clearCookies();
      await page.goto('/forgot-password');
      await hydrated(page);
      await askForResetLink(page, member.email);
      const mail = await waitForMail(member.email, /reset/i);
      await page.goto(resetLinkIn(mail));
      await hydrated(page);
      await page.getByLabel('New password', { exact: true }).fill('Copper-Lantern-Meadow-58');
      await page.getByLabel('Confirm new password', { exact: true }).fill('Copper-Lantern-Meadow-58');
      await page.getByRole('button', { name: 'Set new password' }).click();
      await expect(page).toHaveURL(/\/sign-in\?reset=done/);

      // The receiver gets reset.completed, signed with the endpoint's secret.
      await expect.poll(() => hooks.hooks.length, { timeout: 15_000, message: 'a webhook arrives' }).toBeGreaterThan(0);
      const hook = hooks.hooks[0];
      const event = JSON.parse(hook.body);
      expect(hook.headers['orgdesk-event-type']).toBe('reset.completed');
      expect(event.type).toBe('reset.completed');
      expect(hook.headers['orgdesk-event-id']).toBe(event.id);
      expect(signatureValid(secret, String(hook.headers['orgdesk-signature']), hook.body)).toBe(true);
      expect(signatureValid('whsec_not-the-secret', String(hook.headers['orgdesk-signature']), hook.body)).toBe(false);

      // Settings shows it delivered; removing the endpoint stops everything.
      pageErrors.expect(/status of 401 \(Unauthorized\)/);
      await signIn(page, 'owner@acme.test', DEMO_PASSWORD);
      await expect(page).toHaveURL(/\/users/);
      await page.goto('/settings/webhooks');
      await hydrated(page);
      const delivery = page.getByRole('table', { name: 'Webhook deliveries' }).locator('tbody tr').filter({ hasText: event.id });
      await expect(delivery).toContainText('Delivered');
      await expect(delivery).toContainText('reset.completed');
      await delivery.scrollIntoViewIfNeeded();
      await shot(page, 'webhooks-delivered');
      const endpoint = page.getByRole('table', { name: 'Webhook endpoints' }).locator('tbody tr').filter({ hasText: hooks.url });
      await endpoint.getByRole('button', { name: 'Remove' }).click();
      await endpoint.getByRole('button', { name: 'Remove endpoint' }).click();
      await expect(endpoint).toContainText('Removed');
    } finally {
      hooks.close();
    }
  });
});
