# shellcheck shell=bash
# A PostgreSQL streaming replica on 127.0.0.1:5433 for packages/pg's replica-routing tests.
# The shared server on 5432 allows no replication connections (its pg_hba has no `replication`
# line) and must not be reconfigured, so the replica follows a PRIVATE primary on 127.0.0.1:5434
# that this script creates (initdb) and starts: both are throwaway clusters, trust auth on loopback,
# database `test`. The replica is made with `pg_basebackup -R` and streams from the primary.
# Sourced by scripts/services (port_open, wait_port, need_pkg). Runs the server binaries as the
# `postgres` user (initdb and postgres refuse root). Idempotent: whatever already answers is kept.
POOL_PG_PRIMARY_PORT=${POOL_PG_PRIMARY_PORT:-5434}
POOL_PG_REPLICA_PORT=${POOL_PG_REPLICA_PORT:-5433}
POOL_PG_REPLICA_DIR=${POOL_PG_REPLICA_DIR:-/var/lib/pool-services/pg-replica}

pg_bindir() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
  [ -n "$dir" ] && [ -x "$dir/initdb" ] || { need_pkg pg_ctlcluster postgresql >&2; dir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1); }
  echo "$dir"
}

# runs a command as the postgres OS user when this script runs as root
as_postgres() {
  if [ "$(id -u)" = 0 ]; then
    local args=() arg
    for arg in "$@"; do args+=("$(printf '%q' "$arg")"); done
    su postgres -s /bin/bash -c "${args[*]}"
  else
    "$@"
  fi
}

pg_private_start() { # bindir, datadir, port
  as_postgres "$1/pg_ctl" -D "$2" -l "$2/server.log" -w -t 60 \
    -o "-p $3 -c listen_addresses=127.0.0.1 -c unix_socket_directories=$(dirname "$2")" start >/dev/null
}

start_pg_replica() {
  local bin root=$POOL_PG_REPLICA_DIR
  if port_open "$POOL_PG_REPLICA_PORT" && port_open "$POOL_PG_PRIMARY_PORT"; then
    echo "services: pg primary ($POOL_PG_PRIMARY_PORT) and replica ($POOL_PG_REPLICA_PORT) already up"; return 0
  fi
  bin=$(pg_bindir)
  mkdir -p "$root"
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$root"
  if ! port_open "$POOL_PG_PRIMARY_PORT"; then
    if [ ! -f "$root/primary/PG_VERSION" ]; then
      as_postgres "$bin/initdb" -D "$root/primary" -U postgres --auth=trust --no-sync >/dev/null
      # small and fast: a throwaway cluster (initdb's pg_hba already trusts local replication)
      cat >>"$root/primary/postgresql.conf" <<CONF
shared_buffers = 16MB
max_connections = 60
fsync = off
synchronous_commit = off
full_page_writes = off
wal_level = replica
max_wal_senders = 5
wal_keep_size = 64MB
CONF
    fi
    pg_private_start "$bin" "$root/primary" "$POOL_PG_PRIMARY_PORT"
    wait_port pg-primary "$POOL_PG_PRIMARY_PORT"
    as_postgres "$bin/psql" -X -q -tA -h 127.0.0.1 -p "$POOL_PG_PRIMARY_PORT" -U postgres -d postgres \
      -c "SELECT 1 FROM pg_database WHERE datname = 'test'" | grep -q 1 \
      || as_postgres "$bin/psql" -X -q -h 127.0.0.1 -p "$POOL_PG_PRIMARY_PORT" -U postgres -d postgres -c 'CREATE DATABASE test'
  fi
  if ! port_open "$POOL_PG_REPLICA_PORT"; then
    # a replica left by an earlier run may belong to an older primary: take a fresh copy every time
    rm -rf "$root/replica"
    as_postgres "$bin/pg_basebackup" -h 127.0.0.1 -p "$POOL_PG_PRIMARY_PORT" -U postgres -D "$root/replica" -R -X stream -c fast
    pg_private_start "$bin" "$root/replica" "$POOL_PG_REPLICA_PORT"
    wait_port pg-replica "$POOL_PG_REPLICA_PORT"
  fi
  local standby
  standby=$(as_postgres "$bin/psql" -X -q -tA -h 127.0.0.1 -p "$POOL_PG_REPLICA_PORT" -U postgres -d test -c 'SELECT pg_is_in_recovery()')
  [ "$standby" = t ] || { echo "services: 127.0.0.1:$POOL_PG_REPLICA_PORT is not a standby" >&2; return 1; }
}

POOL_EXTRA_SERVICES="${POOL_EXTRA_SERVICES:-} pg_replica"
