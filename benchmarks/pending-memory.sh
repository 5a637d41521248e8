#!/usr/bin/env bash
# Holds 100,000 pending requests against a driver with a 512 MB heap and prints what they cost.
#
#   benchmarks/pending-memory.sh [OUTPUT.md]     # about 2 minutes; build the module first
#
# The server answers nothing (its query filters every request out), so every request stays
# pending until the client disconnects; the server must then forget them all.
set -euo pipefail
cd "$(dirname "$0")"
jar=target/sparkplug-http-benchmarks.jar
out=${1:-/dev/stdout}
flags=$(sed -n "s:.*<spark.jvm.flags>\(.*\)</spark.jvm.flags>.*:\1:p" ../pom.xml)
work=$(mktemp -d /tmp/sparkplug-pending.XXXXXX)
port=19099
connections=1000
per_connection=100
target=$((connections * per_connection))

server_pid=""
client_pid=""
cleanup() {
  for pid in $client_pid $server_pid; do
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid"
      for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
      if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid"; fi
    fi
  done
  return 0
}
trap cleanup EXIT

# wait_for FILE PATTERN SECONDS [FROM_LINE]: waits for a line matching PATTERN at or after FROM_LINE.
wait_for() {
  for _ in $(seq 1 $(($3 * 4))); do
    tail -n "+${4:-1}" "$1" | grep -q "$2" && return 0
    sleep 0.25
  done
  echo "timed out waiting for '$2' in $1" >&2
  return 1
}

lines() {
  wc -l < "$1"
}

# The heap in use after the server's latest full collection, from its PENDING lines.
heap_used_mb() {
  sleep 2
  awk '/^PENDING/ {v=$4} END {print v}' "$work/server.out"
}

rss_mb() {
  awk '/VmRSS/ {printf "%.0f", $2/1024}' "/proc/$server_pid/status"
}

# shellcheck disable=SC2086
java $flags -Xmx512m -XX:+UseG1GC -cp "$jar" io.sparkplug.bench.SparkPlugServer \
  --port "$port" --master 'local[2]' --scenario hold --checkpoint-root /dev/shm \
  --max-seconds 600 > "$work/server.out" 2> "$work/server.err" &
server_pid=$!
wait_for "$work/server.out" READY 120
wait_for "$work/server.out" "PENDING 0 " 120
idle_heap=$(heap_used_mb)
idle_rss=$(rss_mb)

java -cp "$jar" io.sparkplug.bench.PendingClient --port "$port" --path /hold \
  --connections "$connections" --per-connection "$per_connection" --hold-seconds 300 \
  > "$work/client.out" 2> "$work/client.err" < /dev/null &
client_pid=$!
wait_for "$work/client.out" SENT 120
wait_for "$work/server.out" "PENDING $target " 120
held_heap=$(heap_used_mb)
held_rss=$(rss_mb)

from=$(($(lines "$work/server.out") + 1))
kill "$client_pid"
wait "$client_pid" 2>/dev/null || true
client_pid=""
wait_for "$work/server.out" "PENDING 0 " 120 "$from"
after_heap=$(heap_used_mb)

{
  echo "| state | heap used after GC (MB) | process RSS (MB) |"
  echo "|---|---|---|"
  echo "| idle, query running | $idle_heap | $idle_rss |"
  echo "| $target requests pending ($connections connections x $per_connection pipelined) | $held_heap | $held_rss |"
  echo "| after the clients disconnected | $after_heap | $(rss_mb) |"
  echo
  echo "Driver started with \`-Xmx512m -XX:+UseG1GC\`; heap in use right after \`System.gc()\`, read by the driver itself (MemoryMXBean)."
  echo "Per pending request: about $(( (held_heap - idle_heap) * 1024 * 1024 / target )) bytes of heap."
} > "$out"
