import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { APIRequestContext, request } from '@playwright/test';

import { test, expect } from '../support/fixtures';
import { DEMO_PASSWORD } from '../support/demo';
import { TWIN_PORTS, SMTP_TO_SINK, orgdeskBinary, scratchDir, serverEnv } from '../support/servers';

// The documented scale-out path: two server processes, each with its own outbox worker, on one
// PostgreSQL database (the one the test command starts on 127.0.0.1:5432). A load balancer would
// give them one public address; here each has its own, and the browser's cookie (cookies ignore
// ports) travels between them as it would behind one.
const PG = process.env.ORGDESK_TEST_PG_URL || 'postgres://orgdesk:orgdesk@127.0.0.1:5432/postgres';
const DB = `orgdesk_e2e_twins_${process.pid}`;
const DB_URL = PG.replace(/\/[^/]*$/, `/${DB}`);
const [A, B] = TWIN_PORTS.map((port) => `http://127.0.0.1:${port}`);
const SIGN_IN_LIMIT = 4;

const sql = (query: string) =>
  execFileSync('psql', [DB_URL, '-Atqc', query], { encoding: 'utf8' }).trim();
const number = async (query: string) => Number(sql(query));

const running = new Map<string, ChildProcess>();

async function start(url: string, env: Record<string, string> = {}) {
  const port = Number(new URL(url).port);
  const child = spawn(orgdeskBinary(), ['serve'], {
    env: {
      ...process.env,
      ...serverEnv(`twin-${port}`, port, {
        ...SMTP_TO_SINK,
        DATABASE_URL: DB_URL,
        ORGDESK_PUBLIC_URL: url,
        ORGDESK_SIGN_IN_LIMIT: String(SIGN_IN_LIMIT),
        ORGDESK_TEST_CLOCK: '1',
        RUST_LOG: 'warn',
        ...env,
      }),
    },
    stdio: 'ignore',
  });
  running.set(url, child);
  await expect
    .poll(async () => (await fetch(`${url}/healthz`).catch(() => null))?.status, { timeout: 30_000 })
    .toBe(200);
  return child;
}

function kill9(url: string) {
  running.get(url)?.kill('SIGKILL');
  running.delete(url);
}

/** An API client speaking to `url` with that instance's origin, sharing `cookies` if given. */
async function client(url: string, storageState?: Awaited<ReturnType<APIRequestContext['storageState']>>) {
  return request.newContext({ baseURL: url, extraHTTPHeaders: { origin: url }, storageState });
}
const call = (ctx: APIRequestContext, fn: string, data: unknown) =>
  ctx.post(`/api/${fn}`, { headers: { 'content-type': 'application/json' }, data: JSON.stringify(data) });
const members = { search: null, status: null, role: 'Member' };
const listUsers = (ctx: APIRequestContext) =>
  call(ctx, 'list_users', { query: { filter: members, sort: 'Name', descending: false, page: 1, per_page: 50 } });
/** How many members there are, as the table's total shows it. */
const countMembers = async (ctx: APIRequestContext) => {
  const res = await call(ctx, 'count_users', { filter: members });
  expect(res.status()).toBe(200);
  return (await res.json()) as number;
};

/** Users whose state is half a reset: reset pending without a live link or with a password, or the reverse. */
const halfReset = () =>
  number(`SELECT COUNT(*) FROM users u WHERE
      (u.status = 'reset_pending') <> EXISTS (SELECT 1 FROM reset_links l WHERE l.user_id = u.id
          AND l.purpose = 'admin_reset' AND l.used_at IS NULL AND l.revoked_at IS NULL)
      OR (u.status = 'reset_pending' AND u.password_hash IS NOT NULL)
      OR EXISTS (SELECT 1 FROM reset_links l WHERE l.user_id = u.id AND l.purpose = 'admin_reset'
          AND l.used_at IS NULL AND l.revoked_at IS NULL AND NOT EXISTS (SELECT 1 FROM email_outbox o
          WHERE o.user_id = u.id AND o.kind = 'admin_reset' AND o.created_at >= l.created_at))`);

/** Messages the sink received from the two instances (their links name their ports), by recipient. */
async function delivered(): Promise<Map<string, number>> {
  const list = (await (await fetch('http://127.0.0.1:2580/messages')).json()) as { to: string; text: string }[];
  const counts = new Map<string, number>();
  for (const m of list) {
    if (m.text.includes(A) || m.text.includes(B)) counts.set(m.to, (counts.get(m.to) ?? 0) + 1);
  }
  return counts;
}
/** The outbox's emails, by recipient, as the database has them. */
function queued(): Map<string, number> {
  const rows = sql(`SELECT to_addr || ' ' || COUNT(*) FROM email_outbox GROUP BY to_addr`);
  return new Map(rows.split('\n').filter(Boolean).map((l) => [l.split(' ')[0], Number(l.split(' ')[1])]));
}

test.describe('Two instances, one PostgreSQL', () => {
  test.describe.configure({ mode: 'serial' });
  test.setTimeout(120_000);

  test.beforeAll(async () => {
    execFileSync('psql', [PG, '-qc', `DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`]);
    execFileSync('psql', [PG, '-qc', `CREATE DATABASE ${DB}`]);
    // A migrates and seeds the demo organization; B starts on what A made.
    await start(A, { ORGDESK_SEED_DEMO: '1', ORGDESK_DEMO_PASSWORD: DEMO_PASSWORD });
    await start(B);
    // 2,000 more members, imported by the command line and given passwords, so a bulk reset
    // takes long enough to be killed in the middle.
    const csv = path.join(scratchDir('twins'), 'people.csv');
    const lines = ['name,email,role,title,department'];
    for (let i = 0; i < 2000; i++) lines.push(`Twin Person ${i},twin${i}@twins.test,member,Engineer,Ops`);
    fs.writeFileSync(csv, lines.join('\n') + '\n');
    execFileSync(orgdeskBinary(), ['users', 'import', csv, '--org', 'Acme Corp'], {
      env: { ...process.env, DATABASE_URL: DB_URL, RUST_LOG: 'warn' },
    });
    sql(`UPDATE users SET status = 'active', password_hash = 'not-a-hash', password_changed_at = created_at WHERE email LIKE '%@twins.test'`);
  });
  test.afterAll(() => {
    for (const url of [...running.keys()]) kill9(url);
    execFileSync('psql', [PG, '-qc', `DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`]);
  });

  test('a session from one works on the other, and the sign-in limit is shared', async () => {
    const onA = await client(A);
    const signIn = await onA.post('/api/sign_in', { form: { email: 'admin@acme.test', password: DEMO_PASSWORD } });
    expect(signIn.status()).toBe(200);
    const onB = await client(B, await onA.storageState());
    const page = await listUsers(onB);
    expect(page.status()).toBe(200);
    expect((await page.json()).users.length).toBe(50);
    expect(await countMembers(onB)).toBeGreaterThan(1000);
    // Signed out on B: the same cookie is refused on A too.
    const cookie = await onA.storageState();
    expect((await onB.post('/api/sign_out', { form: {} })).status()).toBe(200);
    const afterSignOut = await client(A, cookie);
    expect((await listUsers(afterSignOut)).status()).toBe(401);

    // Wrong guesses for one account, spread over both: the limit counts them together.
    const guess = async (url: string) => {
      const c = await client(url);
      const status = (await c.post('/api/sign_in', { form: { email: 'grace.chen@acme.test', password: 'wrong-guess-123' } })).status();
      await c.dispose();
      return status;
    };
    const statuses = [await guess(A), await guess(B), await guess(A), await guess(B)];
    expect(statuses).toEqual(Array(SIGN_IN_LIMIT).fill(401));
    expect(await guess(A)).toBe(429);
    expect(await guess(B)).toBe(429);
    for (const c of [onA, onB, afterSignOut]) await c.dispose();
  });

  test('a bulk reset on one while the other serves the table; each email delivered exactly once across both', async () => {
    const admin = await client(A);
    await admin.post('/api/sign_in', { form: { email: 'admin@acme.test', password: DEMO_PASSWORD } });
    const reader = await client(B, await admin.storageState());
    const total = await countMembers(reader);

    const latencies: number[] = [];
    let resetting = true;
    const reading = (async () => {
      while (resetting) {
        const t = Date.now();
        const res = await listUsers(reader);
        expect(res.status()).toBe(200);
        latencies.push(Date.now() - t);
      }
    })();
    const reset = await call(admin, 'admin_reset_matching', { filter: members, expected_count: total });
    resetting = false;
    await reading;
    expect(reset.status()).toBe(200);
    const report = await reset.json();
    // Suspended and invited members are skipped, with their reason.
    expect(report.reset.length + report.skipped.length).toBe(total);
    expect(report.reset.length).toBeGreaterThan(2000);
    latencies.sort((x, y) => x - y);
    console.log(`bulk reset of ${report.reset.length} on A; B served ${latencies.length} pages meanwhile, slowest ${latencies.at(-1)} ms`);
    expect(latencies.length).toBeGreaterThan(0);
    expect(await halfReset()).toBe(0);

    // Both workers deliver; every queued email arrives once.
    await expect.poll(() => number(`SELECT COUNT(*) FROM email_outbox WHERE status <> 'sent'`), { timeout: 60_000 }).toBe(0);
    await expect.poll(async () => [...(await delivered()).values()].reduce((n, c) => n + c, 0), { timeout: 20_000 })
      .toBe([...queued().values()].reduce((n, c) => n + c, 0));
    expect(await delivered()).toEqual(queued());
    await admin.dispose();
    await reader.dispose();
  });

  test('kill -9 one instance mid-bulk: nobody is half reset, and the survivor delivers what the dead one had claimed', async () => {
    const admin = await client(A);
    await admin.post('/api/sign_in', { form: { email: 'admin@acme.test', password: DEMO_PASSWORD } });
    const total = await countMembers(admin);

    // Killed while the bulk reset runs: its transaction is all or nothing.
    const inFlight = call(admin, 'admin_reset_matching', { filter: members, expected_count: total }).catch(() => null);
    await new Promise((r) => setTimeout(r, 60));
    kill9(A);
    await inFlight;
    expect(await halfReset()).toBe(0);

    // Back up; this time killed after the reset committed, once its worker holds emails.
    const restarted = await start(A);
    const worker = `web-${restarted.pid}`;
    const again = await client(A);
    await again.post('/api/sign_in', { form: { email: 'admin@acme.test', password: DEMO_PASSWORD } });
    const reset = await call(again, 'admin_reset_matching', { filter: members, expected_count: total });
    expect(reset.status()).toBe(200);
    const held = `SELECT COUNT(*) FROM email_outbox WHERE status = 'sending' AND locked_by = '${worker}'`;
    await expect.poll(() => number(held), { timeout: 10_000, intervals: [5] }).toBeGreaterThan(0);
    kill9(A);
    const claimedByTheDead = await number(held);
    console.log(`A killed with ${claimedByTheDead} emails claimed and not recorded as sent`);
    expect(claimedByTheDead).toBeGreaterThan(0);
    expect(await halfReset()).toBe(0);

    // B takes them over once A's lease (5 minutes) has run out.
    const survivor = await request.newContext();
    expect((await survivor.post(`${B}/__test/clock?minutes=6`)).ok()).toBeTruthy();
    await expect.poll(() => number(`SELECT COUNT(*) FROM email_outbox WHERE status <> 'sent'`), { timeout: 60_000 }).toBe(0);
    // At least once for every email; twice at most for those A had on the wire when it died.
    await expect.poll(async () => [...(await delivered()).values()].reduce((n, c) => n + c, 0), { timeout: 20_000 })
      .toBeGreaterThanOrEqual([...queued().values()].reduce((n, c) => n + c, 0));
    const got = await delivered();
    let duplicates = 0;
    for (const [to, n] of queued()) {
      expect(got.get(to) ?? 0, to).toBeGreaterThanOrEqual(n);
      duplicates += (got.get(to) ?? 0) - n;
    }
    expect(duplicates).toBeLessThanOrEqual(claimedByTheDead);
    await survivor.dispose();
    await admin.dispose();
    await again.dispose();
  });
});
