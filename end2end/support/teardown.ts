import fs from 'node:fs';

/** Removes this run's scratch directory (support/servers.ts, `runDir`) once every test has run. */
export default function teardown(): void {
  const dir = process.env.ORGDESK_E2E_RUN_DIR;
  if (dir && !process.env.ORGDESK_E2E_KEEP) {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
