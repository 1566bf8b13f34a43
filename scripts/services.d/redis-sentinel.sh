# Redis Sentinel for packages/redis's sentinel tests: a primary on 6390, a replica on 6391
# (`--replicaof`), and three sentinels on 26390-26392 watching it under the master name
# `pool-primary` (quorum 2). Each process is daemonized with its own directory under
# /var/lib/pool-redis-sentinel (config, pid file, log). Idempotent: a setup that answers is left as it
# is. Tests use this group read-mostly; the failover test starts its own group on other ports.
# Sourced by scripts/services (port_open, wait_port, need_pkg come from there).
POOL_SENTINEL_DIR=${POOL_SENTINEL_DIR:-/var/lib/pool-redis-sentinel}

start_redis_sentinel() {
  if port_open 6390 && port_open 6391 && port_open 26390 && port_open 26391 && port_open 26392; then
    echo "services: redis sentinel already up (6390, 6391, 26390-26392)"; return 0
  fi
  need_pkg redis-server redis-server
  need_pkg redis-sentinel redis-sentinel
  local port dir
  for port in 6390 6391; do
    port_open "$port" && continue
    dir="$POOL_SENTINEL_DIR/$port"; mkdir -p "$dir"
    local replica=()
    [ "$port" = 6391 ] && replica=(--replicaof 127.0.0.1 6390)
    redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$dir" \
      --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" "${replica[@]}"
    wait_port "redis sentinel data node" "$port"
  done
  for port in 26390 26391 26392; do
    port_open "$port" && continue
    dir="$POOL_SENTINEL_DIR/$port"; mkdir -p "$dir"
    # sentinel rewrites its config file: a fresh one each start, so a failover from a past run is forgotten
    cat >"$dir/sentinel.conf" <<CONF
port $port
bind 127.0.0.1
daemonize yes
pidfile $dir/sentinel.pid
logfile $dir/sentinel.log
dir $dir
sentinel monitor pool-primary 127.0.0.1 6390 2
sentinel down-after-milliseconds pool-primary 5000
sentinel failover-timeout pool-primary 10000
sentinel parallel-syncs pool-primary 1
CONF
    redis-sentinel "$dir/sentinel.conf"
    wait_port "redis sentinel" "$port"
  done
}
POOL_EXTRA_SERVICES="${POOL_EXTRA_SERVICES:-} redis_sentinel"
