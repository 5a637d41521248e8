#!/usr/bin/env bash
# Soak run of per-executor serving on a real standalone cluster: SoakIT (serving-examples) with a
# long load, then its figures into the section between the soak markers of benchmarks/RESULTS.md.
#
#   benchmarks/soak.sh [SECONDS]            # default 600; takes about SECONDS + 6 minutes
#   MVN_ARGS=-o benchmarks/soak.sh 600      # extra Maven arguments (here: offline)
#
# SoakIT starts and stops every process itself (Master, 2 Workers, NameNode, DataNode, the driver
# and its executors, HAProxy), by recorded PID, on loopback addresses. RESULTS.md changes only when
# the test passed; the figures of any run stay in serving-examples/target/soak-summary.*.
set -euo pipefail
cd "$(dirname "$0")"
bench_dir=$(pwd)
repo=$(cd .. && pwd)

seconds=${1:-600}
if ! [[ $seconds =~ ^[0-9]+$ ]] || ((seconds < 10)); then
  echo "usage: benchmarks/soak.sh [SECONDS], at least 10" >&2
  exit 2
fi
# Failsafe ends a test JVM after 1200 s (serving-examples/pom.xml); start-up, warm-up and
# shutdown of the cluster take up to about 6 minutes of it on a loaded 2-core machine.
if ((seconds > 840)); then
  echo "SECONDS is at most 840: failsafe stops a test JVM after 1200 s" >&2
  exit 2
fi

target="$repo/serving-examples/target"
summary_json="$target/soak-summary.json"
summary_md="$target/soak-summary.md"
rm -f "$summary_json" "$summary_md"
log=$(mktemp /tmp/sparkplug-soak.XXXXXX.log)
command="benchmarks/soak.sh $seconds"

# shellcheck disable=SC2086 # MVN_ARGS is a list of arguments
if ! mvn -B ${MVN_ARGS:-} -f "$repo/pom.xml" -pl serving-examples -am verify \
  -Dtest=NoSuchTest -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=SoakIT \
  "-Dsoak.seconds=$seconds" > "$log" 2>&1; then
  grep -E 'SoakIT:|Tests run:|FAIL|ERROR' "$log" | tail -40 >&2 || true
  echo "SoakIT failed (Maven log: $log); benchmarks/RESULTS.md unchanged" >&2
  exit 1
fi
grep 'SoakIT:' "$log" || true
if [[ ! -s $summary_md ]]; then
  echo "SoakIT passed but wrote no $summary_md (Maven log: $log)" >&2
  exit 1
fi

machine="$(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), $(uname -sr), $(java -version 2>&1 | head -1)"
section=$(
  cat << EOF
<!-- soak:start -->
## Soak: mixed traffic against a standalone cluster

Machine: $machine. Date: $(date -u '+%Y-%m-%d %H:%M UTC'). Command: \`$command\`
(\`SoakIT\` with \`-Dsoak.seconds=$seconds\`).

A Master and two Workers on 127.0.0.2 and 127.0.0.3 (one core, 1 GB each), a NameNode and a
DataNode holding the checkpoint, \`SoakApp\` (echo, upper-cased) submitted with \`spark-submit\` in
executor mode (micro-batch; \`requestTimeout=5s\`, \`readTimeout=2s\`, \`maxBodyBytes=1m\`; executors
512 MB, driver 1 GB), HAProxy in front of both executor servers. Raw-socket clients send, open
loop: valid POSTs (200 and the exact upper-cased body expected), malformed request lines (400,
then a closed connection), slow clients that trickle headers or stall mid-body (408 or a closed
connection), bodies declared above \`maxBodyBytes\` (413), and pipelined POSTs (every response in
order, no byte after the last). Most go through HAProxy, some straight to an executor; every
process shares the same 2 cores with other builds. Heap is measured after a full GC
(\`jcmd GC.run\`, then \`GC.heap_info\`) before and after the load, and sampled without GC every
15 s; descriptors are \`/proc/PID/fd\`. Between warm-up and load a request every 500 ms keeps both
servers reading: a server that read nothing for 10 s reports itself unhealthy when the next request
arrives, until a batch reads it, and two such servers at once leave HAProxy with no server (503)
for about a second. The soak measures the steady state, not that start-after-idle transient.

$(cat "$summary_md")
<!-- soak:end -->
EOF
)
python3 - "$bench_dir/RESULTS.md" "$section" << 'EOF'
import re, sys
path, section = sys.argv[1], sys.argv[2]
text = open(path).read()
pattern = re.compile(r"<!-- soak:start -->.*?<!-- soak:end -->", re.S)
text = pattern.sub(lambda m: section, text) if pattern.search(text) else text.rstrip() + "\n\n" + section + "\n"
open(path, "w").write(text)
EOF
echo "wrote the soak section of $bench_dir/RESULTS.md (Maven log: $log)"
