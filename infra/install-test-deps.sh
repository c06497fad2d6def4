#!/usr/bin/env bash
# Installs the Debian packages the test suite uses: chromium for the end-to-end
# tests (driven by playwright-core, which downloads no browser of its own) and
# Mosquitto (the external-broker tests and the benchmark peer), InfluxDB (Debian
# ships 1.6: the InfluxDB adapter's tests and its benchmark figure) and
# mosquitto-clients for poking at the broker by hand; procps (pgrep, ps) for .ci/run's
# check that the tests left no process running; openssl for the TLS tests' certificates;
# prometheus for promtool, which lints /metrics in the tests. Idempotent.
set -euo pipefail
packages=(chromium mosquitto mosquitto-clients influxdb procps openssl prometheus)
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -eq 0 ]; then echo "infra: test dependencies present"; exit 0; fi
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
echo "infra: installing ${missing[*]}"
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian may start its own mosquitto service on 1883, the port `npm start` wants:
# the tests start their own brokers on free ports, so the system one is stopped.
if printf '%s\n' "${missing[@]}" | grep -qx mosquitto; then $SUDO service mosquitto stop >/dev/null 2>&1 || true; fi
# likewise Debian's prometheus service (port 9090): only its promtool is wanted
if printf '%s\n' "${missing[@]}" | grep -qx prometheus; then $SUDO service prometheus stop >/dev/null 2>&1 || true; fi
# Likewise Debian's influxdb service (8086): the tests start their own influxd.
if printf '%s\n' "${missing[@]}" | grep -qx influxdb; then $SUDO service influxdb stop >/dev/null 2>&1 || true; fi
