#!/usr/bin/env bash
# A long real-time soak of what users run: QuoteService started by the README's command (driver
# mode, real-time trigger, local[*]), an open-loop load of RATE requests/s for SECONDS, and every
# INTERVAL seconds the serving JVM's live heap after a full collection, its open descriptors and
# its resident memory.
#
#   benchmarks/rt-soak.sh [SECONDS]     # default 1800; RATE=1000 INTERVAL=60 by default
#
# Writes the section between <!-- rt-soak:start --> and <!-- rt-soak:end --> of RESULTS.md, and
# fails when a request is lost or answered with an error, or when the live heap or the descriptor
# count at the end is above its first sample (taken after the warm-up) by more than the bounds
# below. Every process is recorded by PID and stopped by it; all traffic goes to 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")"
bench_dir=$(pwd)
repo=$(cd .. && pwd)
# shellcheck source=lib.sh
. "$bench_dir/lib.sh"

seconds=${1:-1800}
rate=${RATE:-1000}
interval=${INTERVAL:-20}
port=${PORT:-19310}
# Bounds. The live heap may rise within a real-time batch (Spark's per-batch state; until
# 2026-12-02 also the request log, which kept every request of the running batch until the commit)
# and fall at the boundary, so the script compares the lowest sample of the first 60 s with the
# lowest of the last 60 s: that may grow by at most HEAP_SLACK_MB (Spark's bounded history: the
# last 100 progress reports, UI data of the last 1,000 executions, jobs and stages). Descriptors
# may end at most FD_SLACK above their first sample (the generator's keep-alive connections,
# Spark's log files).
heap_slack_mb=${HEAP_SLACK_MB:-32}
fd_slack=${FD_SLACK:-32}
(( seconds >= 60 && seconds <= 7200 )) || { echo "SECONDS must be 60..7200" >&2; exit 2; }

mvn -q -B -f "$repo/pom.xml" -pl benchmarks -am -DskipTests package
jar="$bench_dir/target/sparkplug-http-benchmarks.jar"
work=$(mktemp -d /tmp/sparkplug-rt-soak.XXXXXX)

mvn_pid="" jvm="" load_pid=""
stop_all() {
  [[ -z "$load_pid" ]] || kill "$load_pid" 2> /dev/null || true
  [[ -z "$jvm" ]] || kill "$jvm" 2> /dev/null || true
  if [[ -n "$mvn_pid" ]]; then
    for _ in $(seq 1 120); do kill -0 "$mvn_pid" 2> /dev/null || break; sleep 0.25; done
    kill -0 "$mvn_pid" 2> /dev/null && kill -9 "$mvn_pid" 2> /dev/null || true
  fi
}
trap stop_all EXIT

mvn -q -B -f "$repo/pom.xml" -Pserve -pl serving-examples -am verify -Dport="$port" \
  > "$work/quote.out" 2> "$work/quote.err" &
mvn_pid=$!
for _ in $(seq 1 600); do
  grep -q "serving at" "$work/quote.out" 2> /dev/null && break
  kill -0 "$mvn_pid" 2> /dev/null || { echo "QuoteService did not start: $work" >&2; exit 1; }
  sleep 0.5
done
# The serving JVM is the one Java child of Maven (exec:exec forks it).
jvm=$(cat /proc/"$mvn_pid"/task/*/children 2> /dev/null | tr ' ' '\n' | grep -m1 . || true)
[[ -n "$jvm" ]] || { echo "no serving JVM under Maven PID $mvn_pid" >&2; exit 1; }

sample() { # sample ELAPSED: live heap (MB, after a full GC), descriptors, RSS (MB)
  echo "$1 $(jvm_sample "$jvm")" | tee -a "$work/samples.txt"
}

body='{"item":"apple","quantity":3}'
java -cp "$jar" io.sparkplug.bench.LoadGenerator --url "http://127.0.0.1:$port/quote" \
  --method POST --body "$body" --header 'Content-Type: application/json' --warmup 10 \
  --rate "$rate" --duration "$seconds" > "$work/load.json" 2> "$work/load.err" &
load_pid=$!
sleep 15 # the generator's 10 s warm-up, then the first sample
sample_during "$load_pid" "$interval" sample
wait "$load_pid" || { echo "the load generator failed: $work/load.err" >&2; exit 1; }
load_pid=""
line=$(cat "$work/load.json")
echo "$line"

field() { json_field "$@"; }
sent=$(field "$line" sent) ok=$(field "$line" ok) errors=$(field "$line" errors)
non2xx=$(field "$line" non2xx)
per_batch=$(( (60 + interval - 1) / interval ))
heap0=$(head -n "$per_batch" "$work/samples.txt" | sort -n -k2 | head -n 1 | cut -d' ' -f2)
heap1=$(tail -n "$per_batch" "$work/samples.txt" | sort -n -k2 | head -n 1 | cut -d' ' -f2)
read -r _ _ fd0 _ < <(head -n 1 "$work/samples.txt")
read -r _ _ fd1 _ < <(tail -n 1 "$work/samples.txt")
heap_max=$(awk '{ if ($2 > m) m = $2 } END { print m }' "$work/samples.txt")
verdict=pass
[[ "$sent" == "$ok" && "$errors" == 0 && "$non2xx" == 0 ]] || verdict="fail: lost or failed requests"
awk -v a="$heap0" -v b="$heap1" -v s="$heap_slack_mb" 'BEGIN { exit !(b - a > s) }' \
  && verdict="fail: live heap grew from $heap0 to $heap1 MB"
(( fd1 - fd0 > fd_slack )) && verdict="fail: descriptors grew from $fd0 to $fd1"

section="$work/section.md"
{
  echo "<!-- rt-soak:start -->"
  echo "## Real-time soak (driver mode, what users run)"
  echo
  echo "Produced by \`benchmarks/rt-soak.sh $seconds\` on $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc)"
  echo "cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at the end: QuoteService started by the"
  echo "README's command (real-time, \`local[*]\`), open loop at $rate requests/s for $seconds s after a"
  echo "10 s warm-up. Verdict: **$verdict** (bounds: the lowest live heap of the last minute at most"
  echo "$heap_slack_mb MB above the lowest of the first minute; descriptors at most $fd_slack above"
  echo "their first sample)."
  echo
  echo "| sent | ok | errors | non-2xx | p50 ms | p99 ms | p99.9 ms | max ms |"
  echo "|---|---|---|---|---|---|---|---|"
  echo "| $sent | $ok | $errors | $non2xx | $(field "$line" p50Ms) | $(field "$line" p99Ms) |" \
    "$(field "$line" p999Ms) | $(field "$line" maxMs) |"
  echo
  echo "Live heap after a full GC: lowest of the first minute $heap0 MB, lowest of the last minute"
  echo "$heap1 MB, highest $heap_max MB;"
  echo "open descriptors: first $fd0, last $fd1. Samples every $interval s (elapsed s, live MB,"
  echo "descriptors, RSS MB):"
  echo
  echo '```'
  cat "$work/samples.txt"
  echo '```'
  echo "<!-- rt-soak:end -->"
} > "$section"
replace_section rt-soak "$section" "$bench_dir/RESULTS.md"
echo "verdict: $verdict (work files in $work)"
[[ "$verdict" == pass ]]
