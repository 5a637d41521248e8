#!/usr/bin/env bash
# Per-executor serving on a real standalone cluster: throughput and latency through HAProxy with
# one executor and with two, against bare Netty behind the same balancer, in one run. Writes the
# section between the cluster markers of benchmarks/RESULTS.md.
#
#   benchmarks/cluster-suite.sh            # about 10 minutes on 2 cores
#   QUICK=1 benchmarks/cluster-suite.sh    # shorter loads, for trying the script
#   TRIGGERS=real-time benchmarks/cluster-suite.sh   # one trigger only
#
# Every process is started through docker/local/sparkplug-local (PIDs recorded, stopped by PID)
# or here (PID recorded, bounded by --max-seconds). All traffic stays on loopback addresses.
set -euo pipefail
cd "$(dirname "$0")"
bench_dir=$(pwd)
repo=$(cd .. && pwd)
toolkit="$repo/docker/local/sparkplug-local"
# shellcheck source=lib.sh
. "$bench_dir/lib.sh"

mvn -q -B -f "$repo/pom.xml" -pl benchmarks,serving-examples -am -DskipTests -DskipITs package
jar="$bench_dir/target/sparkplug-http-benchmarks.jar"
version=$(sed -n 's:.*<version>\(.*-SNAPSHOT\)</version>.*:\1:p' "$repo/pom.xml" | head -1)
connector="$repo/connector/target/sparkplug-http-connector-$version.jar"
tests_jar="$repo/serving-examples/target/sparkplug-http-serving-examples-$version-tests.jar"
flags=$(sed -n "s:.*<spark.jvm.flags>\(.*\)</spark.jvm.flags>.*:\1:p" "$repo/pom.xml")

work=$(mktemp -d /tmp/sparkplug-cluster-bench.XXXXXX)
export SPARKPLUG_STATE="$work/state"
results="$work/results.jsonl"
: > "$results"
seconds=${QUICK:+4}
seconds=${seconds:-12}

bare_pids=()
cleanup() {
  for pid in "${bare_pids[@]}"; do kill "$pid" 2> /dev/null || true; done
  "$toolkit" stop all > /dev/null 2>&1 || true
}
trap cleanup EXIT

# load SYSTEM URL LABEL loadgen-args...
load() {
  local system=$1 url=$2 label=$3
  shift 3
  local line
  line=$(java -cp "$jar" io.sparkplug.bench.LoadGenerator --url "$url" --method POST \
    --body "hello cluster" --warmup 2 --duration "$seconds" "$@" 2> "$work/last-load.err")
  echo "{\"system\":\"$system\",\"scenario\":\"echo\",\"load\":\"$label\",${line#\{}" >> "$results"
  echo "$system / $label: $line"
}

loads() {
  local system=$1 url=$2
  load "$system" "$url" "sequential" --connections 1
  load "$system" "$url" "open 500/s" --rate 500
  load "$system" "$url" "open 1000/s" --rate 1000
  load "$system" "$url" "closed 64" --connections 64
}

directory_serving() {
  curl -fsS --max-time 2 "http://127.0.0.1:$1/-/servers" 2> /dev/null |
    python3 -c 'import json,sys; print(sum(s["state"] == "serving" for s in json.load(sys.stdin)["servers"]))' \
      2> /dev/null || echo 0
}

# await_serving CONTROL_PORT COUNT: bounded wait until the driver's directory lists COUNT servers.
await_serving() {
  for _ in $(seq 1 240); do
    [[ $(directory_serving "$1") -ge $2 ]] && return 0
    sleep 0.5
  done
  echo "fewer than $2 executor servers serving after 120 s" >&2
  exit 1
}

"$toolkit" homes > /dev/null
"$toolkit" master start --port "$(free_port)" --webui-port "$(free_port)" > "$work/master.env"
master_url=$(sed -n 's/^url=//p' "$work/master.env")

port=$(free_port)
lb_port=$(free_port)

# submit_app NAME TRIGGER: the echo service in executor mode, real-time batches of the recommended
# duration (SparkPlugHttp.REAL_TIME_BATCH_DURATION); prints its control port.
submit_app() {
  local control
  control=$(free_port)
  "$toolkit" submit --name "$1" -- --master "$master_url" --jars "$connector" \
    --conf spark.executor.memory=512m --conf spark.ui.enabled=false \
    --class io.sparkplug.cluster.ServingApp "$tests_jar" \
    "service=echo,mode=executor,plan=echo,port=$port,path=/echo,controlPort=$control,checkpoint=$work/ckpt-$1,trigger=$2,batchSeconds=60" \
    > /dev/null
  echo "$control"
}

# await_answers URL: bounded wait until the service answers (cold executors start slowly).
await_answers() {
  for _ in $(seq 1 240); do
    curl -fsS --max-time 5 -d warm "$1" > /dev/null 2>&1 && return 0
    sleep 0.5
  done
  echo "no answer from $1 after 120 s" >&2
  exit 1
}

# Real-time mode: the loads start once the connector's warm-up batches have ended, as a user's
# job says it serves only then; ServingApp logs the countdown with every progress.
await_warm_up() {
  local log="$SPARKPLUG_STATE/logs/driver-$1.log"
  for _ in $(seq 1 240); do
    grep -q " warmUpLeft 0 " "$log" 2> /dev/null && return 0
    sleep 0.5
  done
  echo "the real-time warm-up of $1 did not end within 120 s; see $log" >&2
  exit 1
}

for trigger in ${TRIGGERS:-micro-batch real-time}; do
  "$toolkit" worker start 127.0.0.2 --cores 1 --memory 1g --webui-port "$(free_port)" > /dev/null
  control=$(submit_app "bench-$trigger" "$trigger")
  await_serving "$control" 1
  "$toolkit" haproxy start --port "$lb_port" --stats-port "$(free_port)" \
    "127.0.0.2:$port" "127.0.0.3:$port" > /dev/null
  await_answers "http://127.0.0.1:$lb_port/echo"
  [[ "$trigger" != real-time ]] || await_warm_up "bench-$trigger"
  loads "executor mode, $trigger, 1 executor" "http://127.0.0.1:$lb_port/echo"

  # A second Worker: the running application gets an executor there, which starts serving
  # (in real-time mode from the next batch's readers).
  "$toolkit" worker start 127.0.0.3 --cores 1 --memory 1g --webui-port "$(free_port)" > /dev/null
  await_serving "$control" 2
  # In real-time mode its reader starts at the next boundary (up to 60 s): wait until the new
  # server answers a request of its own within 2 s, at most 150 s.
  for _ in $(seq 1 75); do
    curl -fsS --max-time 2 -d warm "http://127.0.0.3:$port/echo" > /dev/null 2>&1 && break
    sleep 0.5
  done
  loads "executor mode, $trigger, 2 executors" "http://127.0.0.1:$lb_port/echo"
  "$toolkit" stop haproxy "driver-bench-$trigger" worker-127.0.0.2 worker-127.0.0.3 > /dev/null
done

# The ceiling: bare Netty on the same two addresses, behind the same balancer configuration.
bare_port=$(free_port)
for host in 127.0.0.2 127.0.0.3; do
  # shellcheck disable=SC2086
  java $flags -cp "$jar" io.sparkplug.bench.BareNettyServer --host "$host" --port "$bare_port" \
    --threads 1 --max-seconds 600 > "$work/bare-$host.out" 2>&1 &
  bare_pids+=($!)
done
"$toolkit" haproxy start --port "$lb_port" --stats-port "$(free_port)" \
  "127.0.0.2:$bare_port" "127.0.0.3:$bare_port" > /dev/null
loads "bare Netty x2 behind HAProxy" "http://127.0.0.1:$lb_port/echo"

machine="$(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), $(uname -sr), $(java -version 2>&1 | head -1)"
section=$(python3 - "$results" "$machine" "$(date -u '+%Y-%m-%d %H:%M UTC')" "${QUICK:+QUICK=1 }benchmarks/cluster-suite.sh" "$bench_dir/cluster-scaling.md" "$SPARKPLUG_STATE/logs/driver-bench-real-time.log" << 'EOF'
import json, os, re, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
# Real-time boundaries inside the loads: the driver's progress lines of full 60 s batches.
boundaries = []
if len(sys.argv) > 6 and os.path.exists(sys.argv[6]):
    for line in open(sys.argv[6], errors="replace"):
        m = re.match(r"progress \S+ (\d+) rows (\d+) warmUpLeft \S+ durations \{(.*)\}", line)
        if not m:
            continue
        d = {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", m.group(3))}
        if d.get("triggerExecution", 0) >= 60000 and int(m.group(2)) > 0:
            boundaries.append(f'batch {m.group(1)} ({m.group(2)} rows): {d["triggerExecution"] - 60000} ms'
                              f' beyond 60 s (queryPlanning {d.get("queryPlanning", 0)}, walCommit'
                              f' {d.get("walCommit", 0)}, commitOffsets {d.get("commitOffsets", 0)},'
                              f' write tasks past the deadline {d.get("addBatch", 0) - 60000})')
ceiling = {r["load"]: r for r in rows if r["system"].startswith("bare")}
out = ["<!-- cluster-suite:start -->", "## Per-executor serving on a standalone cluster", "",
       f"Machine: {sys.argv[2]}. Date: {sys.argv[3]}. Command: `{sys.argv[4]}`.", "",
       "A Master and Workers on 127.0.0.2 and 127.0.0.3 (one core, 1 GB each), executors in their"
       " own JVMs, `ServingApp` (echo, upper-cased; its session built with `SparkPlugHttp.servingSession`)"
       " submitted with `spark-submit` in executor mode (micro-batch, then real-time with 60 s"
       " batches, the recommended duration), HAProxy (the tests' configuration) in front. The ceiling is bare Netty on"
       " the same two addresses behind the same HAProxy. Every process shares the same 2 cores.", "",
       "| system | load | throughput req/s | p50 ms | p90 ms | p99 ms | max ms | errors | throughput vs ceiling |",
       "|---|---|---|---|---|---|---|---|---|"]
for r in rows:
    c = ceiling.get(r["load"])
    ratio = f'{r["throughputRps"] / c["throughputRps"]:.0%}' if c and c["throughputRps"] else ""
    out.append(f'| {r["system"]} | {r["load"]} | {r["throughputRps"]:.0f} | {r["p50Ms"]:.2f} | '
               f'{r["p90Ms"]:.2f} | {r["p99Ms"]:.2f} | {r["maxMs"]:.1f} | {r["errors"] + r["non2xx"]} | {ratio} |')
out.append("")
if boundaries:
    out.append("Real-time boundaries that fell inside the loads (the driver's progress; the warm-up"
               " batches had ended before the first load): " + "; ".join(boundaries) + ".")
    out.append("")
out.append(open(sys.argv[5]).read() if len(sys.argv) > 5 else "")
out.append("<!-- cluster-suite:end -->")
print("\n".join(out))
EOF
)
python3 - "$bench_dir/RESULTS.md" "$section" << 'EOF'
import re, sys
path, section = sys.argv[1], sys.argv[2]
text = open(path).read()
pattern = re.compile(r"<!-- cluster-suite:start -->.*?<!-- cluster-suite:end -->", re.S)
text = pattern.sub(lambda m: section, text) if pattern.search(text) else text.rstrip() + "\n\n" + section + "\n"
open(path, "w").write(text)
EOF
cp "$results" "$bench_dir/results-cluster.jsonl"
echo "wrote the cluster section of $bench_dir/RESULTS.md"
