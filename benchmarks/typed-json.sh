#!/usr/bin/env bash
# The json scenario in real-time mode, from_json in the plan against requestSchema on the server,
# and the bare-Netty ceiling, all from one run: sequential load, ROUNDS rounds (default 3)
# interleaved so that the machine's noise falls on all three alike. Prints each run and the
# medians; the lines go to benchmarks/results-typed.jsonl.
#
#   benchmarks/typed-json.sh
#
# Both servers are started here, recorded by PID, bounded by --max-seconds, and stopped by that
# PID. All traffic goes to 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")"
bench_dir=$(pwd)
repo=$(cd .. && pwd)

rounds=${ROUNDS:-3}
seconds=${SECONDS_PER_RUN:-8}
warmup=${WARMUP:-3}

if [[ -z ${SKIP_BUILD:-} ]]; then
  mvn -q -B -o -f "$repo/pom.xml" -pl benchmarks -am -DskipTests package
fi
jar="$bench_dir/target/sparkplug-http-benchmarks.jar"
flags=$(sed -n "s:.*<spark.jvm.flags>\(.*\)</spark.jvm.flags>.*:\1:p" "$repo/pom.xml")
work=$(mktemp -d /tmp/sparkplug-typed-bench.XXXXXX)
results="$bench_dir/results-typed.jsonl"
: > "$results"

tuned=(
  -Dspark.sql.streaming.pollingDelay=1ms
  -Dspark.sql.streaming.checkpointFileManagerClass=io.sparkplug.http.ServingCheckpointFileManager
  -Dspark.hadoop.fs.file.impl=org.apache.hadoop.fs.RawLocalFileSystem
)

pids=()
stop_all() {
  for pid in "${pids[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid"
      for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
      if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid"; fi
    fi
  done
}
trap stop_all EXIT

# start NAME java-args... : starts a server and waits (bounded) until it prints READY.
start() {
  local name=$1
  shift
  # shellcheck disable=SC2086
  java $flags -Xmx2g "$@" > "$work/$name.out" 2> "$work/$name.err" &
  pids+=($!)
  for _ in $(seq 1 360); do
    if grep -q READY "$work/$name.out"; then return 0; fi
    kill -0 "${pids[-1]}" 2>/dev/null || break
    sleep 0.5
  done
  echo "$name did not start; see $work/$name.err" >&2
  exit 1
}

bare_port=19401
spark_port=19402
start bare -cp "$jar" io.sparkplug.bench.BareNettyServer --port "$bare_port" --threads 2 \
  --max-seconds 1800
start spark "${tuned[@]}" -cp "$jar" io.sparkplug.bench.SparkPlugServer --port "$spark_port" \
  --master 'local[2]' --scenario json,json-typed --trigger real-time --batch-seconds 30 \
  --checkpoint-root /dev/shm --max-seconds 1800

body='{"name":"ada","amount":12.5}'
# The real-time readers start after READY: wait (bounded) until each path answers.
ready() {
  for _ in $(seq 1 90); do
    if [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 20 -H 'Content-Type: application/json' \
      -d "$body" "$1") == 200 ]]; then
      return 0
    fi
    sleep 1
  done
  echo "$1 does not answer" >&2
  exit 1
}
ready "http://127.0.0.1:$spark_port/json"
ready "http://127.0.0.1:$spark_port/json-typed"
# load SYSTEM URL
load() {
  local system=$1 url=$2 line
  line=$(java -cp "$jar" io.sparkplug.bench.LoadGenerator --url "$url" --method POST \
    --header 'Content-Type: application/json' --body "$body" --warmup "$warmup" \
    --connections 1 --duration "$seconds" 2> "$work/last-load.err")
  echo "{\"system\":\"$system\",\"scenario\":\"json\",\"load\":\"sequential\",${line#\{}" >> "$results"
  echo "$system: $line"
}

for round in $(seq 1 "$rounds"); do
  echo "round $round"
  load "bare-netty" "http://127.0.0.1:$bare_port/json"
  load "sparkplug real-time, from_json" "http://127.0.0.1:$spark_port/json"
  load "sparkplug real-time, requestSchema" "http://127.0.0.1:$spark_port/json-typed"
done

python3 - "$results" <<'EOF'
import json, statistics, sys
runs = {}
for line in open(sys.argv[1]):
    r = json.loads(line)
    runs.setdefault(r["system"], []).append(r)
for system, rs in runs.items():
    p50 = statistics.median(r["p50Ms"] for r in rs)
    p99 = statistics.median(r["p99Ms"] for r in rs)
    rps = statistics.median(r["throughputRps"] for r in rs)
    print(f"{system}: median p50 {p50:.4f} ms, median p99 {p99:.3f} ms, median {rps:.0f} req/s"
          f" over {len(rs)} runs (p50s {', '.join(str(r['p50Ms']) for r in rs)})")
EOF
