import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The main instance every browser test uses. */
export const MAIN_PORT = Number(process.env.E2E_PORT || 3900);
/** The security suite's own instance: default limits, 127.0.0.1 trusted as a proxy. */
export const SECURITY_PORT = MAIN_PORT + 2;
/** An instance started with no settings at all: the binary's defaults. */
export const BARE_PORT = MAIN_PORT + 3;

/** The port the README-path test starts its own instance on (after its commands ran). */
export const OWN_PORT = MAIN_PORT + 4;
/** The two instances on one PostgreSQL database (two-instances.spec.ts). */
export const TWIN_PORTS = [MAIN_PORT + 5, MAIN_PORT + 6];

export const MAIN_URL = `http://127.0.0.1:${MAIN_PORT}`;
export const SECURITY_URL = `http://127.0.0.1:${SECURITY_PORT}`;
export const BARE_URL = `http://127.0.0.1:${BARE_PORT}`;

/**
 * This run's scratch directory: every instance's data directory and the specs' files go in it,
 * and the global teardown removes it (`ORGDESK_E2E_KEEP=1` keeps it, to look at afterwards).
 * Made once, by the process that reads the config, and handed to the test workers through the
 * environment they inherit.
 */
export function runDir(): string {
  if (!process.env.ORGDESK_E2E_RUN_DIR) {
    process.env.ORGDESK_E2E_RUN_DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'orgdesk-e2e-'));
  }
  return process.env.ORGDESK_E2E_RUN_DIR;
}

/** An instance's data directory, fresh for each run. */
export function dataDir(name: string): string {
  const dir = path.join(runDir(), name);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/** A new empty directory for a spec's files (a CSV to import, say), removed with the run's. */
export const scratchDir = (name: string): string => fs.mkdtempSync(path.join(runDir(), `${name}-`));

/** Where the instances send email: the loopback SMTP sink (support/smtp-sink.mjs). */
export const SMTP_TO_SINK = { ORGDESK_SMTP_HOST: '127.0.0.1', ORGDESK_SMTP_PORT: '2525', ORGDESK_SMTP_TLS: 'none' };

/** The environment an instance of the release build runs with, on its own SQLite file. */
export function serverEnv(name: string, port: number, env: Record<string, string> = {}): Record<string, string> {
  const root = path.resolve(__dirname, '..', '..');
  return {
    LEPTOS_SITE_ROOT: path.join(root, 'target', 'site'),
    LEPTOS_SITE_PKG_DIR: 'pkg',
    LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
    LEPTOS_OUTPUT_NAME: 'orgdesk',
    LEPTOS_ENV: 'PROD',
    DATABASE_URL: `sqlite://${dataDir(name)}/orgdesk.db?mode=rwc`,
    RUST_LOG: 'info',
    ...env,
  };
}

export const securityDatabase = () => path.join(dataDir('security'), 'orgdesk.db');

/** The release binary the servers run: also the admin command line (`orgdesk users …`). */
export function orgdeskBinary(): string {
  const root = path.resolve(__dirname, '..', '..');
  const targetDir = process.env.CARGO_TARGET_DIR || path.join(root, 'target');
  return path.join(targetDir, process.env.E2E_PROFILE || 'release', 'orgdesk');
}

/** The main instance's database, for the command line to work on beside the server. */
export const mainDatabaseUrl = () => `sqlite://${dataDir('main')}/orgdesk.db?mode=rwc`;
