#!/usr/bin/env bash
# What produce validation costs: kcat (librdkafka) produces MESSAGES x 1 KiB
# (acks=1, the settings of produce-consume.sh) to a fresh one-partition topic,
# alternately against a broker built from a base tree and one from this tree,
# ROUNDS times each, back to back so both see the same machine. Prints per
# run throughput and broker CPU per message, the medians and their ratios.
#
#   BASE=/path/to/base/checkout bench/validation-ab.sh          # ROUNDS=3 MESSAGES=1000000
#   CODEC=lz4 ROUNDS=2 BASE=... bench/validation-ab.sh
#
# Both trees need a built dist/ (node scripts/build.mjs) and node_modules. Not a
# test: never run by CI or npm test. Every broker it starts is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

BRANCH="$PWD"
BASE="${BASE:?set BASE to the checkout of the commit to compare against}"
ROUNDS="${ROUNDS:-3}"
MESSAGES="${MESSAGES:-1000000}"
CODEC="${CODEC:-none}"
BENCH_DIR="${BENCH_DIR:-$PWD/.tmp/bench-ab}"
PRODUCER_PROPS=(-X acks=1 -X compression.codec="$CODEC" -X linger.ms=5 -X batch.size=1000000
  -X batch.num.messages=100000 -X message.max.bytes=1000000
  -X queue.buffering.max.messages=1000000 -X queue.buffering.max.kbytes=2097151
  -X max.in.flight.requests.per.connection=5)

mkdir -p "$BENCH_DIR"
MESSAGES_FILE="$BENCH_DIR/messages-$MESSAGES.txt"
[ -s "$MESSAGES_FILE" ] || node --import tsx bench/make-messages.ts "$MESSAGES" 1024 "$MESSAGES_FILE"

BROKER_PID=
cleanup() { [ -n "$BROKER_PID" ] && kill -KILL "$BROKER_PID" 2>/dev/null; return 0; }
trap cleanup EXIT

free_port() {
  node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{
    console.log(s.address().port); s.close();})"
}
cpu_seconds() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$1/stat"; }
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

run_one() {  # tree label round
  local tree="$1" label="$2" port dir t0 t1 c0 c1 hw
  port="$(free_port)"; dir="$BENCH_DIR/data-$label"
  rm -rf "$dir"; mkdir -p "$dir"; sync
  GREGOR_LOG_LEVEL=warn node "$tree/bin/gregor" server --override "log.dirs=$dir" \
    --override "listeners=PLAINTEXT://127.0.0.1:$port" >"$BENCH_DIR/broker-$label.log" 2>&1 &
  BROKER_PID=$!
  for _ in $(seq 1 300); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
  # Create the topic (and load the codecs) before the timed part.
  echo warm | kcat -b "127.0.0.1:$port" -P -t ab -p 0 -X compression.codec="$CODEC" 2>/dev/null
  c0="$(cpu_seconds "$BROKER_PID")"; t0="$EPOCHREALTIME"
  kcat -b "127.0.0.1:$port" -P -t ab -p 0 "${PRODUCER_PROPS[@]}" -l "$MESSAGES_FILE"
  t1="$EPOCHREALTIME"; c1="$(cpu_seconds "$BROKER_PID")"
  hw="$(kcat -b "127.0.0.1:$port" -Q -t ab:0:-1 2>/dev/null | awk '{ print $NF }')"
  kill -TERM "$BROKER_PID"; wait "$BROKER_PID" 2>/dev/null || true; BROKER_PID=
  rm -rf "$dir"
  awk -v label="$label" -v n="$MESSAGES" -v a="$t0" -v b="$t1" -v c0="$c0" -v c1="$c1" -v hw="$hw" \
    'BEGIN { printf "%s msgs_per_s=%.0f broker_cpu_us_per_msg=%.2f high_watermark=%s\n",
      label, n / (b - a), 1e6 * (c1 - c0) / n, hw }'
}

RESULTS="$BENCH_DIR/results-$CODEC.txt"
: >"$RESULTS"
for round in $(seq 1 "$ROUNDS"); do
  run_one "$BASE" base "$round" | tee -a "$RESULTS"
  run_one "$BRANCH" branch "$round" | tee -a "$RESULTS"
done
summary() {  # label field
  grep "^$1 " "$RESULTS" | sed -n "s/.*$2=\([0-9.]*\).*/\1/p" | median
}
bt="$(summary base msgs_per_s)"; nt="$(summary branch msgs_per_s)"
bc="$(summary base broker_cpu_us_per_msg)"; nc="$(summary branch broker_cpu_us_per_msg)"
echo "codec=$CODEC messages=$MESSAGES rounds=$ROUNDS"
echo "median msgs/s: base $bt, branch $nt, ratio $(awk -v a="$nt" -v b="$bt" 'BEGIN { printf "%.3f", a / b }')"
echo "median broker CPU us/msg: base $bc, branch $nc, ratio $(awk -v a="$nc" -v b="$bc" 'BEGIN { printf "%.3f", a / b }')"
