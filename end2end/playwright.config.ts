import { defineConfig } from '@playwright/test';
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';

// The app under test: the release build, on a fresh SQLite file, sending email over real SMTP
// to the loopback sink, with a test clock the expiry test can move.
const root = path.resolve(__dirname, '..');
const targetDir = process.env.CARGO_TARGET_DIR || path.join(root, 'target');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'orgdesk-e2e-'));
const port = Number(process.env.E2E_PORT || 3900);
export const baseURL = `http://127.0.0.1:${port}`;

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
  use: {
    baseURL,
    screenshot: 'on',
    trace: 'retain-on-failure',
    viewport: { width: 1280, height: 860 },
    launchOptions: chromium,
  },
  projects: [
    { name: 'hydrated', testIgnore: /(no-js|select-all-matching)\.spec\.ts/ },
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
    {
      command: path.join(targetDir, process.env.E2E_PROFILE || 'release', 'orgdesk-server'),
      cwd: root,
      url: `${baseURL}/healthz`,
      timeout: 120_000,
      reuseExistingServer: false,
      stdout: 'pipe',
      env: {
        LEPTOS_SITE_ROOT: path.join(root, 'target', 'site'),
        LEPTOS_SITE_PKG_DIR: 'pkg',
        LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
        LEPTOS_OUTPUT_NAME: 'orgdesk',
        LEPTOS_ENV: 'PROD',
        DATABASE_URL: `sqlite://${dataDir}/orgdesk.db?mode=rwc`,
        ORGDESK_SMTP_HOST: '127.0.0.1',
        ORGDESK_SMTP_PORT: '2525',
        ORGDESK_SMTP_TLS: 'none',
        ORGDESK_TEST_CLOCK: '1',
        ORGDESK_SIGN_IN_LIMIT: '1000',
        RUST_LOG: 'info',
      },
    },
  ],
});
