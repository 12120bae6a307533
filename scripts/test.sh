#!/usr/bin/env bash
# `npm test`: installs what the tests need, type-checks, lints, then runs every test
# (unit tests beside the code in src/, cross-part and real-client tests in test/).
# `--unit` runs only the tests under src/, `--integration` only those under test/ and bench/;
# any other arguments are test files to run instead of all of them.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v kcat >/dev/null 2>&1 || missing+=(kcat)
[ -x /usr/bin/etcd ] || missing+=(etcd-server)
/usr/bin/python3 -c 'import confluent_kafka' >/dev/null 2>&1 || missing+=(python3-confluent-kafka)
# The fault campaign (test/faults/): namespaces and packet drops, I/O errors, clock jumps.
# It also needs root: without it the campaign test fails (GREGOR_SKIP_CAMPAIGN=1 skips it).
command -v ip >/dev/null 2>&1 || missing+=(iproute2)
command -v iptables >/dev/null 2>&1 || missing+=(iptables)
command -v fiu-ctrl >/dev/null 2>&1 || missing+=(fiu-utils)
command -v faketime >/dev/null 2>&1 || missing+=(faketime)
# The image test (test/deploy/image.test.ts) builds and runs the container image.
command -v docker >/dev/null 2>&1 || missing+=(docker.io)
command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
# promtool (Debian's prometheus package) checks the shipped alert rules and dashboard queries.
command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian packages the tests need: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "The tests need these Debian packages: ${missing[*]}" >&2
    echo "Install them with: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

# A fresh machine has the engine installed but not running (no init system in CI containers).
if ! docker info >/dev/null 2>&1 && [ "$(id -u)" = "0" ] && command -v dockerd >/dev/null 2>&1; then
  echo "Starting dockerd (log: /tmp/gregor-dockerd.log)"
  nohup dockerd >/tmp/gregor-dockerd.log 2>&1 &
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
fi

if ! npm ls --depth=0 >/dev/null 2>&1; then
  echo "Installing npm packages"
  npm install --no-audit --no-fund --loglevel=error
fi

npx tsc --noEmit
npx biome check src test bench
# Spawned brokers run the bundle when it is fresh (bin/gregor checks); build it so they start fast.
node scripts/build.mjs --js-only

case "${1:-}" in
  --unit) mapfile -t files < <(find src -name '*.test.ts' | sort) ;;
  --integration) mapfile -t files < <(find test bench -name '*.test.ts' | sort) ;;
  '') mapfile -t files < <(find src test bench -name '*.test.ts' | sort) ;;
  *) files=("$@") ;;
esac
GREGOR_LOG_LEVEL="${GREGOR_LOG_LEVEL:-warn}" exec node --import tsx --test --test-concurrency=2 \
  --test-timeout=300000 "${files[@]}"
