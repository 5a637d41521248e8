#!/usr/bin/env bash
# Runs the benchmark suite and writes benchmarks/RESULTS.md and benchmarks/latency-vs-rate.png.
#
#   benchmarks/run-suite.sh            # the whole suite, about 13 minutes on 2 cores
#   QUICK=1 benchmarks/run-suite.sh    # shorter runs, for trying the script (figures are rough)
#
# Every server is started here, recorded by PID, bounded by --max-seconds, and stopped by that
# PID. All traffic goes to 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")"
bench_dir=$(pwd)
repo=$(cd .. && pwd)

mvn -q -B -f "$repo/pom.xml" -pl benchmarks -am -DskipTests package
jar="$bench_dir/target/sparkplug-http-benchmarks.jar"
flags=$(sed -n "s:.*<spark.jvm.flags>\(.*\)</spark.jvm.flags>.*:\1:p" "$repo/pom.xml")
work=$(mktemp -d /tmp/sparkplug-bench.XXXXXX)
results="$work/results.jsonl"
: > "$results"

seconds=${QUICK:+3}
seconds=${seconds:-8}
warmup=${QUICK:+1}
warmup=${warmup:-2}
# Real-time batches log offsets every 30 s; the long run crosses at least one boundary.
boundary_seconds=${QUICK:+8}
boundary_seconds=${boundary_seconds:-40}

# Spark settings for low latency (docs/performance.md explains each one).
tuned=(
  -Dspark.sql.streaming.pollingDelay=1ms
  -Dspark.sql.streaming.checkpointFileManagerClass=io.sparkplug.http.ServingCheckpointFileManager
  -Dspark.hadoop.fs.file.impl=org.apache.hadoop.fs.RawLocalFileSystem
  -Dspark.buffer.pageSize=1m
)

server_pid=""
stop_server() {
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid"
    for _ in $(seq 1 60); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.25; done
    if kill -0 "$server_pid" 2>/dev/null; then kill -9 "$server_pid"; fi
  fi
  server_pid=""
}
trap stop_server EXIT

# start_server NAME PORT java-args... : starts a server and waits (bounded) until it is READY.
start_server() {
  local name=$1 port=$2
  shift 2
  # shellcheck disable=SC2086
  java $flags -Xmx2g "$@" > "$work/$name.out" 2> "$work/$name.err" &
  server_pid=$!
  for _ in $(seq 1 240); do
    if grep -q READY "$work/$name.out"; then return 0; fi
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.5
  done
  echo "server $name did not become ready; see $work/$name.err" >&2
  exit 1
}

body_for() {
  case $1 in
    echo) echo 'hello, sparkplug: a sixty-four byte request body for the echo test' ;;
    json) echo '{"name":"ada","amount":12.5}' ;;
    ml) echo '{"features":[0.5,-1.2,0.3,2.0]}' ;;
  esac
}

path_for() {
  case $1 in
    echo) echo /echo ;;
    json) echo /json ;;
    ml) echo /score ;;
  esac
}

# load SYSTEM SCENARIO PORT LABEL generator-args...
load() {
  local system=$1 scenario=$2 port=$3 label=$4
  shift 4
  local line
  line=$(java -cp "$jar" io.sparkplug.bench.LoadGenerator \
    --url "http://127.0.0.1:$port$(path_for "$scenario")" --method POST \
    --body "$(body_for "$scenario")" --warmup "$warmup" "$@" 2> "$work/last-load.err")
  echo "{\"system\":\"$system\",\"scenario\":\"$scenario\",\"load\":\"$label\",${line#\{}" >> "$results"
  echo "$system / $scenario / $label: $line"
}

# loads SYSTEM SCENARIO PORT: the load set of one scenario.
loads() {
  local system=$1 scenario=$2 port=$3
  load "$system" "$scenario" "$port" "sequential" --connections 1 --duration "$seconds"
  if [[ $scenario == echo ]]; then
    for rate in 100 200 500 1000 2000; do
      load "$system" "$scenario" "$port" "open $rate/s" --rate "$rate" --duration "$seconds"
    done
  else
    for rate in 200 1000; do
      load "$system" "$scenario" "$port" "open $rate/s" --rate "$rate" --duration "$seconds"
    done
  fi
  load "$system" "$scenario" "$port" "closed 64" --connections 64 --duration "$seconds"
}

port=19100
for scenario in echo json ml; do
  port=$((port + 1))
  start_server "bare-$scenario" "$port" -cp "$jar" io.sparkplug.bench.BareNettyServer \
    --port "$port" --threads 2 --max-seconds 900
  loads bare-netty "$scenario" "$port"
  stop_server

  port=$((port + 1))
  start_server "mb-$scenario" "$port" "${tuned[@]}" -cp "$jar" io.sparkplug.bench.SparkPlugServer \
    --port "$port" --master 'local[2]' --scenario "$scenario" --checkpoint-root /dev/shm \
    --max-seconds 900
  loads "sparkplug micro-batch" "$scenario" "$port"
  stop_server

  port=$((port + 1))
  start_server "rt-$scenario" "$port" "${tuned[@]}" -cp "$jar" io.sparkplug.bench.SparkPlugServer \
    --port "$port" --master 'local[2]' --scenario "$scenario" --trigger real-time \
    --batch-seconds 30 --checkpoint-root /dev/shm --max-seconds 900
  loads "sparkplug real-time" "$scenario" "$port"
  if [[ $scenario == echo ]]; then
    load "sparkplug real-time" echo "$port" "open 1000/s over a batch boundary" \
      --rate 1000 --duration "$boundary_seconds"
  fi
  stop_server
done

# Micro-batch with Spark's default settings, to show what the tuned settings buy.
port=$((port + 1))
start_server mb-defaults "$port" -cp "$jar" io.sparkplug.bench.SparkPlugServer \
  --port "$port" --master 'local[2]' --scenario echo --max-seconds 900
load "sparkplug micro-batch, Spark defaults" echo "$port" "sequential" --connections 1 --duration "$seconds"
load "sparkplug micro-batch, Spark defaults" echo "$port" "open 200/s" --rate 200 --duration "$seconds"
load "sparkplug micro-batch, Spark defaults" echo "$port" "closed 64" --connections 64 --duration "$seconds"
stop_server

# 100,000 pending requests against a 512 MB driver heap.
"$bench_dir/pending-memory.sh" "$work/pending-memory.md"

machine="$(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(java -version 2>&1 | head -1)"
notes="$work/notes.md"
{
  if [[ -f "$bench_dir/RESULTS-notes.md" ]]; then cat "$bench_dir/RESULTS-notes.md"; echo; fi
  echo "## Pending requests and memory"
  echo
  cat "$work/pending-memory.md"
  echo
} > "$notes"
# Sections written by separate runs, kept across this one: cluster-suite.sh, soak.sh,
# typed-json.sh, users-path.sh, rt-soak.sh, cluster-rt-soak.sh, and the one-off QuoteService
# lookup comparison.
kept_sections=(cluster-suite soak typed users rt-soak cluster-rt-soak lookup)
for name in "${kept_sections[@]}"; do
  awk -v start="<!-- $name:start -->" -v end="<!-- $name:end -->" \
    '$0 == start { keep = 1 } keep { print } $0 == end { keep = 0 }' "$bench_dir/RESULTS.md" \
    > "$work/$name-section.md" 2> /dev/null || true
done
java -cp "$jar" io.sparkplug.bench.ResultsReport --input "$results" \
  --output "$bench_dir/RESULTS.md" --chart "$bench_dir/latency-vs-rate.png" \
  --machine "$machine" --command "benchmarks/run-suite.sh${QUICK:+ (QUICK=1)}" \
  --date "$(date -u '+%Y-%m-%d %H:%M UTC')" --notes "$notes"
for name in "${kept_sections[@]}"; do
  if [[ -s "$work/$name-section.md" ]]; then
    { echo; cat "$work/$name-section.md"; } >> "$bench_dir/RESULTS.md"
  fi
done
cp "$results" "$bench_dir/results.jsonl"
echo "wrote $bench_dir/RESULTS.md, $bench_dir/latency-vs-rate.png and $bench_dir/results.jsonl"
