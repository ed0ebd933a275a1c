import { defineConfig } from '@playwright/test';
import path from 'node:path';
import { DEMO_PASSWORD } from './support/demo';
import { BARE_PORT, MAIN_PORT, SECURITY_PORT, SMTP_TO_SINK, orgdeskBinary, serverEnv } from './support/servers';

// The app under test: the release build, on a fresh SQLite file, sending email over real SMTP
// to the loopback sink, with a test clock the expiry test can move (a build with the
// test-clock feature), and the demo organization seeded with a known password.
const root = path.resolve(__dirname, '..');
export const baseURL = `http://127.0.0.1:${MAIN_PORT}`;

/** One instance of the release build, on its own SQLite file. */
function server(name: string, port: number, env: Record<string, string>) {
  return {
    command: orgdeskBinary(),
    cwd: root,
    url: `http://127.0.0.1:${port}/healthz`,
    timeout: 120_000,
    reuseExistingServer: false,
    stdout: 'pipe' as const,
    env: serverEnv(name, port, env),
  };
}
const demo = { ORGDESK_SEED_DEMO: '1', ORGDESK_DEMO_PASSWORD: DEMO_PASSWORD };

const chromium = {
  executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
};

export default defineConfig({
  testDir: './tests',
  outputDir: './test-results',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list'], ['html', { outputFolder: 'playwright-report', open: 'never' }]],
  // Removes the run's data directories and scratch files (support/servers.ts, `runDir`).
  globalTeardown: './support/teardown.ts',
  use: {
    baseURL,
    screenshot: 'on',
    trace: 'retain-on-failure',
    viewport: { width: 1280, height: 860 },
    launchOptions: chromium,
  },
  projects: [
    { name: 'hydrated', testIgnore: /(no-js|select-all-matching|security)\.spec\.ts/ },
    { name: 'security', testMatch: /security\.spec\.ts/ },
    { name: 'after-all', testMatch: /select-all-matching\.spec\.ts/, dependencies: ['hydrated', 'no-js'] },
    { name: 'no-js', testMatch: /no-js\.spec\.ts/, use: { javaScriptEnabled: false } },
  ],
  webServer: [
    {
      command: 'node support/smtp-sink.mjs',
      url: 'http://127.0.0.1:2580/health',
      reuseExistingServer: false,
      stdout: 'pipe',
    },
    // The dev and test surfaces are opt-in; the binary is built with the test-clock feature.
    server('main', MAIN_PORT, { ...SMTP_TO_SINK, ...demo, ORGDESK_TEST_CLOCK: '1', ORGDESK_SIGN_IN_LIMIT: '1000' }),
    server('security', SECURITY_PORT, { ...SMTP_TO_SINK, ...demo, ORGDESK_TRUSTED_PROXIES: '127.0.0.1' }),
    server('bare', BARE_PORT, {}),
  ],
});
