#!/usr/bin/env bash
# Produce and consume throughput of one Gregor broker with kcat (librdkafka),
# 1 KiB messages, acks=1, beside the machine's limits measured in the same run:
# loopback TCP (iperf3), sequential disk writes (fio) and Redis Streams XADD
# (redis-benchmark). Every figure is the median of RUNS runs. Prints a markdown
# table and writes it, with the raw per-run figures, to bench/results/.
#
#   bench/produce-consume.sh            # MESSAGES=1000000 RUNS=3
#   MESSAGES=200000 RUNS=1 bench/produce-consume.sh
#   BROKER_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' bench/produce-consume.sh
#   SKIP_BASELINES=1 bench/produce-consume.sh   # skip iperf3, fio and Redis (no ratios)
#
# Not a test: it is never run by CI or `npm test`. It needs root (or the Debian
# packages kcat, iperf3, fio, redis-server and redis-tools already installed).
set -euo pipefail
cd "$(dirname "$0")/.."

MESSAGES="${MESSAGES:-1000000}"
RUNS="${RUNS:-3}"
MESSAGE_BYTES=1024
BENCH_DIR="${BENCH_DIR:-$PWD/.tmp/bench}"          # data of every tool; one filesystem
IPERF_SECONDS="${IPERF_SECONDS:-3}"
FIO_SIZE="${FIO_SIZE:-2G}"
REDIS_CLIENTS="${REDIS_CLIENTS:-8}"
REDIS_PIPELINE="${REDIS_PIPELINE:-64}"
BROKER_NODE_ARGS="${BROKER_NODE_ARGS:-}"
# librdkafka settings for the producer (acks=1, no compression). batch.size and
# message.max.bytes let one ProduceRequest carry ~1 MB; linger.ms=5 fills it; the
# queue limits let kcat keep many requests in flight instead of blocking on its queue.
PRODUCER_PROPS=(-X acks=1 -X compression.codec=none -X linger.ms=5 -X batch.size=1000000
  -X batch.num.messages=100000 -X message.max.bytes=1000000
  -X queue.buffering.max.messages=1000000 -X queue.buffering.max.kbytes=2097151
  -X max.in.flight.requests.per.connection=5)
# Consumer: 8 MiB per partition per Fetch (librdkafka's default is 1 MiB) and a
# 256 MiB local queue, so the client asks for big chunks and never waits on itself.
CONSUMER_PROPS=(-X fetch.message.max.bytes=8388608 -X fetch.max.bytes=67108864
  -X queued.max.messages.kbytes=262144 -X queued.min.messages=1000000)

log() { printf '%s\n' "$*" >&2; }

install_missing() {
  local missing=()
  command -v kcat >/dev/null || missing+=(kcat)
  command -v iperf3 >/dev/null || missing+=(iperf3)
  command -v fio >/dev/null || missing+=(fio)
  command -v redis-server >/dev/null || missing+=(redis-server)
  command -v redis-benchmark >/dev/null || missing+=(redis-tools)
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" != 0 ]; then
    log "missing Debian packages: ${missing[*]} (install them with apt-get)"; exit 1
  fi
  log "installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

free_port() {
  node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{
    console.log(s.address().port); s.close();})"
}

wait_port() {  # port, pid: waits until something listens on 127.0.0.1:port
  local i
  for i in $(seq 1 200); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    kill -0 "$2" 2>/dev/null || { log "process $2 exited"; return 1; }
    sleep 0.1
  done
  log "nothing listens on port $1"; return 1
}

now() { printf '%s' "$EPOCHREALTIME"; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
cpu_seconds() {  # user+system CPU seconds a process has used so far
  awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$1/stat"
}
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

record() { printf '%s %s\n' "$1" "$2" >>"$RAW"; }   # name value, one per run
value() { awk -v k="$1" '$1 == k { print $2 }' "$RAW" | median; }
runs() { awk -v k="$1" '$1 == k { printf "%s%s", sep, $2; sep = ", " }' "$RAW"; }

bench_loopback() {
  local port out
  port="$(free_port)"
  iperf3 -s -B 127.0.0.1 -p "$port" >/dev/null 2>&1 &
  IPERF_PID=$!
  wait_port "$port" "$IPERF_PID"
  for run in $(seq 1 "$RUNS"); do
    out="$(iperf3 -c 127.0.0.1 -p "$port" -t "$IPERF_SECONDS" -J)"
    record loopback_MBps "$(node -e "const j=JSON.parse(process.argv[1]);
      console.log((j.end.sum_received.bits_per_second/8e6).toFixed(0))" "$out")"
  done
  kill "$IPERF_PID"; wait "$IPERF_PID" 2>/dev/null || true
  IPERF_PID=
}

bench_disk() {  # fio write bandwidth, page cache only and with an fsync at the end
  local dir="$BENCH_DIR/fio" fsync out
  for run in $(seq 1 "$RUNS"); do
    for fsync in 0 1; do
      rm -rf "$dir"; mkdir -p "$dir"
      out="$(fio --name=seqwrite --directory="$dir" --rw=write --bs=1M --size="$FIO_SIZE" \
        --direct=0 --end_fsync="$fsync" --ioengine=psync --output-format=json)"
      record "disk_fsync${fsync}_MBps" "$(node -e "const j=JSON.parse(process.argv[1]);
        console.log((j.jobs[0].write.bw_bytes/1e6).toFixed(0))" "$out")"
      rm -rf "$dir"; sync  # no writeback of this run left to slow the next measurement
    done
  done
  rm -rf "$dir"
}

bench_redis() {
  local port value start end
  port="$(free_port)"
  value="$(head -c "$MESSAGE_BYTES" /dev/zero | tr '\0' 'x')"
  for run in $(seq 1 "$RUNS"); do
    sync
    redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no \
      --dir "$BENCH_DIR" --loglevel warning >/dev/null &
    REDIS_PID=$!
    wait_port "$port" "$REDIS_PID"
    start="$(now)"
    redis-benchmark -p "$port" -n "$MESSAGES" -c "$REDIS_CLIENTS" -P "$REDIS_PIPELINE" -q \
      XADD bench '*' v "$value" >/dev/null
    end="$(now)"
    local stored
    stored="$(redis-cli -p "$port" XLEN bench)"
    [ "$stored" = "$MESSAGES" ] || { log "redis stored $stored of $MESSAGES"; exit 1; }
    record redis_msgs "$(awk -v n="$MESSAGES" -v s="$(elapsed "$start" "$end")" \
      'BEGIN { printf "%.0f", n / s }')"
    redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true
    wait "$REDIS_PID" 2>/dev/null || true
    REDIS_PID=
  done
}

start_broker() {  # dir, port; sets BROKER_PID
  # shellcheck disable=SC2086
  GREGOR_LOG_DIRS="$1" GREGOR_LISTENERS="PLAINTEXT://127.0.0.1:$2" GREGOR_LOG_LEVEL=warn \
    node $BROKER_NODE_ARGS bin/gregor server >"$BENCH_DIR/broker.log" 2>&1 &
  BROKER_PID=$!
  wait_port "$2" "$BROKER_PID" || { tail -20 "$BENCH_DIR/broker.log" >&2; exit 1; }
}

stop_broker() {
  [ -n "${BROKER_PID:-}" ] || return 0
  kill -TERM "$BROKER_PID" 2>/dev/null || true
  wait "$BROKER_PID" 2>/dev/null || true
  BROKER_PID=
}

broker_gone() {  # says how the broker ended, when it did
  kill -0 "$BROKER_PID" 2>/dev/null && return 0
  local status=0
  wait "$BROKER_PID" || status=$?
  log "the broker exited with status $status; its output:"; tail -20 "$BENCH_DIR/broker.log" >&2
  BROKER_PID=
}

cleanup() {  # on any exit: stop what this script started
  stop_broker
  [ -n "${IPERF_PID:-}" ] && kill "$IPERF_PID" 2>/dev/null
  [ -n "${REDIS_PID:-}" ] && kill "$REDIS_PID" 2>/dev/null
  return 0
}

# Runs a client command timed by bash, recording wall seconds and the CPU use
# (one core = 100%) of the client and of the broker. Usage: timed NAME CMD...
timed() {
  local name="$1" tfile="$BENCH_DIR/time.txt" cpu0 cpu1 wall client
  shift
  cpu0="$(cpu_seconds "$BROKER_PID")"
  { TIMEFORMAT='%R %U %S'; time "$@" 2>>"$BENCH_DIR/client.log"; } 2>"$tfile" || {
    log "$name failed (see $BENCH_DIR/client.log)"; broker_gone; exit 1
  }
  cpu1="$(cpu_seconds "$BROKER_PID")"
  read -r wall client <<<"$(awk '{ printf "%s %.2f", $1, $2 + $3 }' "$tfile")"
  record "${name}_s" "$wall"
  record "${name}_broker_cpu" "$(awk -v a="$cpu0" -v b="$cpu1" -v s="$wall" \
    'BEGIN { printf "%.0f", 100 * (b - a) / s }')"
  record "${name}_client_cpu" "$(awk -v c="$client" -v s="$wall" 'BEGIN { printf "%.0f", 100 * c / s }')"
}

produce_all() {  # port topic
  kcat -b "127.0.0.1:$1" -P -t "$2" -p 0 "${PRODUCER_PROPS[@]}" -l "$MESSAGES_FILE"
}

consume_all() {  # port topic
  # One byte of output per message ('\n'), counted by wc: ~1 MB through a pipe
  # next to ~1 GB of payload, so kcat's output is not what limits it.
  kcat -b "127.0.0.1:$1" -C -t "$2" -p 0 -o beginning -e -c "$MESSAGES" \
    "${CONSUMER_PROPS[@]}" -q -f '\n' | wc -l >"$BENCH_DIR/consumed.txt"
}

bench_gregor() {
  local port dir topic count
  for run in $(seq 1 "$RUNS"); do
    port="$(free_port)"; dir="$BENCH_DIR/gregor"; topic="bench-$run"
    rm -rf "$dir"; mkdir -p "$dir"; sync
    start_broker "$dir" "$port"
    node --import tsx bench/create-topic.ts "127.0.0.1:$port" "$topic" 1
    timed produce produce_all "$port" "$topic"
    sync  # the log's writeback done: the consume reads the page cache with the disk idle
    timed consume consume_all "$port" "$topic"
    count="$(cat "$BENCH_DIR/consumed.txt")"
    [ "$count" = "$MESSAGES" ] || { log "consumed $count of $MESSAGES"; exit 1; }
    stop_broker
    rm -rf "$dir"
  done
}

report() {
  local n="$MESSAGES" loop disk0 disk1 redis p_s c_s p_mb c_mb p_msg c_msg
  loop="$(value loopback_MBps)"; disk0="$(value disk_fsync0_MBps)"
  disk1="$(value disk_fsync1_MBps)"; redis="$(value redis_msgs)"
  p_s="$(value produce_s)"; c_s="$(value consume_s)"
  p_mb="$(awk -v n="$n" -v s="$p_s" -v b="$MESSAGE_BYTES" 'BEGIN { printf "%.0f", n * b / s / 1e6 }')"
  c_mb="$(awk -v n="$n" -v s="$c_s" -v b="$MESSAGE_BYTES" 'BEGIN { printf "%.0f", n * b / s / 1e6 }')"
  p_msg="$(awk -v n="$n" -v s="$p_s" 'BEGIN { printf "%.0f", n / s }')"
  c_msg="$(awk -v n="$n" -v s="$c_s" 'BEGIN { printf "%.0f", n / s }')"
  local redis_mb ratio
  redis_mb="$(awk -v m="$redis" -v b="$MESSAGE_BYTES" 'BEGIN { printf "%.0f", m * b / 1e6 }')"
  ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
  cat <<EOF
Gregor produce/consume benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores,
$MESSAGES messages of $MESSAGE_BYTES bytes, median of $RUNS runs, load average before: $LOAD_BEFORE

| what | MB/s | messages/s | Gregor / it (produce, consume) |
| --- | ---: | ---: | --- |
| loopback TCP (iperf3, 1 stream) | $loop | | $(ratio "$p_mb" "$loop"), $(ratio "$c_mb" "$loop") |
| disk write, page cache (fio, bs=1M, $FIO_SIZE) | $disk0 | | $(ratio "$p_mb" "$disk0") |
| disk write + fsync at end (fio, bs=1M, $FIO_SIZE) | $disk1 | | $(ratio "$p_mb" "$disk1") |
| Redis Streams XADD (redis-benchmark -c $REDIS_CLIENTS -P $REDIS_PIPELINE) | $redis_mb | $redis | $(ratio "$p_mb" "$redis_mb") |
| **Gregor produce** (kcat, acks=1) | **$p_mb** | **$p_msg** | |
| **Gregor consume** (kcat, from page cache) | **$c_mb** | **$c_msg** | |

CPU use (one core = 100%): broker produce $(value produce_broker_cpu)%, consume $(value consume_broker_cpu)%;
kcat produce $(value produce_client_cpu)%, consume $(value consume_client_cpu)%.
Per run (s): produce $(runs produce_s), consume $(runs consume_s).
Targets: produce >= 220 MB/s, consume >= 650 MB/s.
EOF
}

main() {
  trap cleanup EXIT
  install_missing
  mkdir -p "$BENCH_DIR" bench/results
  LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
  local stamp; stamp="$(date -u '+%Y%m%dT%H%M%SZ')"
  RAW="bench/results/produce-consume-$stamp.raw"; : >"$RAW"
  MESSAGES_FILE="$BENCH_DIR/messages-$MESSAGES.txt"
  if [ ! -s "$MESSAGES_FILE" ]; then
    node --import tsx bench/make-messages.ts "$MESSAGES" "$MESSAGE_BYTES" "$MESSAGES_FILE"
  fi
  if [ -z "${SKIP_BASELINES:-}" ]; then
    log "loopback (iperf3)"; bench_loopback
    log "disk (fio)"; bench_disk
    log "Redis Streams (redis-benchmark)"; bench_redis
  else
    record loopback_MBps nan; record disk_fsync0_MBps nan; record disk_fsync1_MBps nan
    record redis_msgs nan
  fi
  log "Gregor (kcat)"; bench_gregor
  report | tee "bench/results/produce-consume-$stamp.txt"
}

main "$@"
