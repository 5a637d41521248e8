# shellcheck shell=bash
# Spark standalone Master and Workers, and drivers started with spark-submit in client mode.
#
# Every Spark JVM is started the way Spark's own scripts start it: org.apache.spark.launcher.Main
# prints the full java command (classpath, heap, Spark's --add-opens list, SPARK_*_OPTS), and we
# run exactly that, so what runs here is what runs under spark-class and spark-submit.

# Daemon heap: Master and Worker use about 210 MB; Spark's default is 1g.
export SPARK_DAEMON_MEMORY="${SPARK_DAEMON_MEMORY:-512m}"

# spark_command CLASS ARGS...: sets the array SPARK_CMD to the java command for CLASS. The launcher
# prints messages line by line, then an empty line, then the command NUL-separated; the last
# field is the launcher's exit status.
spark_command() {
  local home arg delim=$'\n' in_command=false
  home=$(require_spark_home)
  export SPARK_HOME="$home" SPARK_SCALA_VERSION
  SPARK_SCALA_VERSION=$(scala_binary_version)
  SPARK_CMD=()
  while IFS= read -r -d "$delim" arg; do
    if [ "$in_command" = true ]; then
      SPARK_CMD+=("$arg")
    elif [ -z "$arg" ]; then
      delim=''
      in_command=true
    else
      echo "$arg" >&2
    fi
  done < <(
    "$JAVA" -Xmx128m -cp "$home/jars/*" org.apache.spark.launcher.Main "$@"
    printf '%d\0' $?
  )
  local count=${#SPARK_CMD[@]}
  [ "$count" -gt 1 ] || die "Spark's launcher printed no command for $1"
  local status=${SPARK_CMD[count - 1]}
  unset 'SPARK_CMD[count - 1]'
  [ "$status" = 0 ] || die "Spark's launcher failed for $1 (exit $status)"
}

master_url() { read_env master url || die "no master recorded in $SPARKPLUG_STATE; run: master start"; }

# Condition for wait_for: the Master is alive and its JSON status says ALIVE.
master_alive() {
  live_pid master > /dev/null || return 2
  curl -fsS --max-time 2 "$1/json/" 2> /dev/null | tr -d ' \n\t' | grep -q '"status":"ALIVE"'
}

cmd_master() {
  local action=${1:-}
  [ $# -eq 0 ] || shift
  case "$action" in
    start) master_start "$@" ;;
    stop) stop_component master ;;
    *) die "usage: master start|stop [options]" ;;
  esac
}

master_start() {
  local opt_host=127.0.0.1 opt_port=7077 opt_webui_port=8080 opt_timeout=120
  parse_options "host port webui-port timeout" "$@"
  local url="spark://$opt_host:$opt_port" webui="http://$opt_host:$opt_webui_port" pid
  if pid=$(live_pid master); then
    log "master already running (pid $pid)"
  else
    ensure_state_dirs
    # spark.port.maxRetries=0: a taken port is an error, not a silent move to the next one that
    # our readiness checks and URLs would not know about. No REST submission server: client-mode
    # submits do not use it, and its fixed port 6066 would clash between two clusters.
    SPARK_MASTER_OPTS="${SPARK_MASTER_OPTS:-} -Dspark.port.maxRetries=0 -Dspark.master.rest.enabled=false" \
      spark_command org.apache.spark.deploy.master.Master \
      --host "$opt_host" --port "$opt_port" --webui-port "$opt_webui_port"
    pid=$(start_daemon master env SPARK_LOCAL_IP="$opt_host" "${SPARK_CMD[@]}")
    write_env master "url=$url" "webui=$webui" "host=$opt_host" "log=$(log_file master)"
    log "master starting (pid $pid), $url"
  fi
  if ! wait_for "$opt_timeout" "the Master at $webui" master_alive "$(read_env master webui)"; then
    show_log_tail master
    exit 1
  fi
  echo "pid=$(live_pid master)"
  cat "$(run_dir)/master.env"
}

# Condition for wait_for: the Worker is alive and has logged its registration with the Master.
worker_registered() {
  live_pid "$1" > /dev/null || return 2
  grep -q "Successfully registered with master" "$(log_file "$1")"
}

cmd_worker() {
  local action=${1:-} host=${2:-}
  [ -n "$host" ] || die "usage: worker start|stop HOST [options]"
  shift 2
  case "$action" in
    start) worker_start "$host" "$@" ;;
    stop) stop_component "worker-$host" ;;
    *) die "usage: worker start|stop HOST [options]" ;;
  esac
}

worker_start() {
  local host=$1
  shift
  local opt_cores=1 opt_memory=1g opt_port=0 opt_webui_port=8081 opt_master="" opt_timeout=120
  local opt_cgroup=""
  parse_options "cores memory port webui-port master timeout cgroup" "$@"
  local name="worker-$host" pid master
  master=${opt_master:-$(master_url)}
  if pid=$(live_pid "$name"); then
    log "$name already running (pid $pid)"
  else
    local work="$SPARKPLUG_STATE/work/$host"
    mkdir -p "$work/local"
    SPARK_WORKER_OPTS="${SPARK_WORKER_OPTS:-} -Dspark.port.maxRetries=0" \
      spark_command org.apache.spark.deploy.worker.Worker "$master" \
      --host "$host" --port "$opt_port" --cores "$opt_cores" --memory "$opt_memory" \
      --webui-port "$opt_webui_port" --work-dir "$work"
    local enter=()
    if [ -n "$opt_cgroup" ]; then
      # --cgroup: the Worker starts inside this cgroup v2 directory, so the Worker and every
      # executor it forks belong to it from their first socket on (a socket keeps the cgroup of
      # its creator): iptables -m cgroup --path can then cut everything this "host" sends.
      mkdir -p "$opt_cgroup" || die "cannot create the cgroup $opt_cgroup"
      [ -w "$opt_cgroup/cgroup.procs" ] || die "$opt_cgroup is no writable cgroup v2 directory"
      # The shell moves itself (the PID start_daemon records) into the cgroup, then execs on.
      # shellcheck disable=SC2016
      enter=(sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$opt_cgroup")
    fi
    # SPARK_LOCAL_IP binds the Worker's web UI, and the executors it starts, to HOST.
    pid=$(start_daemon "$name" "${enter[@]}" env SPARK_LOCAL_IP="$host" \
      SPARK_LOCAL_DIRS="$work/local" "${SPARK_CMD[@]}")
    write_env "$name" "host=$host" "master=$master" "webui=http://$host:$opt_webui_port" \
      "work=$work" "log=$(log_file "$name")" ${opt_cgroup:+"cgroup=$opt_cgroup"}
    log "$name starting (pid $pid), $opt_cores core(s), $opt_memory"
  fi
  if ! wait_for "$opt_timeout" "$name to register with $master" worker_registered "$name"; then
    show_log_tail "$name"
    exit 1
  fi
  echo "pid=$(live_pid "$name")"
  cat "$(run_dir)/$name.env"
}

# Condition for wait_for: the driver is alive (else 2) and listens on HOST:PORT.
driver_listening() {
  live_pid "$1" > /dev/null || return 2
  listening "$2" "$3"
}

# submit [--name N] [--local-ip IP] [--wait-listen HOST:PORT] [--timeout S] -- SPARK_SUBMIT_ARGS
cmd_submit() {
  local opt_name=driver opt_local_ip=127.0.0.1 opt_wait_listen="" opt_timeout=180
  parse_options "name local-ip wait-listen timeout" "$@"
  [ ${#ARGS[@]} -gt 0 ] || die "usage: submit [options] -- SPARK_SUBMIT_ARGS (see --help)"
  local i
  for ((i = 0; i < ${#ARGS[@]}; i++)); do
    if [ "${ARGS[i]}" = --deploy-mode=cluster ] ||
      { [ "${ARGS[i]}" = --deploy-mode ] && [ "${ARGS[i + 1]:-}" = cluster ]; }; then
      die "submit runs the driver here, in client mode; drop --deploy-mode cluster"
    fi
  done
  local name="driver-$opt_name" pid
  if pid=$(live_pid "$name"); then
    die "$name is already running (pid $pid); stop it first: stop $name"
  fi
  local dir="$SPARKPLUG_STATE/drivers/$opt_name"
  mkdir -p "$dir/local"
  spark_command org.apache.spark.deploy.SparkSubmit --deploy-mode client "${ARGS[@]}"
  # In client mode the SparkSubmit JVM is the driver: its PID is the driver's PID.
  pid=$(cd "$dir" && start_daemon "$name" env SPARK_LOCAL_IP="$opt_local_ip" \
    SPARK_LOCAL_DIRS="$dir/local" "${SPARK_CMD[@]}")
  write_env "$name" "pid=$pid" "log=$(log_file "$name")" "dir=$dir"
  log "$name started (pid $pid), log $(log_file "$name")"
  if [ -n "$opt_wait_listen" ]; then
    if ! wait_for "$opt_timeout" "$name to listen on $opt_wait_listen" \
      driver_listening "$name" "${opt_wait_listen%:*}" "${opt_wait_listen##*:}"; then
      show_log_tail "$name" 60
      exit 1
    fi
  fi
  cat "$(run_dir)/$name.env"
}
