import { test, expect } from '../support/fixtures';
import { APIRequestContext, APIResponse, request } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { DEMO_PASSWORD } from '../support/demo';
import { SECURITY_URL, BARE_URL, securityDatabase } from '../support/servers';

// The black-box security suite: the real server on loopback, driven over HTTP only. Its own
// instance (default limits, 127.0.0.1 trusted as a proxy, so each case speaks from addresses of
// its own through X-Forwarded-For), and a bare instance started with no settings at all.

const ORIGIN = SECURITY_URL;
let nextAddress = 1;
/** A fresh client address for one case, so cases never share a rate-limit window. */
const address = () => `198.18.${Math.floor(nextAddress / 250)}.${(nextAddress++ % 250) + 1}`;

async function client(opts: { from?: string; origin?: string | null } = {}) {
  const headers: Record<string, string> = { 'x-forwarded-for': opts.from ?? address() };
  if (opts.origin !== null) headers.origin = opts.origin ?? ORIGIN;
  return request.newContext({ baseURL: SECURITY_URL, extraHTTPHeaders: headers });
}

async function signedIn(email: string, from = address()) {
  const ctx = await client({ from });
  const res = await ctx.post('/api/sign_in', { form: { email, password: DEMO_PASSWORD } });
  expect(res.status(), `sign in as ${email}`).toBe(200);
  return ctx;
}

const json = (ctx: APIRequestContext, fn: string, data: unknown) =>
  ctx.post(`/api/${fn}`, { headers: { 'content-type': 'application/json' }, data: JSON.stringify(data) });
const form = (ctx: APIRequestContext, fn: string, data: Record<string, string>) =>
  ctx.post(`/api/${fn}`, { form: data });

/** Every business table, summarized so any change shows (rate-limit windows aside). */
function snapshot(): string {
  const sql = [
    "SELECT 'users', COUNT(*), group_concat(id || ':' || status || ':' || role || ':' || ifnull(password_hash, '-'), ',') FROM users",
    "SELECT 'links', COUNT(*), SUM(revoked_at IS NOT NULL), SUM(used_at IS NOT NULL), SUM(cancelled_at IS NOT NULL) FROM reset_links",
    "SELECT 'sessions', COUNT(*), SUM(revoked_at IS NOT NULL) FROM sessions",
    "SELECT 'outbox', COUNT(*) FROM email_outbox",
    "SELECT 'activity', COUNT(*) FROM activity",
    "SELECT 'orgs', COUNT(*), group_concat(admin_link_ttl_minutes || '/' || forgot_link_ttl_minutes || '/' || invite_link_ttl_minutes) FROM organizations",
  ].join('; ');
  return execFileSync('sqlite3', ['-readonly', securityDatabase(), sql], { encoding: 'utf8' });
}

type Ids = { admin: number; owner: number; member: number; memberEmail: string; otherMemberEmail: string; guessedEmail: string };
let ids: Ids;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  const admin = await signedIn('admin@acme.test');
  const page = async (role: string) => {
    const res = await json(admin, 'list_users', {
      query: { filter: { search: null, status: 'Active', role }, sort: 'Name', descending: false, page: 1, per_page: 100 },
    });
    expect(res.status()).toBe(200);
    return (await res.json()).users as { id: number; email: string }[];
  };
  const members = await page('Member');
  const [owner] = await page('Owner');
  const [me] = await page('Admin');
  ids = {
    admin: me.id,
    owner: owner.id,
    member: members[0].id,
    memberEmail: members[0].email,
    otherMemberEmail: members[1].email,
    guessedEmail: members[2].email,
  };
  await admin.dispose();
});

test('Authorization matrix: every forbidden cell is refused, and nothing changes', async () => {
  const filter = { search: null, status: null, role: null };
  // The console's server functions, each with a well-formed request.
  const consoleCalls: [string, (c: APIRequestContext) => Promise<APIResponse>][] = [
    ['list_users', (c) => json(c, 'list_users', { query: { filter, sort: 'Name', descending: false, page: 1, per_page: 25 } })],
    ['count_users', (c) => json(c, 'count_users', { filter })],
    ['user_details', (c) => form(c, 'user_details', { user: String(ids.member) })],
    ['user_activity', (c) => form(c, 'user_activity', { user: String(ids.member) })],
    ['org_activity', (c) => json(c, 'org_activity', { filter: { kind: null, subject: null, search: null }, page: 1 })],
    ['org_settings', (c) => form(c, 'org_settings', {})],
    ['update_link_lifetimes', (c) => form(c, 'update_link_lifetimes', { admin_minutes: '60', forgot_minutes: '60' })],
    ['admin_reset_passwords', (c) => json(c, 'admin_reset_passwords', { users: [ids.member] })],
    ['admin_reset_matching', (c) => json(c, 'admin_reset_matching', { filter, expected_count: 1 })],
    ['admin_resend_reset_email', (c) => form(c, 'admin_resend_reset_email', { user: String(ids.member) })],
    ['add_user', (c) => json(c, 'add_user', { member: { name: 'Matrix Probe', email: 'matrix.probe@acme.test', role: 'Member', title: null, department: null } })],
    ['import_users', (c) => json(c, 'import_users', { csv: 'name,email\nMatrix Import,matrix.import@acme.test\n', dry_run: false, invite: true })],
    ['resend_invitation', (c) => form(c, 'resend_invitation', { user: String(ids.member) })],
    ['set_suspended', (c) => form(c, 'set_suspended', { user: String(ids.member), suspended: 'true' })],
    ['change_role', (c) => form(c, 'change_role', { user: String(ids.member), role: 'Admin' })],
    ['update_invitation_lifetime', (c) => form(c, 'update_invitation_lifetime', { days: '3' })],
    ['api_tokens', (c) => form(c, 'api_tokens', {})],
    ['create_api_token', (c) => form(c, 'create_api_token', { name: 'Matrix probe', days: '30', users_read: 'on' })],
    ['revoke_api_token', (c) => form(c, 'revoke_api_token', { id: '1' })],
    ['webhooks', (c) => form(c, 'webhooks', {})],
    ['webhook_deliveries', (c) => form(c, 'webhook_deliveries', {})],
    ['create_webhook', (c) => form(c, 'create_webhook', { url: 'http://127.0.0.1:9/matrix', reset_requested: 'on' })],
    ['remove_webhook', (c) => form(c, 'remove_webhook', { id: '1' })],
  ];
  // Settings → API tokens and Webhooks: owners only.
  const ownersOnly = ['api_tokens', 'create_api_token', 'revoke_api_token', 'webhooks', 'webhook_deliveries', 'create_webhook', 'remove_webhook'];
  const pages = ['/users', '/activity', '/settings'];
  let tried = 0;
  let refused = 0;
  const cell = (ok: boolean, what: string) => {
    tried++;
    if (ok) refused++;
    expect(ok, what).toBe(true);
  };

  // Everyone signs in first: signing in is a change of its own (a session, an activity row).
  const anonymous = await client();
  const member = await signedIn(ids.memberEmail);
  const admin = await signedIn('admin@acme.test');
  const owner = await signedIn('owner@acme.test');
  const neighbour = await signedIn('admin@globex.test');
  const before = snapshot();
  for (const [who, ctx, status] of [['anonymous', anonymous, 401], ['member', member, 403]] as const) {
    for (const [name, call] of consoleCalls) {
      const res = await call(ctx);
      cell(res.status() === status, `${who} → ${name}: ${res.status()}`);
    }
    for (const path of pages) {
      const res = await ctx.get(path, { maxRedirects: 0, headers: { accept: 'text/html' } });
      const to = res.headers()['location'] ?? '';
      cell(res.status() >= 300 && res.status() < 400 && /\/(sign-in|account)/.test(to), `${who} → GET ${path}: ${res.status()} ${to}`);
    }
  }

  for (const [name, call] of consoleCalls.filter(([n]) => ownersOnly.includes(n))) {
    const res = await call(admin);
    cell(res.status() === 403, `admin (not an owner) → ${name}: ${res.status()}`);
  }

  // An admin may not reset an owner, another admin, or themselves, nor resend to them.
  for (const target of [ids.owner, ids.admin]) {
    const res = await json(admin, 'admin_reset_passwords', { users: [target] });
    const report = await res.json();
    cell(res.status() === 200 && report.reset.length === 0 && report.skipped.length === 1, `admin → reset ${target}: ${JSON.stringify(report)}`);
    const resend = await form(admin, 'admin_resend_reset_email', { user: String(target) });
    cell(resend.status() === 403, `admin → resend ${target}: ${resend.status()}`);
  }
  // Owners and admins together, by filter: all skipped, nothing reset.
  for (const role of ['Owner', 'Admin']) {
    const res = await json(admin, 'count_users', { filter: { ...filter, role } });
    const total = await res.json();
    const reset = await json(admin, 'admin_reset_matching', { filter: { ...filter, role }, expected_count: total });
    const report = await reset.json();
    cell(reset.status() === 200 && report.reset.length === 0, `admin → reset all ${role}s: ${JSON.stringify(report)}`);
  }
  // "Select all N matching" with a count the admin didn't confirm.
  const stale = await json(admin, 'admin_reset_matching', { filter, expected_count: 1 });
  cell(stale.status() === 422, `admin → stale expected_count: ${stale.status()}`);
  // Unknown ids reveal nothing and change nothing.
  const unknown = await json(admin, 'admin_reset_passwords', { users: [9_999_999] });
  cell(unknown.status() === 200 && (await unknown.json()).reset.length === 0, 'admin → unknown id');
  for (const fn of ['user_details', 'user_activity', 'admin_resend_reset_email']) {
    const res = await form(admin, fn, { user: '9999999' });
    cell(res.status() === 404, `admin → ${fn}(unknown): ${res.status()}`);
  }
  // Another organization's admin: Acme's users don't exist for them.
  const theirs = await json(neighbour, 'list_users', { query: { filter, sort: 'Name', descending: false, page: 1, per_page: 100 } });
  const theirUsers = (await theirs.json()).users as { email: string }[];
  cell(theirUsers.length > 0 && theirUsers.every((u) => u.email.endsWith('@globex.test')), 'other org → list_users shows only their own');
  for (const target of [ids.member, ids.admin, ids.owner]) {
    for (const fn of ['user_details', 'user_activity', 'admin_resend_reset_email']) {
      const res = await form(neighbour, fn, { user: String(target) });
      cell(res.status() === 404, `other org → ${fn}(${target}): ${res.status()}`);
    }
    const reset = await json(neighbour, 'admin_reset_passwords', { users: [target] });
    const report = await reset.json();
    cell(reset.status() === 200 && report.reset.length === 0 && report.skipped[0]?.reason === 'NotFound' && report.skipped[0]?.name === '',
      `other org → reset ${target}: ${JSON.stringify(report)}`);
  }
  const acmeActivity = await json(neighbour, 'org_activity', { filter: { kind: null, subject: ids.member, search: null }, page: 1 });
  cell(acmeActivity.status() === 200 && (await acmeActivity.json()).events.length === 0, 'other org → Acme activity by subject');
  const acmeSearch = await json(neighbour, 'admin_reset_matching', { filter: { search: 'acme.test', status: null, role: null }, expected_count: 1 });
  cell(acmeSearch.status() === 422, `other org → reset Acme by filter: ${acmeSearch.status()}`);

  // People: an admin may not add an admin, change a role, or suspend an owner or another admin.
  const addAdmin = await json(admin, 'add_user', { member: { name: 'Matrix Admin', email: 'matrix.admin@acme.test', role: 'Admin', title: null, department: null } });
  cell(addAdmin.status() === 403, `admin → add an admin: ${addAdmin.status()}`);
  const promote = await form(admin, 'change_role', { user: String(ids.member), role: 'Admin' });
  cell(promote.status() === 403, `admin → change a role: ${promote.status()}`);
  for (const target of [ids.owner, ids.admin]) {
    const res = await form(admin, 'set_suspended', { user: String(target), suspended: 'true' });
    cell(res.status() === 403 || res.status() === 422, `admin → suspend ${target}: ${res.status()}`);
  }
  // Another organization's admin can't touch Acme's people.
  for (const fn of ['set_suspended', 'resend_invitation']) {
    const res = await form(neighbour, fn, fn === 'set_suspended' ? { user: String(ids.member), suspended: 'true' } : { user: String(ids.member) });
    cell(res.status() === 404, `other org → ${fn}(${ids.member}): ${res.status()}`);
  }

  // An owner may not reset themselves through the admin path.
  const self = await form(owner, 'admin_resend_reset_email', { user: String(ids.owner) });
  cell(self.status() === 403, `owner → resend self: ${self.status()}`);
  const selfReset = await json(owner, 'admin_reset_passwords', { users: [ids.owner] });
  cell((await selfReset.json()).reset.length === 0, 'owner → reset self');

  expect(snapshot(), 'the database is unchanged').toBe(before);
  console.log(`authorization matrix: ${tried} cells tried, ${refused} refused`);
  for (const c of [anonymous, member, admin, owner, neighbour]) await c.dispose();
});

test('CSRF: only the public origin may change anything', async () => {
  const admin = await signedIn('admin@acme.test');
  const body = { query: { filter: { search: null, status: null, role: null }, sort: 'Name', descending: false, page: 1, per_page: 25 } };
  const call = (headers: Record<string, string>, data = JSON.stringify(body)) =>
    admin.post('/api/list_users', { headers: { 'content-type': 'application/json', ...headers }, data });
  const cases: [string, Record<string, string>, number][] = [
    ['same origin', { origin: ORIGIN }, 200],
    ['Origin: null', { origin: 'null' }, 403],
    ['Origin: null, cross-site', { origin: 'null', 'sec-fetch-site': 'cross-site' }, 403],
    ['Origin: null from a no-referrer page of ours', { origin: 'null', 'sec-fetch-site': 'same-origin' }, 200],
    ['another site', { origin: 'https://evil.example' }, 403],
    ['the wrong scheme', { origin: ORIGIN.replace('http:', 'https:') }, 403],
    ['the wrong port', { origin: ORIGIN.replace(/:\d+$/, ':1') }, 403],
    ['text/plain JSON', { origin: ORIGIN, 'content-type': 'text/plain' }, 415],
    ['another Host (DNS rebinding)', { origin: ORIGIN, host: 'attacker.example' }, 421],
  ];
  for (const [what, headers, status] of cases) {
    const res = await call(headers);
    expect(res.status(), what).toBe(status);
  }
  // No Origin at all, but the session cookie: refused.
  const noOrigin = await client({ origin: null });
  const signIn = await noOrigin.post('/api/sign_in', { form: { email: 'admin@acme.test', password: DEMO_PASSWORD } });
  expect(signIn.status(), 'a cookieless tool may sign in').toBe(200);
  const withCookie = await noOrigin.post('/api/list_users', { headers: { 'content-type': 'application/json' }, data: JSON.stringify(body) });
  expect(withCookie.status(), 'no Origin with a cookie').toBe(403);
  await noOrigin.dispose();
  await admin.dispose();
});

test('Limiter: bursts, spread-out guessing and a flood', async () => {
  // 40 concurrent wrong guesses for one account from one address.
  const burstFrom = address();
  const guesser = await client({ from: burstFrom });
  const burst = await Promise.all(
    Array.from({ length: 40 }, (_, i) => guesser.post('/api/sign_in', { form: { email: ids.otherMemberEmail, password: `guess-${i}` } })),
  );
  const failures = burst.filter((r) => r.status() === 401).length;
  // Refused: by the limit (429), or at once when the hashing queue is full (503 busy, judged
  // nothing and counted nothing).
  const refusals = burst.filter((r) => r.status() === 429 || r.status() === 503).length;
  expect(failures, 'failures allowed in the burst').toBeLessThanOrEqual(10);
  expect(failures + refusals).toBe(40);
  // A busy answer judged nothing and gave its reservation back: what is left of the limit
  // takes judged guesses, one at a time, and then nothing more gets through.
  for (let i = failures; i < 10; i++) {
    const wrong = await guesser.post('/api/sign_in', { form: { email: ids.otherMemberEmail, password: `after-${i}` } });
    expect(wrong.status(), `guess ${i + 1} of the limit`).toBe(401);
  }
  const right = await guesser.post('/api/sign_in', { form: { email: ids.otherMemberEmail, password: DEMO_PASSWORD } });
  expect(right.status(), 'the right password inside the burst window').toBe(429);
  await guesser.dispose();

  // 11 guesses for one account from 11 addresses meet the account's limit, except for a browser
  // that signed in as it before (decision 63).
  const knownBrowser = await signedIn(ids.guessedEmail);
  for (let i = 0; i < 11; i++) {
    const c = await client();
    const res = await c.post('/api/sign_in', { form: { email: ids.guessedEmail, password: `spread-${i}` } });
    expect(res.status(), `guess ${i + 1} from its own address`).toBe(401);
    await c.dispose();
  }
  const twelfth = await client();
  const slowed = await twelfth.post('/api/sign_in', { form: { email: ids.guessedEmail, password: DEMO_PASSWORD } });
  expect(slowed.status(), 'the account now makes every attempt wait').toBe(429);
  expect(Number(slowed.headers()['retry-after'] ?? '1')).toBeLessThanOrEqual(30);
  await twelfth.dispose();
  const back = await knownBrowser.post('/api/sign_in', { form: { email: ids.guessedEmail, password: DEMO_PASSWORD } });
  expect(back.status(), 'a browser the account knows does not wait: a stranger cannot keep its owner out').toBe(200);
  await knownBrowser.dispose();

  // A flood of 200 concurrent sign-ins for unknown emails; a legitimate one still gets in fast.
  const flooders = await Promise.all(Array.from({ length: 20 }, () => client()));
  const flood = Promise.all(
    Array.from({ length: 200 }, (_, i) =>
      flooders[i % 20].post('/api/sign_in', { form: { email: `nobody-${i}@flood.example`, password: 'x' } }),
    ),
  );
  const legit = await client();
  const started = Date.now();
  const ok = await legit.post('/api/sign_in', { form: { email: 'admin@acme.test', password: DEMO_PASSWORD } });
  const latency = Date.now() - started;
  const flooded = await flood;
  expect(ok.status(), 'the legitimate sign-in during the flood').toBe(200);
  expect(latency, 'legitimate sign-in latency under the flood (ms)').toBeLessThan(2000);
  expect(flooded.every((r) => r.status() === 401 || r.status() === 429)).toBe(true);
  console.log(`limiter: ${failures} failures allowed in a burst of 40; legitimate sign-in under a flood of 200 in ${latency} ms`);
  for (const c of [...flooders, legit]) await c.dispose();
});

test('Headers on each kind of page', async () => {
  const admin = await signedIn('admin@acme.test');
  const kinds: [string, string, { csp: boolean; noStore: boolean; referrer: string }][] = [
    ['sign-in page', '/sign-in', { csp: true, noStore: true, referrer: 'same-origin' }],
    ['console page', '/users', { csp: true, noStore: true, referrer: 'same-origin' }],
    ['reset page', '/reset-password/not-a-real-token', { csp: true, noStore: true, referrer: 'no-referrer' }],
    ['cancel page', '/reset-password/not-a-real-token/cancel', { csp: true, noStore: true, referrer: 'no-referrer' }],
    ['static file', '/pkg/orgdesk.css', { csp: false, noStore: false, referrer: 'same-origin' }],
  ];
  for (const [kind, path, want] of kinds) {
    const res = await admin.get(path);
    const h = res.headers();
    expect(res.status(), kind).toBe(200);
    if (want.csp) {
      expect(h['content-security-policy'], kind).toMatch(/script-src 'nonce-[A-Za-z0-9_-]{20,}' 'strict-dynamic'/);
      expect(h['content-security-policy'], kind).toContain("frame-ancestors 'none'");
      // The page's own scripts carry the nonce.
      const nonce = /'nonce-([^']+)'/.exec(h['content-security-policy'])![1];
      expect(await res.text(), kind).toContain(`nonce="${nonce}"`);
    }
    expect(h['cache-control'] === 'no-store', `${kind}: Cache-Control ${h['cache-control']}`).toBe(want.noStore);
    expect(h['referrer-policy'], kind).toBe(want.referrer);
    expect(h['x-frame-options'], kind).toBe('DENY');
    expect(h['x-content-type-options'], kind).toBe('nosniff');
    expect(h['strict-transport-security'], `${kind}: no HSTS over plain http`).toBeUndefined();
    console.log(`headers, ${kind}: CSP ${want.csp ? 'nonce' : '-'}, Cache-Control ${h['cache-control'] ?? '-'}, Referrer-Policy ${h['referrer-policy']}`);
  }
  const api = await json(admin, 'whoami', {});
  expect(api.headers()['cache-control']).toBe('no-store');
  await admin.dispose();
});

test('Generated bad input: only clear 4xx answers, no 5xx, nothing changed', async () => {
  const admin = await signedIn('admin@acme.test');
  const member = await signedIn(ids.memberEmail);
  const anonymous = await client();
  const before = snapshot();
  const overflow = '18446744073709551616';
  const max = '18446744073709551615';
  const huge = 'x'.repeat(300 * 1024);
  const deep = '['.repeat(5000) + ']'.repeat(5000);
  const badUtf8 = Buffer.from([0x7b, 0x22, 0x75, 0x22, 0x3a, 0xff, 0xfe, 0x22, 0x7d]);
  // Values of the wrong kind for a field.
  const wrong: unknown[] = [
    null, true, false, -1, -9007199254740991, 1.5, -0.5, 1e308, 'text', '', ' 12', '0x1F', '1_000', '١٢', 'NaN',
    'Infinity', [], [1, 'a'], [[[]]], {}, { a: { b: [] } }, 'Superuser', '💥'.repeat(50), '\u0000',
  ];
  // Per endpoint: its fields with their kind and a well-formed value, and whether it speaks JSON.
  // In a form every value is text, so a text field can't get a value of the wrong kind there:
  // those fields are broken by structure only (missing, garbled, oversized).
  type Field = [string, 'int' | 'text' | 'json', unknown];
  const endpoints: [string, boolean, Field[]][] = [
    ['list_users', true, [['query', 'json', { filter: { search: null, status: null, role: null }, sort: 'Name', descending: false, page: 1, per_page: 25 }]]],
    ['count_users', true, [['filter', 'json', { search: null, status: null, role: null }]]],
    ['org_activity', true, [['filter', 'json', { kind: null, subject: null, search: null }], ['page', 'int', 1]]],
    ['admin_reset_passwords', true, [['users', 'json', [ids.member]]]],
    ['admin_reset_matching', true, [['filter', 'json', { search: 'zzz-none', status: null, role: null }], ['expected_count', 'int', 0]]],
    ['user_details', false, [['user', 'int', ids.member]]],
    ['user_activity', false, [['user', 'int', ids.member]]],
    ['admin_resend_reset_email', false, [['user', 'int', ids.member]]],
    ['update_link_lifetimes', false, [['admin_minutes', 'int', 15], ['forgot_minutes', 'int', 30]]],
    // People: well-formed values that still change nothing (an invalid email, an unknown user,
    // a file without a name column, a lifetime out of bounds), so every generated variant must too.
    ['add_user', true, [['member', 'json', { name: 'Bad Input', email: 'not-an-email', role: 'Member', title: null, department: null }]]],
    ['import_users', true, [['csv', 'text', 'email\nnobody@acme.test\n'], ['dry_run', 'json', true], ['invite', 'json', false]]],
    ['resend_invitation', false, [['user', 'int', 9_999_999]]],
    ['set_suspended', false, [['user', 'int', 9_999_999], ['suspended', 'text', 'true']]],
    ['change_role', false, [['user', 'int', 9_999_999], ['role', 'text', 'Admin']]],
    ['update_invitation_lifetime', false, [['days', 'int', 0]]],
    ['inspect_link', false, [['token', 'text', 'x']]],
    ['complete_reset', false, [['token', 'text', 'x'], ['password', 'text', 'y'], ['confirm', 'text', 'z']]],
    ['cancel_reset_link', false, [['token', 'text', 'x']]],
    ['resend_from_link', false, [['token', 'text', 'x']]],
    ['resend_reset_email', false, [['email', 'text', 'x']]],
    ['forgot_password', false, [['email', 'text', 'x']]],
    ['sign_in', false, [['email', 'text', 'x'], ['password', 'text', 'y']]],
  ];
  type Case = { fn: string; body: string | Buffer; type: string };
  const cases: Case[] = [];
  const enc = (o: Record<string, unknown>) =>
    Object.entries(o).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(typeof v === 'string' ? v : JSON.stringify(v))}`).join('&');
  for (const [fn, isJson, fields] of endpoints) {
    const type = isJson ? 'application/json' : 'application/x-www-form-urlencoded';
    const good: Record<string, unknown> = Object.fromEntries(fields.map(([k, , v]) => [k, v]));
    const write = (o: Record<string, unknown>) => (isJson ? JSON.stringify(o) : enc(o));
    const shapes: (string | Buffer)[] = [];
    for (const [key, kind] of fields) {
      if (isJson || kind !== 'text') {
        // `{}` is a real filter (every criterion left out): only non-objects are wrong there.
        const isObject = (v: unknown) => !!v && typeof v === 'object' && !Array.isArray(v);
        const values = isObject(good[key]) ? wrong.filter((w) => !isObject(w)) : wrong;
        for (const w of values) shapes.push(write({ ...good, [key]: w }));
        shapes.push(isJson ? `{"${key}": ${overflow}}` : `${key}=${overflow}`);
        shapes.push(isJson ? `{"${key}": -${max}}` : `${key}=-${max}`);
      }
      const { [key]: _, ...missing } = good;
      shapes.push(write(missing));
      shapes.push(isJson ? JSON.stringify({ [key.toUpperCase()]: good[key] }) : `${key.toUpperCase()}=1`);
    }
    shapes.push('', '{', 'null', '[]', '"just a string"', deep, badUtf8, huge, '=&=&&', '%', `${'a=b&'.repeat(2000)}`);
    if (isJson) shapes.push(write(good).replace(/}$/, ',}'), write(good).slice(0, -1), `[${write(good)}]`);
    for (const body of shapes) cases.push({ fn, body, type });
    // The right body with the wrong declared type.
    for (const wrongType of ['text/plain', 'multipart/form-data; boundary=x', 'application/xml', 'application/x-www-form-urlencoded'.replace('x-www', 'x')]) {
      cases.push({ fn, body: write(good), type: wrongType });
    }
  }
  for (const fn of ['org_settings', 'whoami', 'sign_out']) {
    for (const wrongType of ['text/plain', 'multipart/form-data; boundary=x', 'application/xml']) {
      cases.push({ fn, body: 'a=b', type: wrongType });
    }
  }
  // Numbers at the edges, where the types are right: pages and sizes past any real list.
  for (const page of [max, '4294967296', '9223372036854775807', '1000001']) {
    cases.push({ fn: 'org_activity', type: 'application/json', body: `{"filter":{"kind":null,"subject":null,"search":null},"page":${page}}` });
    cases.push({ fn: 'list_users', type: 'application/json', body: `{"query":{"filter":{"search":null,"status":null,"role":null},"sort":"Name","descending":false,"page":${page},"per_page":25}}` });
    cases.push({ fn: 'list_users', type: 'application/json', body: `{"query":{"filter":{"search":null,"status":null,"role":null},"sort":"Name","descending":false,"page":1,"per_page":${page}}}` });
  }
  for (const kind of ['"Superuser"', '"reset_pending"', '7', '{"Active":1}']) {
    cases.push({ fn: 'list_users', type: 'application/json', body: `{"query":{"filter":{"search":null,"status":${kind},"role":null},"sort":"Name","descending":false,"page":1,"per_page":25}}` });
    cases.push({ fn: 'list_users', type: 'application/json', body: `{"query":{"filter":{"search":null,"status":null,"role":${kind}},"sort":${kind},"descending":false,"page":1,"per_page":25}}` });
    cases.push({ fn: 'org_activity', type: 'application/json', body: `{"filter":{"kind":${kind},"subject":null,"search":null},"page":1}` });
  }

  // Each body from three kinds of caller: the admin (so parsing and checks run as deep as
  // they go), a member and an anonymous visitor.
  // An oversized body is refused before it is read, so the connection may close under the
  // client's feet (EPIPE): that is the refusal, a 413 in effect. Other requests retry on a fresh
  // connection.
  const limit = 256 * 1024;
  async function send(ctx: APIRequestContext, c: Case): Promise<number> {
    for (let attempt = 0; ; attempt++) {
      try {
        const res = await ctx.post(`/api/${c.fn}`, { headers: { 'content-type': c.type }, data: c.body, maxRedirects: 0 });
        return res.status();
      } catch (e) {
        if (!/EPIPE|ECONNRESET|socket hang up/.test(String(e))) throw e;
        if (c.body.length > limit) return 413;
        if (attempt >= 2) throw e;
      }
    }
  }
  const statuses = new Map<number, number>();
  const fiveHundreds: string[] = [];
  const notClear: string[] = [];
  let sent = 0;
  for (const [who, ctx] of [['admin', admin], ['member', member], ['anonymous', anonymous]] as const) {
    for (const c of cases) {
      const s = await send(ctx, c);
      sent++;
      statuses.set(s, (statuses.get(s) ?? 0) + 1);
      const label = `${who}: ${c.fn} ${c.type} ${String(c.body).slice(0, 80)} → ${s}`;
      if (s >= 500) fiveHundreds.push(label);
      else if (s < 400) notClear.push(label);
    }
  }
  console.log(`bad input: ${sent} malformed bodies (${cases.length} shapes × 3 callers), statuses ${JSON.stringify(Object.fromEntries(statuses))}`);
  expect(sent).toBeGreaterThanOrEqual(1000);
  expect(fiveHundreds, '5xx answers').toEqual([]);
  expect(notClear, 'answers that were not a clear 4xx').toEqual([]);
  expect(snapshot(), 'no rows changed').toBe(before);
  // The server is still fine.
  expect((await admin.get('/healthz')).status()).toBe(200);
  for (const c of [admin, member, anonymous]) await c.dispose();
});

test('Dev surfaces are off by default', async () => {
  const bare = await request.newContext({ baseURL: BARE_URL });
  expect((await bare.get('/dev/mailbox')).status()).toBe(404);
  expect((await bare.post('/__test/clock?minutes=60', { headers: { origin: BARE_URL } })).status()).toBe(404);
  for (const password of [DEMO_PASSWORD, 'orgdesk-admin']) {
    const res = await bare.post('/api/sign_in', { headers: { origin: BARE_URL }, form: { email: 'admin@acme.test', password } });
    expect(res.status(), 'the demo credentials do not sign in').toBe(401);
  }
  await bare.dispose();
});
