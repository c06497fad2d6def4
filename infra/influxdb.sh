#!/usr/bin/env bash
# Runs Debian's InfluxDB (1.6) natively for tests and benchmarks: HTTP on a chosen
# loopback port, its meta, data and WAL in a given dir, in the background. Started
# again on the same dir and ports, it finds what it stored before (a restart).
#   infra/influxdb.sh start <http-port> <dir> <rpc-port>   prints the pid; installs influxdb if missing
#   infra/influxdb.sh stop <dir>
set -euo pipefail
cmd=${1:?start|stop}
if [ "$cmd" = start ]; then
  port=${2:?http port}; dir=${3:?dir}; rpc=${4:?rpc port (backup/restore service; bound on loopback)}
  if ! command -v influxd >/dev/null; then
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends influxdb >/dev/null
  fi
  mkdir -p "$dir"
  # Only what differs from influxd's defaults: every address on loopback, every
  # path in $dir, no phoning home, no _internal monitor database, no query log.
  # wal-fsync-delay 0 (the default, kept explicit): a write is fsynced before its
  # 204, so an accepted batch survives kill -9 of influxd.
  cat > "$dir/influxdb.conf" <<CONF
reporting-disabled = true
bind-address = "127.0.0.1:$rpc"
[meta]
  dir = "$dir/meta"
[data]
  dir = "$dir/data"
  wal-dir = "$dir/wal"
  wal-fsync-delay = "0s"
  query-log-enabled = false
[http]
  bind-address = "127.0.0.1:$port"
  log-enabled = false
[monitor]
  store-enabled = false
[logging]
  level = "warn"
CONF
  influxd -config "$dir/influxdb.conf" >>"$dir/influxd.log" 2>&1 &
  echo $! > "$dir/influxd.pid"
  for _ in $(seq 1 100); do
    if (exec 3<>/dev/tcp/127.0.0.1/"$port") 2>/dev/null; then cat "$dir/influxd.pid"; exit 0; fi
    kill -0 "$(cat "$dir/influxd.pid")" 2>/dev/null || break
    sleep 0.1
  done
  echo "influxd did not start; see $dir/influxd.log" >&2
  exit 1
elif [ "$cmd" = stop ]; then
  dir=${2:?dir}
  [ -f "$dir/influxd.pid" ] && kill "$(cat "$dir/influxd.pid")" 2>/dev/null || true
else
  echo "usage: $0 start <http-port> <dir> <rpc-port> | stop <dir>" >&2; exit 2
fi
