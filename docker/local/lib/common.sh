# shellcheck shell=bash
# Shared by every sparkplug-local command: where things live, PID records, bounded waits.
#
# State layout under $SPARKPLUG_STATE:
#   run/<name>.pid   "<pid> <start-ticks>" of a process this toolkit started; the start time (field
#                    22 of /proc/<pid>/stat) tells our process apart from a later one that reused
#                    the PID, which happens within minutes on a busy machine.
#   run/<name>.env   key=value facts about it (URLs, ports, log file), for scripts and tests.
#   logs/<name>.log  its stdout and stderr.
# Names: master, worker-<host>, namenode, datanode, haproxy, driver-<name>.

SPARKPLUG_STATE="${SPARKPLUG_STATE:-$HOME/.sparkplug/local}"
SPARKPLUG_HOMES="${SPARKPLUG_HOMES:-$HOME/.sparkplug/homes}"
# How long a process gets to exit after SIGTERM before it gets SIGKILL.
SPARKPLUG_STOP_GRACE="${SPARKPLUG_STOP_GRACE:-20}"
# shellcheck disable=SC2034 # used by the files sourced after this one
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"

log() { echo "sparkplug-local: $*" >&2; }
die() {
  log "$*"
  exit 1
}

run_dir() { echo "$SPARKPLUG_STATE/run"; }
log_file() { echo "$SPARKPLUG_STATE/logs/$1.log"; }

# Start time of a live (non-zombie) process in clock ticks since boot; fails when there is none.
proc_start_ticks() {
  local stat
  { stat=$(< "/proc/$1/stat"); } 2> /dev/null || return 1
  # The command name (field 2) may hold spaces and parentheses: split after its last ')'.
  stat=${stat##*) }
  # shellcheck disable=SC2086
  set -- $stat
  [ "$1" != Z ] || return 1
  echo "${20}"
}

# True when PID is alive and is still the process that had START_TICKS.
same_process() {
  local ticks
  ticks=$(proc_start_ticks "$1") || return 1
  [ "$ticks" = "$2" ]
}

record_pid() {
  local name=$1 pid=$2 ticks
  ticks=$(proc_start_ticks "$pid") || die "$name (pid $pid) exited at once; see $(log_file "$name")"
  echo "$pid $ticks" > "$(run_dir)/$name.pid"
}

# Prints the PID recorded for NAME when that process is still alive; fails otherwise.
live_pid() {
  local file pid ticks
  file="$(run_dir)/$1.pid"
  [ -f "$file" ] || return 1
  read -r pid ticks < "$file" || return 1
  same_process "$pid" "$ticks" || return 1
  echo "$pid"
}

# Writes run/<name>.env from key=value arguments.
write_env() {
  local name=$1
  shift
  printf '%s\n' "$@" > "$(run_dir)/$name.env"
}

# Reads one key from run/<name>.env; fails when absent.
read_env() {
  local file
  file="$(run_dir)/$1.env"
  [ -f "$file" ] || return 1
  sed -n "s/^$2=//p" "$file" | grep . || return 1
}

ensure_state_dirs() {
  mkdir -p "$(run_dir)" "$SPARKPLUG_STATE/logs"
}

# start_daemon NAME COMMAND...: runs COMMAND in its own session (so a terminal's Ctrl-C or hang-up
# does not reach it), output to the component's log, records and prints its PID.
start_daemon() {
  local name=$1 log pid
  shift
  ensure_state_dirs
  log=$(log_file "$name")
  [ ! -f "$log" ] || mv -f "$log" "$log.previous"
  # Without job control a background job is no process-group leader, so setsid does not fork and
  # $! is the daemon itself (setsid and env exec into it).
  setsid "$@" < /dev/null > "$log" 2>&1 &
  pid=$!
  record_pid "$name" "$pid"
  echo "$pid"
}

# Every descendant of PID as "pid ticks" lines, found through the parent links in /proc.
descendants() {
  local root=$1 file stat pid
  local -A children=()
  for file in /proc/[0-9]*/stat; do
    { stat=$(< "$file"); } 2> /dev/null || continue
    pid=${file#/proc/}
    pid=${pid%/stat}
    stat=${stat##*) }
    # shellcheck disable=SC2086
    set -- $stat
    children[$2]+=" $pid"
  done
  local queue=("$root") next ticks
  while [ ${#queue[@]} -gt 0 ]; do
    next=${queue[0]}
    queue=("${queue[@]:1}")
    for pid in ${children[$next]:-}; do
      ticks=$(proc_start_ticks "$pid") || continue
      echo "$pid $ticks"
      queue+=("$pid")
    done
  done
}

# Waits until PID/TICKS is gone, up to SECONDS; fails when it is still there.
await_exit() {
  local pid=$1 ticks=$2 deadline=$((SECONDS + $3))
  while same_process "$pid" "$ticks"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.1
  done
}

# SIGTERM, then SIGKILL once the grace period is over; only if PID still is the recorded process.
terminate() {
  local pid=$1 ticks=$2 label=$3
  same_process "$pid" "$ticks" || return 0
  kill -TERM "$pid" 2> /dev/null || true
  if ! await_exit "$pid" "$ticks" "$SPARKPLUG_STOP_GRACE"; then
    log "$label (pid $pid) ignored SIGTERM for ${SPARKPLUG_STOP_GRACE}s: SIGKILL"
    same_process "$pid" "$ticks" && kill -KILL "$pid" 2> /dev/null
    await_exit "$pid" "$ticks" 10 || die "$label (pid $pid) survived SIGKILL"
  fi
}

# Stops the recorded process NAME and then whatever it started (a Worker's executors) that
# outlived it, each by the PID seen before the stop.
stop_component() {
  local name=$1 file pid ticks child child_ticks
  file="$(run_dir)/$name.pid"
  [ -f "$file" ] || return 0
  read -r pid ticks < "$file" || true
  if [ -n "${pid:-}" ] && same_process "$pid" "$ticks"; then
    local kids
    kids=$(descendants "$pid")
    log "stopping $name (pid $pid)"
    terminate "$pid" "$ticks" "$name"
    while read -r child child_ticks; do
      [ -n "$child" ] || continue
      terminate "$child" "$child_ticks" "$name child"
    done <<< "$kids"
  fi
  rm -f "$file" "$(run_dir)/$name.env"
}

# wait_for SECONDS WHAT CONDITION...: polls CONDITION every 250 ms until it succeeds (0), gives
# up at once when it returns 2 or more (say, the process died), or fails after SECONDS.
wait_for() {
  local timeout=$1 what=$2 deadline rc
  shift 2
  deadline=$((SECONDS + timeout))
  while true; do
    rc=0
    "$@" || rc=$?
    [ "$rc" -ne 0 ] || return 0
    if [ "$rc" -ge 2 ]; then
      log "gave up waiting for $what"
      return 1
    fi
    if ((SECONDS >= deadline)); then
      log "timed out after ${timeout}s waiting for $what"
      return 1
    fi
    sleep 0.25
  done
}

# Shows the end of a component's log, for failures.
show_log_tail() {
  local log
  log=$(log_file "$1")
  [ -f "$log" ] || return 0
  log "last lines of $log:"
  tail -n "${2:-40}" "$log" >&2 || true
}

# True when something listens on TCP HOST:PORT. ss reads the socket table, so no probe
# connection is made (a probe of a closed port can connect to itself on loopback).
listening() {
  local host=$1 port=$2
  if command -v ss > /dev/null; then
    ss -Hltn "sport = :$port" 2> /dev/null | awk -v h="$host" -v p=":$port" '
      { a = $4; if (a == h p || a == "[::ffff:" h "]" p || a == "0.0.0.0" p || a == "*" p || a == "[::]" p) found = 1 }
      END { exit found ? 0 : 1 }'
  else
    (exec 3<> "/dev/tcp/$host/$port") 2> /dev/null
  fi
}

# Condition for wait_for: NAME is alive (else 2) and HOST:PORT listens.
alive_and_listening() {
  live_pid "$1" > /dev/null || return 2
  listening "$2" "$3"
}

# parse_options "KEYS" ARGS...: sets opt_<key> (dashes as underscores) from "--key value" or
# "--key=value"; a key written "name!" in KEYS is a flag, "--name" sets opt_name=true. Positional
# arguments, and all after "--", land in the array ARGS. Unknown options are an error.
parse_options() {
  local allowed=" $1 " key
  shift
  ARGS=()
  while [ $# -gt 0 ]; do
    case "$1" in
      --)
        shift
        ARGS+=("$@")
        break
        ;;
      --*=*)
        # --key=value, for flags too (--offline=false), as build tools pass them.
        key=${1%%=*}
        key=${key#--}
        [[ $allowed == *" $key "* || $allowed == *" $key! "* ]] ||
          die "unknown option --$key (allowed: $allowed)"
        printf -v "opt_${key//-/_}" '%s' "${1#*=}"
        shift
        ;;
      --*)
        key=${1#--}
        if [[ $allowed == *" $key! "* ]]; then
          printf -v "opt_${key//-/_}" '%s' true
          shift
          continue
        fi
        [[ $allowed == *" $key "* ]] || die "unknown option --$key (allowed: $allowed)"
        [ $# -ge 2 ] || die "option --$key needs a value"
        printf -v "opt_${key//-/_}" '%s' "$2"
        shift 2
        ;;
      *)
        ARGS+=("$1")
        shift
        ;;
    esac
  done
}
