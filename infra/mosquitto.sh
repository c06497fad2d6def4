#!/usr/bin/env bash
# Runs Debian's Mosquitto natively for tests and benchmarks: on a chosen loopback
# port, with its own temporary config and data dir, in the background.
#   infra/mosquitto.sh start <port> <dir>   prints the pid; installs mosquitto if missing
#   infra/mosquitto.sh stop <dir>
set -euo pipefail
cmd=${1:?start|stop}
if [ "$cmd" = start ]; then
  port=${2:?port}; dir=${3:?dir}
  if ! command -v mosquitto >/dev/null && [ ! -x /usr/sbin/mosquitto ]; then
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends mosquitto >/dev/null
  fi
  bin=$(command -v mosquitto || echo /usr/sbin/mosquitto)
  mkdir -p "$dir"
  cat > "$dir/mosquitto.conf" <<CONF
listener $port 127.0.0.1
allow_anonymous true
persistence false
max_queued_messages 1000000
max_inflight_messages 0
# Nagle's algorithm off, as on Qala's own sockets (Mosquitto >= 2.0 leaves it on by default)
set_tcp_nodelay true
log_dest file $dir/mosquitto.log
CONF
  "$bin" -c "$dir/mosquitto.conf" >/dev/null 2>&1 &
  echo $! > "$dir/mosquitto.pid"
  for _ in $(seq 1 50); do
    if (exec 3<>/dev/tcp/127.0.0.1/"$port") 2>/dev/null; then cat "$dir/mosquitto.pid"; exit 0; fi
    sleep 0.1
  done
  echo "mosquitto did not start; see $dir/mosquitto.log" >&2
  exit 1
elif [ "$cmd" = stop ]; then
  dir=${2:?dir}
  [ -f "$dir/mosquitto.pid" ] && kill "$(cat "$dir/mosquitto.pid")" 2>/dev/null || true
else
  echo "usage: $0 start <port> <dir> | stop <dir>" >&2; exit 2
fi
