#!/usr/bin/env bash
# "What users run": starts each example exactly as its README says (mvn -q -Pserve ... verify),
# measures it with the load generator, and writes the "What users run" section of
# benchmarks/RESULTS.md, beside a bare-Netty ceiling measured in the same run.
#
#   benchmarks/users-path.sh            # about 17 minutes on 2 cores
#   QUICK=1 benchmarks/users-path.sh    # shorter windows, for trying the script
#
# Every process is started here, recorded by PID, and stopped by that PID (a service started by
# Maven is the java child of the recorded mvn process, found through /proc). Traffic goes to
# 127.0.0.1 only; every load is bounded in time.
set -euo pipefail
cd "$(dirname "$0")"
bench_dir=$(pwd)
repo=$(cd .. && pwd)

# REPORT_FROM=FILE: only write the section again, from the JSON lines of an earlier run.
report_from=${REPORT_FROM:-}
[[ -n "$report_from" ]] || mvn -q -B -f "$repo/pom.xml" -pl benchmarks -am -DskipTests package
jar="$bench_dir/target/sparkplug-http-benchmarks.jar"
work=$(mktemp -d /tmp/sparkplug-users.XXXXXX)
results="$work/results.jsonl"
: > "$results"

seconds=${QUICK:+5}
seconds=${seconds:-20}
warmup=${QUICK:+2}
warmup=${warmup:-5}
# The real-time batch is 60 s (SparkPlugHttp.REAL_TIME_BATCH_DURATION): 130 s at 1,000/s hold
# at least two boundaries.
boundary_seconds=${QUICK:+20}
boundary_seconds=${boundary_seconds:-130}

pid=""
children_of() { cat /proc/"$1"/task/*/children 2> /dev/null || true; }
stop_all() {
  [[ -n "$pid" ]] || return 0
  local child children
  # The service first (SIGTERM: it stops between batches), then Maven, which waits for it; a
  # process with no children (the bare-Netty server) is stopped itself.
  children=$(children_of "$pid")
  for child in $children; do kill "$child" 2> /dev/null || true; done
  [[ -n "$children" ]] || kill "$pid" 2> /dev/null || true
  for _ in $(seq 1 120); do kill -0 "$pid" 2> /dev/null || break; sleep 0.25; done
  if kill -0 "$pid" 2> /dev/null; then
    for child in $(children_of "$pid"); do kill -9 "$child" 2> /dev/null || true; done
    kill -9 "$pid" 2> /dev/null || true
  fi
  pid=""
}
trap stop_all EXIT

# start NAME PORT READY-TEXT command... : starts it and waits (bounded) for READY-TEXT.
start() {
  local name=$1 port=$2 ready=$3
  shift 3
  local began=$EPOCHREALTIME
  "$@" > "$work/$name.out" 2> "$work/$name.err" &
  pid=$!
  for _ in $(seq 1 600); do
    if grep -q "$ready" "$work/$name.out" "$work/$name.err" 2> /dev/null; then
      # Seconds from the command to its ready line (Maven's build check and, in real-time mode,
      # the connector's warm-up included): what a user waits.
      awk -v n="$name" -v a="$began" -v b="$EPOCHREALTIME" 'BEGIN { print n, b - a }' >> "$work/ready.txt"
      return 0
    fi
    kill -0 "$pid" 2> /dev/null || break
    sleep 0.5
  done
  echo "$name did not start; see $work/$name.out and $work/$name.err" >&2
  exit 1
}

# load SYSTEM LABEL URL METHOD BODY generator-args...
load() {
  local system=$1 label=$2 url=$3 method=$4 body=$5
  shift 5
  local line args=(--url "$url" --method "$method" --warmup "$warmup")
  [[ -z "$body" ]] || args+=(--body "$body" --header 'Content-Type: application/json')
  line=$(java -cp "$jar" io.sparkplug.bench.LoadGenerator "${args[@]}" "$@" 2> "$work/last-load.err")
  echo "{\"system\":\"$system\",\"load\":\"$label\",${line#\{}" >> "$results"
  echo "$system / $label: $line"
}

serve=(mvn -q -B -f "$repo/pom.xml" -Pserve -pl serving-examples -am verify)
quote_body='{"item":"apple","quantity":3}'
geo_body='{"user":"u001","lat":38.71,"lon":-9.14,"time":"2026-11-23T17:40:00Z"}'

if [[ -n "$report_from" ]]; then
  cp "$report_from" "$results"
else
# The ceiling: bare Netty's echo on the same machine, in the same run.
start bare 19301 READY java -cp "$jar" io.sparkplug.bench.BareNettyServer --port 19301 \
  --threads 2 --max-seconds 900
load "bare Netty (ceiling)" "sequential" http://127.0.0.1:19301/echo POST hello \
  --connections 1 --duration "$seconds"
load "bare Netty (ceiling)" "open 1000/s" http://127.0.0.1:19301/echo POST hello \
  --rate 1000 --duration "$seconds"
load "bare Netty (ceiling)" "open 1000/s, ${boundary_seconds} s" http://127.0.0.1:19301/echo \
  POST hello --rate 1000 --duration "$boundary_seconds"
stop_all

# QuoteService, the README's first command: real-time mode by default.
start quote 19302 "serving at" "${serve[@]}" -Dport=19302
url=http://127.0.0.1:19302/quote
load "QuoteService (README command)" "sequential" "$url" POST "$quote_body" \
  --connections 1 --duration "$seconds"
load "QuoteService (README command)" "open 1000/s" "$url" POST "$quote_body" \
  --rate 1000 --duration "$seconds"
load "QuoteService (README command)" "open 1000/s, ${boundary_seconds} s (2+ boundaries)" "$url" \
  POST "$quote_body" --rate 1000 --duration "$boundary_seconds"
stop_all

# QuoteService in micro-batches: the one-step settings, -Dtrigger=microbatch.
start quote-mb 19303 "serving at" "${serve[@]}" -Dport=19303 -Dtrigger=microbatch
load "QuoteService -Dtrigger=microbatch" "sequential" http://127.0.0.1:19303/quote POST \
  "$quote_body" --connections 1 --duration "$seconds"
load "QuoteService -Dtrigger=microbatch" "open 200/s" http://127.0.0.1:19303/quote POST \
  "$quote_body" --rate 200 --duration "$seconds"
stop_all

# GeoPredict (-Dexample=geo): real-time mode by default.
start geo 19304 "GeoPredict serving" env SPARKPLUG_PORT=19304 "${serve[@]}" -Dexample=geo
load "GeoPredict (-Dexample=geo)" "sequential" http://127.0.0.1:19304/predict POST "$geo_body" \
  --connections 1 --duration "$seconds"
load "GeoPredict (-Dexample=geo)" "open 1000/s" http://127.0.0.1:19304/predict POST "$geo_body" \
  --rate 1000 --duration "$seconds"
stop_all

# The recommender (-Dexample=recommender): real-time mode by default, like the others.
start rec 19305 "recommender serving" env SPARKPLUG_PORT=19305 "${serve[@]}" -Dexample=recommender
load "recommender (-Dexample=recommender, real-time)" "sequential" \
  "http://127.0.0.1:19305/recommendations?user=42" GET "" --connections 1 --duration "$seconds"
load "recommender (-Dexample=recommender, real-time)" "open 1000/s" \
  "http://127.0.0.1:19305/recommendations?user=42" GET "" --rate 1000 --duration "$seconds"
stop_all

# The recommender in micro-batches: SPARKPLUG_TRIGGER=microbatch, the same plan and writer.
start rec-mb 19306 "recommender serving" env SPARKPLUG_PORT=19306 SPARKPLUG_TRIGGER=microbatch \
  "${serve[@]}" -Dexample=recommender
load "recommender SPARKPLUG_TRIGGER=microbatch" "sequential" \
  "http://127.0.0.1:19306/recommendations?user=42" GET "" --connections 1 --duration "$seconds"
load "recommender SPARKPLUG_TRIGGER=microbatch" "open 200/s" \
  "http://127.0.0.1:19306/recommendations?user=42" GET "" --rate 200 --duration "$seconds"
stop_all
fi

# The section of RESULTS.md, from the JSON lines.
# field LINE NAME: a string field ("name":"...") or a number field ("name":12.5).
field() {
  local value
  value=$(sed -n "s/.*\"$2\":\"\([^\"]*\)\".*/\1/p" <<< "$1")
  [[ -n "$value" ]] || value=$(sed -n "s/.*\"$2\":\([^,}]*\).*/\1/p" <<< "$1")
  echo "$value"
}
section="$work/section.md"
{
  echo "<!-- users:start -->"
  echo "## What users run"
  echo
  echo "Produced by \`benchmarks/users-path.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores,"
  echo "load average $(cut -d' ' -f1-3 /proc/loadavg) at the end. Each service was started with its"
  echo "README command (\`mvn -q -Pserve -pl serving-examples -am verify\`, \`local[*]\`), loaded"
  echo "over keep-alive connections from the same machine after a ${warmup} s warm-up; windows of"
  echo "${seconds} s unless the row says otherwise. Latencies in ms; open-loop latency counts from"
  echo "each request's intended send time."
  if [[ -s "$work/ready.txt" ]]; then
    echo
    echo "Seconds from the README command to the service's ready line (Maven's up-to-date check and,"
    echo "in real-time mode, the connector's warm-up batches included):"
    echo "$(awk '{ printf "%s%s %.1f s", (NR > 1 ? ", " : ""), $1, $2 }' "$work/ready.txt")."
  fi
  echo
  echo "| system | load | sent | errors | non-2xx | req/s | p50 | p99 | p99.9 | max |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
  while IFS= read -r line; do
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' \
      "$(field "$line" system)" "$(field "$line" load)" "$(field "$line" sent)" \
      "$(field "$line" errors)" "$(field "$line" non2xx)" "$(field "$line" throughputRps)" \
      "$(field "$line" p50Ms)" "$(field "$line" p99Ms)" "$(field "$line" p999Ms)" \
      "$(field "$line" maxMs)"
  done < "$results"
  echo "<!-- users:end -->"
} > "$section"
[[ -n "$report_from" ]] || cp "$results" "$bench_dir/results-users.jsonl"
target="$bench_dir/RESULTS.md"
if grep -q '<!-- users:start -->' "$target"; then
  awk -v file="$section" '
    /<!-- users:start -->/ { while ((getline l < file) > 0) print l; skip = 1; next }
    /<!-- users:end -->/ { skip = 0; next }
    !skip { print }' "$target" > "$work/RESULTS.md"
else
  { head -n 1 "$target"; echo; cat "$section"; echo; tail -n +2 "$target"; } > "$work/RESULTS.md"
fi
cp "$work/RESULTS.md" "$target"
echo "wrote the 'What users run' section of $target (raw lines: $bench_dir/results-users.jsonl)"
