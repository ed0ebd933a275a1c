#!/usr/bin/env bash
# Starts Debian's PostgreSQL on 127.0.0.1:5432 (if it isn't running) and makes sure the test
# role exists. Idempotent. Tests create (and drop) a database of their own per test.
set -euo pipefail
ver=$(ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -1)
if [ -z "$ver" ]; then
  echo "PostgreSQL is not installed (scripts/setup.sh installs it)" >&2
  exit 1
fi
if ! pg_lsclusters -h 2>/dev/null | grep -q "^$ver main"; then
  pg_createcluster "$ver" main >/dev/null
fi
if ! pg_lsclusters -h | grep -q "^$ver main .* online"; then
  pg_ctlcluster --skip-systemctl-redirect "$ver" main start
fi
for _ in $(seq 1 30); do
  pg_isready -h 127.0.0.1 -p 5432 -q && break
  sleep 0.5
done
su postgres -c "psql -qtAc \"SELECT 1 FROM pg_roles WHERE rolname='orgdesk'\"" | grep -q 1 ||
  su postgres -c "psql -qc \"CREATE ROLE orgdesk LOGIN SUPERUSER PASSWORD 'orgdesk'\""
echo "postgres://orgdesk:orgdesk@127.0.0.1:5432/postgres"
