#!/bin/sh
# docker-compose.yml runs this once, when the postgres container first initialises its data: the same
# password-checked role scripts/services sets up for reliability row 27 (a fixture, not a secret:
# no privileges). Keep in sync with scripts/services and packages/pg/test/password-auth.ts.
set -e
psql -v ON_ERROR_STOP=1 --username postgres --dbname postgres <<'SQL'
SET password_encryption = 'scram-sha-256';
CREATE ROLE pool_pw_test LOGIN PASSWORD 'pool-pw-test-correct';
SQL
# first matching line wins: ours goes above the image's `host all all all trust`
{ echo "host all pool_pw_test all scram-sha-256"; cat "$PGDATA/pg_hba.conf"; } > /tmp/pg_hba.conf
cat /tmp/pg_hba.conf > "$PGDATA/pg_hba.conf"
rm -f /tmp/pg_hba.conf
