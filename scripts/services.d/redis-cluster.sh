# Redis Cluster for packages/redis's cluster tests: six `redis-server --cluster-enabled yes` on
# 7000-7005 (cluster bus 17000-17005), joined with `redis-cli --cluster create ... --cluster-replicas 1`
# (three primaries, three replicas). Each node is daemonized with its own directory under
# /var/lib/pool-redis-cluster (nodes.conf, pid file, log). Idempotent: a cluster that answers
# `cluster_state:ok` is left as it is; nodes that are down are started again (they rejoin with their
# nodes.conf). Tests use it read-mostly; the failover and resharding tests start their own cluster.
# Sourced by scripts/services (port_open, wait_port, need_pkg come from there).
POOL_CLUSTER_DIR=${POOL_CLUSTER_DIR:-/var/lib/pool-redis-cluster}

cluster_ok() { redis-cli -h 127.0.0.1 -p "$1" cluster info 2>/dev/null | grep '^cluster_state:ok' >/dev/null; } # no grep -q: with pipefail, an early exit could SIGPIPE redis-cli

start_redis_cluster() {
  local port all_up=1
  for port in 7000 7001 7002 7003 7004 7005; do port_open "$port" || all_up=0; done
  if [ "$all_up" = 1 ] && cluster_ok 7000; then echo "services: redis cluster already up (7000-7005)"; return 0; fi
  need_pkg redis-server redis-server
  need_pkg redis-cli redis-tools
  local dir
  for port in 7000 7001 7002 7003 7004 7005; do
    port_open "$port" && continue
    dir="$POOL_CLUSTER_DIR/$port"; mkdir -p "$dir"
    redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$dir" \
      --cluster-enabled yes --cluster-config-file "$dir/nodes.conf" --cluster-node-timeout 5000 \
      --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log"
    wait_port "redis cluster node" "$port"
  done
  # a node that knows no other node (fresh nodes.conf) means the cluster was never created
  if [ "$(redis-cli -h 127.0.0.1 -p 7000 cluster info | tr -d '\r' | sed -n 's/^cluster_known_nodes://p')" = 1 ]; then
    redis-cli --cluster create 127.0.0.1:7000 127.0.0.1:7001 127.0.0.1:7002 127.0.0.1:7003 127.0.0.1:7004 127.0.0.1:7005 \
      --cluster-replicas 1 --cluster-yes >/dev/null
  fi
  for _ in $(seq 1 60); do cluster_ok 7000 && { echo "services: redis cluster is up on 7000-7005"; return 0; }; sleep 0.5; done
  echo "services: redis cluster on 7000-7005 did not reach cluster_state:ok" >&2; return 1
}
POOL_EXTRA_SERVICES="${POOL_EXTRA_SERVICES:-} redis_cluster"
