#!/usr/bin/env bash
# CPU profiles of the broker under the produce-consume benchmark's load: one
# broker process for the produce (kcat -P) and a second one, restarted on the
# same data dir, for the consume (kcat -C), so each profile shows one path.
# Writes the .cpuprofile files and their summaries to bench/results/profile-*/.
#
#   MESSAGES=500000 bench/profile-broker.sh
set -euo pipefail
cd "$(dirname "$0")/.."

MESSAGES="${MESSAGES:-500000}"
BENCH_DIR="${BENCH_DIR:-$PWD/.tmp/bench}"
OUT="bench/results/profile-$(date -u '+%Y%m%dT%H%M%SZ')"
MESSAGES_FILE="$BENCH_DIR/profile-messages-$MESSAGES.txt"
DATA="$BENCH_DIR/profile-data"
PORT="$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{
  console.log(s.address().port); s.close();})")"

mkdir -p "$OUT" "$BENCH_DIR"
rm -rf "$DATA"; mkdir -p "$DATA"
[ -s "$MESSAGES_FILE" ] || node --import tsx bench/make-messages.ts "$MESSAGES" 1024 "$MESSAGES_FILE"

run_broker() {  # phase name, then the client command
  local phase="$1"; shift
  GREGOR_LOG_DIRS="$DATA" GREGOR_LISTENERS="PLAINTEXT://127.0.0.1:$PORT" GREGOR_LOG_LEVEL=warn \
    node --cpu-prof --cpu-prof-dir="$OUT/$phase" bin/gregor server >"$OUT/$phase.log" 2>&1 &
  local pid=$!
  for _ in $(seq 1 200); do
    (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break
    sleep 0.1
  done
  [ "$phase" = produce ] && node --import tsx bench/create-topic.ts "127.0.0.1:$PORT" bench 1
  local start=$EPOCHREALTIME
  "$@"
  echo "$phase: $(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }') s" |
    tee -a "$OUT/times.txt"
  kill -TERM "$pid"; wait "$pid" || true
  node --import tsx bench/profile-summary.ts --top=40 "$OUT/$phase"/*.cpuprofile >"$OUT/$phase.txt"
}

run_broker produce kcat -b "127.0.0.1:$PORT" -P -t bench -p 0 -X acks=1 -X linger.ms=5 \
  -X batch.size=1000000 -X queue.buffering.max.messages=1000000 -l "$MESSAGES_FILE"
run_broker consume sh -c "kcat -b 127.0.0.1:$PORT -C -t bench -p 0 -o beginning -e \
  -c $MESSAGES -X fetch.message.max.bytes=8388608 -q -f '\n' | wc -l"
rm -rf "$DATA"
echo "profiles and summaries in $OUT"
