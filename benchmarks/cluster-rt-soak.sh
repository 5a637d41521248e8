#!/usr/bin/env bash
# A long real-time soak of executor mode on a real standalone cluster: a Master, Workers on
# 127.0.0.2 and 127.0.0.3 (one core each), `ServingApp` (echo) submitted with spark-submit in
# executor mode with the real-time trigger at the recommended 60 s batches and the one-step serving
# settings, HAProxy in front, and an open-loop load of RATE requests/s for SECONDS through it. Every
# INTERVAL seconds it samples the driver's and both executors' live heap after a full collection,
# their open descriptors and resident memory.
#
#   benchmarks/cluster-rt-soak.sh [SECONDS]     # default 1800; RATE=1000 INTERVAL=30 by default
#
# Writes the section between <!-- cluster-rt-soak:start --> and <!-- cluster-rt-soak:end --> of
# RESULTS.md, and fails when a request is lost or answered with an error, or when a JVM's live heap
# or descriptor count at the end is above its start by more than the bounds below. Every process
# is started through docker/local/sparkplug-local or here, recorded by PID and stopped by it; all
# traffic stays on loopback addresses.
set -euo pipefail
cd "$(dirname "$0")"
bench_dir=$(pwd)
repo=$(cd .. && pwd)
toolkit="$repo/docker/local/sparkplug-local"
# shellcheck source=lib.sh
. "$bench_dir/lib.sh"

seconds=${1:-1800}
rate=${RATE:-1000}
interval=${INTERVAL:-30}
# Bounds, per JVM, as in rt-soak.sh: the live heap may rise within a real-time batch and fall at
# the boundary, so the lowest sample of the first two minutes is compared with the lowest of the last
# two; it may grow by at most HEAP_SLACK_MB (Spark's bounded histories of progress reports, jobs,
# stages and executions). Descriptors may end at most FD_SLACK above the highest sample of the
# first two minutes: the executors' count climbs by about 50 in the first minute, as HAProxy opens
# its connections to them and the two servers to each other, and then stays flat.
heap_slack_mb=${HEAP_SLACK_MB:-32}
fd_slack=${FD_SLACK:-32}
(( seconds >= 120 && seconds <= 7200 )) || { echo "SECONDS must be 120..7200" >&2; exit 2; }

mvn -q -B -f "$repo/pom.xml" -pl benchmarks,serving-examples -am -DskipTests -DskipITs package
jar="$bench_dir/target/sparkplug-http-benchmarks.jar"
version=$(sed -n 's:.*<version>\(.*-SNAPSHOT\)</version>.*:\1:p' "$repo/pom.xml" | head -1)
connector="$repo/connector/target/sparkplug-http-connector-$version.jar"
tests_jar="$repo/serving-examples/target/sparkplug-http-serving-examples-$version-tests.jar"

work=$(mktemp -d /tmp/sparkplug-cluster-rt-soak.XXXXXX)
export SPARKPLUG_STATE="$work/state"
load_pid=""
cleanup() {
  [[ -z "$load_pid" ]] || kill "$load_pid" 2> /dev/null || true
  "$toolkit" stop all > /dev/null 2>&1 || true
}
trap cleanup EXIT

"$toolkit" homes > /dev/null
"$toolkit" master start --port "$(free_port)" --webui-port "$(free_port)" > "$work/master.env"
master_url=$(sed -n 's/^url=//p' "$work/master.env")
for host in 127.0.0.2 127.0.0.3; do
  "$toolkit" worker start "$host" --cores 1 --memory 1g --webui-port "$(free_port)" > /dev/null
done
port=$(free_port)
lb_port=$(free_port)
control=$(free_port)
"$toolkit" submit --name soak -- --master "$master_url" --jars "$connector" \
  --conf spark.executor.memory=512m --conf spark.ui.enabled=false \
  --class io.sparkplug.cluster.ServingApp "$tests_jar" \
  "service=echo,mode=executor,plan=echo,port=$port,path=/echo,controlPort=$control,checkpoint=$work/ckpt,trigger=real-time,batchSeconds=60" \
  > /dev/null
"$toolkit" haproxy start --port "$lb_port" --stats-port "$(free_port)" \
  "127.0.0.2:$port" "127.0.0.3:$port" > /dev/null

# Bounded wait until each executor's own server answers within 2 s (its reader runs).
for host in 127.0.0.2 127.0.0.3; do
  for i in $(seq 1 240); do
    curl -fsS --max-time 2 -d warm "http://$host:$port/echo" > /dev/null 2>&1 && break
    (( i < 240 )) || { echo "no answer from $host:$port after 240 tries: $work" >&2; exit 1; }
    sleep 0.5
  done
done

pid_of() { read -r pid _ < "$SPARKPLUG_STATE/run/$1.pid"; echo "$pid"; }
driver=$(pid_of driver-soak)
# An executor is the Worker's one CoarseGrainedExecutorBackend child.
executor_of() {
  local worker child
  worker=$(pid_of "worker-$1")
  for child in $(cat /proc/"$worker"/task/*/children 2> /dev/null); do
    grep -q CoarseGrainedExecutorBackend /proc/"$child"/cmdline 2> /dev/null && { echo "$child"; return; }
  done
  echo "no executor under Worker $1 (PID $worker)" >&2
  exit 1
}
exec2=$(executor_of 127.0.0.2)
exec3=$(executor_of 127.0.0.3)
jvms=("driver:$driver" "executor@127.0.0.2:$exec2" "executor@127.0.0.3:$exec3")

sample() { # sample ELAPSED: per JVM live heap (MB, after a full GC), descriptors, RSS (MB)
  local entry line="$1"
  for entry in "${jvms[@]}"; do
    line="$line $(jvm_sample "${entry##*:}")"
  done
  echo "$line" | tee -a "$work/samples.txt"
}

java -cp "$jar" io.sparkplug.bench.LoadGenerator --url "http://127.0.0.1:$lb_port/echo" \
  --method POST --body "hello cluster" --warmup 10 --rate "$rate" --duration "$seconds" \
  > "$work/load.json" 2> "$work/load.err" &
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
verdict=pass
[[ "$sent" == "$ok" && "$errors" == 0 && "$non2xx" == 0 ]] || verdict="fail: lost or failed requests"
per_window=$(( (120 + interval - 1) / interval ))
summary="$work/summary.txt"
: > "$summary"
for i in 0 1 2; do
  name=${jvms[$i]%%:*}
  heap_col=$((2 + 3 * i)) fd_col=$((3 + 3 * i))
  heap0=$(head -n "$per_window" "$work/samples.txt" | sort -n -k"$heap_col" | head -n 1 | cut -d' ' -f"$heap_col")
  heap1=$(tail -n "$per_window" "$work/samples.txt" | sort -n -k"$heap_col" | head -n 1 | cut -d' ' -f"$heap_col")
  heap_max=$(awk -v c="$heap_col" '{ if ($c > m) m = $c } END { print m }' "$work/samples.txt")
  fd0=$(head -n "$per_window" "$work/samples.txt" | sort -n -k"$fd_col" | tail -n 1 | cut -d' ' -f"$fd_col")
  fd1=$(tail -n 1 "$work/samples.txt" | cut -d' ' -f"$fd_col")
  echo "| $name | $heap0 | $heap1 | $heap_max | $fd0 | $fd1 |" >> "$summary"
  awk -v a="$heap0" -v b="$heap1" -v s="$heap_slack_mb" 'BEGIN { exit !(b - a > s) }' \
    && verdict="fail: $name live heap grew from $heap0 to $heap1 MB"
  (( fd1 - fd0 > fd_slack )) && verdict="fail: $name descriptors grew from $fd0 to $fd1"
done

section="$work/section.md"
{
  echo "<!-- cluster-rt-soak:start -->"
  echo "## Real-time soak (executor mode on a standalone cluster)"
  echo
  echo "Produced by \`benchmarks/cluster-rt-soak.sh $seconds\` on $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc)"
  echo "cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at the end: a Master, Workers on 127.0.0.2 and"
  echo "127.0.0.3 (one core each), \`ServingApp\` (echo) in executor mode, real-time with 60 s batches and"
  echo "the one-step settings, HAProxy in front; open loop at $rate requests/s through HAProxy for $seconds s"
  echo "after a 10 s warm-up. Verdict: **$verdict** (bounds per JVM: the lowest live heap of the last two"
  echo "minutes at most $heap_slack_mb MB above the lowest of the first two; the last descriptor count at"
  echo "most $fd_slack above the highest of the first two minutes)."
  echo
  echo "| sent | ok | errors | non-2xx | p50 ms | p99 ms | p99.9 ms | max ms |"
  echo "|---|---|---|---|---|---|---|---|"
  echo "| $sent | $ok | $errors | $non2xx | $(field "$line" p50Ms) | $(field "$line" p99Ms) |" \
    "$(field "$line" p999Ms) | $(field "$line" maxMs) |"
  echo
  echo "| JVM | live heap, lowest of first 2 min (MB) | lowest of last 2 min (MB) | highest (MB) | descriptors, highest of first 2 min | last |"
  echo "|---|---|---|---|---|---|"
  cat "$summary"
  echo
  echo "Samples every $interval s (elapsed s, then live MB, descriptors and RSS MB of the driver, the"
  echo "executor on 127.0.0.2 and the one on 127.0.0.3):"
  echo
  echo '```'
  cat "$work/samples.txt"
  echo '```'
  echo "<!-- cluster-rt-soak:end -->"
} > "$section"
replace_section cluster-rt-soak "$section" "$bench_dir/RESULTS.md"
echo "verdict: $verdict (work files in $work)"
[[ "$verdict" == pass ]]
