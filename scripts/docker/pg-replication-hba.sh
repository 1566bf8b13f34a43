#!/bin/sh
# docker-compose.yml's `pg-primary`: let the `pg-replica` service stream from it (trust: a local test setup only).
echo "host replication all all trust" >> "$PGDATA/pg_hba.conf"
