# shellcheck shell=bash
# PgBouncer (Debian's `pgbouncer`) in transaction mode on 127.0.0.1:6432, in front of the shared
# PostgreSQL on 127.0.0.1:$PG_PORT. Sourced by scripts/services (port_open, wait_port, need_pkg).
# packages/pg's pooler tests use it: conformance through the pooler, and the SHOW POOLS budget check
# (default_pool_size = 5 server connections per user/database pair, whatever the clients ask for).
# PgBouncer refuses to run as root: it runs as the `postgres` user, with its files in its own dir.
# Admin console: `psql -h 127.0.0.1 -p 6432 -U postgres pgbouncer -c 'SHOW POOLS'`.
POOL_PGBOUNCER_PORT=${POOL_PGBOUNCER_PORT:-6432}
POOL_PGBOUNCER_DIR=${POOL_PGBOUNCER_DIR:-/var/lib/pool-services/pgbouncer}

pgbouncer_ini() {
  local dir=$1
  cat <<INI
[databases]
* = host=127.0.0.1 port=${PG_PORT:-5432}
; an alias of test for the conformance suite, whose server-side kill is KILL pool_conformance
pool_conformance = host=127.0.0.1 port=${PG_PORT:-5432} dbname=test

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $POOL_PGBOUNCER_PORT
unix_socket_dir = $dir
auth_type = trust
auth_file = $dir/userlist.txt
admin_users = postgres
stats_users = postgres
pool_mode = transaction
default_pool_size = 5
min_pool_size = 0
reserve_pool_size = 0
max_client_conn = 400
server_reset_query =
ignore_startup_parameters = extra_float_digits
logfile = $dir/pgbouncer.log
pidfile = $dir/pgbouncer.pid
INI
}

start_pgbouncer() {
  local dir=$POOL_PGBOUNCER_DIR
  if port_open "$POOL_PGBOUNCER_PORT"; then
    # ours, from an older version of this file: take the new settings without a restart
    if [ -f "$dir/pgbouncer.ini" ] && ! pgbouncer_ini "$dir" | cmp -s - "$dir/pgbouncer.ini"; then
      pgbouncer_ini "$dir" >"$dir/pgbouncer.ini"
      psql -X -q -w -h 127.0.0.1 -p "$POOL_PGBOUNCER_PORT" -U postgres pgbouncer -c RELOAD >/dev/null \
        && echo "services: pgbouncer config updated and reloaded"
    fi
    echo "services: pgbouncer already up"; return 0
  fi
  need_pkg pgbouncer pgbouncer
  mkdir -p "$dir"
  # trust: no password asked, but the user must be listed in auth_file
  printf '"postgres" ""\n' >"$dir/userlist.txt"
  pgbouncer_ini "$dir" >"$dir/pgbouncer.ini"
  local bin
  bin=$(command -v pgbouncer || echo /usr/sbin/pgbouncer)
  if [ "$(id -u)" = 0 ]; then
    chown -R postgres:postgres "$dir"
    su postgres -s /bin/bash -c "$bin -d -q $dir/pgbouncer.ini"
  else
    "$bin" -d -q "$dir/pgbouncer.ini"
  fi
  wait_port pgbouncer "$POOL_PGBOUNCER_PORT"
}

POOL_EXTRA_SERVICES="${POOL_EXTRA_SERVICES:-} pgbouncer"
