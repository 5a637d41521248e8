# Shell functions the benchmark scripts share; sourced, never run. Each script keeps its own
# set -euo pipefail and its own PIDs.

# free_port: a random port in 20000-31999 that is free on 127.0.0.1, 127.0.0.2 and 127.0.0.3.
free_port() {
  python3 -c 'import socket,random
for _ in range(200):
    p = random.randint(20000, 31999)
    ok = True
    for h in ("127.0.0.1", "127.0.0.2", "127.0.0.3"):
        s = socket.socket()
        try:
            s.bind((h, p))
        except OSError:
            ok = False
        finally:
            s.close()
    if ok:
        print(p)
        break'
}

# jvm_sample PID: "LIVE FDS RSS" for one JVM: its live heap in MB after a full collection
# (jcmd GC.class_histogram collects first), its open descriptors, its resident memory in MB.
jvm_sample() {
  local live fds rss
  live=$(jcmd "$1" GC.class_histogram 2> /dev/null | awk '/^Total/ { printf "%.1f", $3 / 1048576 }')
  fds=$(ls /proc/"$1"/fd | wc -l)
  rss=$(awk '/VmRSS/ { printf "%.0f", $2 / 1024 }' /proc/"$1"/status)
  echo "$live $fds $rss"
}

# sample_during LOAD_PID INTERVAL SAMPLE_FN: calls SAMPLE_FN ELAPSED at once, every INTERVAL s
# while LOAD_PID runs, and once more after it ended (ELAPSED counts from the first call).
sample_during() {
  local load_pid=$1 interval=$2 sample_fn=$3 start=$SECONDS
  "$sample_fn" 0
  while kill -0 "$load_pid" 2> /dev/null; do
    for _ in $(seq 1 "$interval"); do kill -0 "$load_pid" 2> /dev/null || break; sleep 1; done
    kill -0 "$load_pid" 2> /dev/null && "$sample_fn" $((SECONDS - start))
  done
  "$sample_fn" $((SECONDS - start))
}

# json_field LINE NAME: the value of NAME in the LoadGenerator's one-line JSON result.
json_field() { sed -n "s/.*\"$2\":\([^,}]*\).*/\1/p" <<< "$1" | tr -d '"'; }

# replace_section NAME SECTION_FILE TARGET: puts SECTION_FILE (which starts with
# <!-- NAME:start --> and ends with <!-- NAME:end -->) in place of TARGET's section of that
# name, or at TARGET's end when it has none.
replace_section() {
  local name=$1 section=$2 target=$3 out
  out=$(mktemp "${TMPDIR:-/tmp}/sparkplug-section.XXXXXX")
  if grep -q "<!-- $name:start -->" "$target"; then
    awk -v file="$section" -v start="<!-- $name:start -->" -v end="<!-- $name:end -->" '
      $0 == start { while ((getline l < file) > 0) print l; skip = 1; next }
      $0 == end { skip = 0; next }
      !skip { print }' "$target" > "$out"
  else
    { cat "$target"; echo; cat "$section"; } > "$out"
  fi
  cp "$out" "$target"
  rm -f "$out"
}
