# shellcheck shell=bash
# ARGS and the opt_* variables are set by parse_options (docker/local/lib/common.sh).
# shellcheck disable=SC2153
# sparkplug --local: the Compose topology as local processes. Every start and stop goes through
# docker/local/sparkplug-local (PIDs recorded in $SPARKPLUG_STATE); this file only decides what to
# start and remembers the cluster's ports in $SPARKPLUG_STATE/cli/cluster.env and each
# application's facts in $SPARKPLUG_STATE/cli/apps/<name>.env.

# The connector's low-latency serving settings (SparkPlugHttp.servingConf(), docs/performance.md),
# given to every submitted application: fast checkpoint writes, 1 ms polling, and Spark's real-time
# sink allowlist off so that the sparkplug-http sink serves in real-time mode by format name.
SERVING_CONF=(
  --conf spark.sql.streaming.realTimeMode.allowlistCheck=false
  --conf spark.sql.streaming.checkpointFileManagerClass=io.sparkplug.http.ServingCheckpointFileManager
  --conf spark.hadoop.fs.file.impl=org.apache.hadoop.fs.RawLocalFileSystem
  --conf spark.sql.streaming.pollingDelay=1ms
  --conf spark.sql.adaptive.enabled=false
  --conf spark.buffer.pageSize=1m
  --conf spark.hadoop.dfs.client.block.write.locateFollowingBlock.initial.delay.ms=10
  --conf spark.hadoop.dfs.client.block.write.locateFollowingBlock.retries=10
)

cli_dir() { echo "$SPARKPLUG_STATE/cli"; }

# Runs the toolkit with this state directory; its stdout (key=value facts) is returned.
toolkit() { SPARKPLUG_STATE="$SPARKPLUG_STATE" "$LOCAL_TOOL" "$@"; }

# cluster_fact KEY: a fact recorded by `up --local`; fails when absent.
cluster_fact() {
  local file
  file="$(cli_dir)/cluster.env"
  [ -f "$file" ] || return 1
  sed -n "s/^$1=//p" "$file" | grep . || return 1
}

require_local_cluster() {
  if ! live_pid master > /dev/null || ! cluster_fact master_url > /dev/null; then
    die "no local cluster runs in $SPARKPLUG_STATE; start one with: sparkplug up --local"
  fi
}

# worker_ip INDEX (1-based): the loopback address of that Worker, counted from --first-worker-ip.
worker_ip() {
  local first=${2:-$(cluster_fact first_worker_ip)} prefix last
  prefix=${first%.*}
  last=${first##*.}
  echo "$prefix.$((last + $1 - 1))"
}

running_worker_ips() {
  local file name
  for file in "$(run_dir)"/worker-*.pid; do
    [ -e "$file" ] || continue
    name=${file##*/worker-}
    name=${name%.pid}
    live_pid "worker-$name" > /dev/null && echo "$name"
  done | sort -t . -k 4 -n
}

local_up() {
  if wants_help "$@"; then
    cat << 'EOF'
Usage: sparkplug up --local [--workers 2] [--datanodes 1] [--worker-cores 2] [--worker-memory 1g]
                    [--master-port 7077] [--master-ui-port 8088] [--hdfs-port 9000]
                    [--hdfs-http-port 9870] [--worker-ui-port 8081] [--first-worker-ip 127.0.0.2]
                    [--timeout 300]

Starts, as local processes: a Spark Master on 127.0.0.1, N Workers each on its own loopback
address (127.0.0.2, 127.0.0.3, ...), a NameNode and a DataNode on 127.0.0.1, and waits until the
Master is ALIVE with every Worker registered and HDFS takes writes. Spark and Hadoop homes are
built from Maven jars the first time (docker/local/sparkplug-local homes). A port held by another
program is an error naming the option that moves it. Running it again starts only what is missing.
Logs and PIDs: $SPARKPLUG_STATE (default ~/.sparkplug/local). HAProxy starts with the first
executor-mode application (sparkplug submit --mode executor). Two cores a Worker by default: in
real-time mode every source of a query holds a reader task on each executor for the whole batch,
so the scaffold's two sources need two cores there.
EOF
    return
  fi
  local opt_workers=${SPARKPLUG_WORKERS:-2} opt_datanodes=1 opt_worker_cores=2 opt_worker_memory=1g
  local opt_master_port=7077 opt_master_ui_port=8088 opt_hdfs_port=9000 opt_hdfs_http_port=9870
  local opt_worker_ui_port=8081 opt_first_worker_ip=127.0.0.2 opt_timeout=300
  local known="workers datanodes worker-cores worker-memory master-port master-ui-port"
  known+=" hdfs-port hdfs-http-port worker-ui-port first-worker-ip timeout"
  parse_options "$known" "$@"
  [ ${#ARGS[@]} -eq 0 ] || die "up takes no arguments, only options (see sparkplug up --help)"
  local option
  for option in workers datanodes worker-cores master-port master-ui-port hdfs-port \
    hdfs-http-port worker-ui-port timeout; do
    local var="opt_${option//-/_}"
    require_number "--$option" "${!var}"
  done
  ((opt_workers >= 1 && opt_workers <= 200)) || die "--workers must be from 1 to 200"
  [ "$opt_datanodes" = 1 ] ||
    die "--local runs one DataNode (replication 1); --datanodes $opt_datanodes needs Docker"
  [[ $opt_first_worker_ip =~ ^127\.[0-9]+\.[0-9]+\.[0-9]+$ ]] ||
    die "--first-worker-ip must be a loopback address such as 127.0.0.2"
  local started=$SECONDS
  command -v java > /dev/null || die "java is not on the PATH (Java 17 is needed)"

  # Ports first: a clear error before anything starts. Components that already run keep theirs.
  live_pid master > /dev/null ||
    {
      require_free_port 127.0.0.1 "$opt_master_port" "Spark Master" --master-port
      require_free_port 127.0.0.1 "$opt_master_ui_port" "Spark Master web UI" --master-ui-port
    }
  live_pid namenode > /dev/null ||
    {
      require_free_port 127.0.0.1 "$opt_hdfs_port" "HDFS NameNode" --hdfs-port
      require_free_port 127.0.0.1 "$opt_hdfs_http_port" "HDFS NameNode web UI" --hdfs-http-port
    }
  local i ip
  for ((i = 1; i <= opt_workers; i++)); do
    ip=$(worker_ip "$i" "$opt_first_worker_ip")
    live_pid "worker-$ip" > /dev/null ||
      require_free_port "$ip" "$opt_worker_ui_port" "web UI of the Worker on $ip" --worker-ui-port
  done

  mkdir -p "$(cli_dir)/apps"
  log "preparing the Spark and Hadoop homes (once; see docker/local/README.md)"
  toolkit homes > /dev/null
  toolkit master start --port "$opt_master_port" --webui-port "$opt_master_ui_port" \
    --timeout "$opt_timeout" > /dev/null
  local master_url
  master_url=$(read_env master url)
  # Workers and HDFS start side by side: most of each start is a JVM coming up.
  local pids=() what=()
  toolkit hdfs start --port "$opt_hdfs_port" --http-port "$opt_hdfs_http_port" \
    --timeout "$opt_timeout" > /dev/null &
  pids+=($!)
  what+=("HDFS")
  for ((i = 1; i <= opt_workers; i++)); do
    ip=$(worker_ip "$i" "$opt_first_worker_ip")
    toolkit worker start "$ip" --cores "$opt_worker_cores" --memory "$opt_worker_memory" \
      --webui-port "$opt_worker_ui_port" --master "$master_url" --timeout "$opt_timeout" > /dev/null &
    pids+=($!)
    what+=("the Worker on $ip")
  done
  local failed=()
  for i in "${!pids[@]}"; do
    wait "${pids[i]}" || failed+=("${what[i]}")
  done
  [ ${#failed[@]} -eq 0 ] ||
    die "could not start ${failed[*]} (see above); what did start is still running: sparkplug down --local"

  {
    echo "master_url=$master_url"
    echo "master_ui=$(read_env master webui)"
    echo "hdfs_uri=$(read_env namenode uri)"
    echo "hdfs_http=$(read_env namenode http)"
    echo "workers=$opt_workers"
    echo "worker_cores=$opt_worker_cores"
    echo "worker_memory=$opt_worker_memory"
    echo "worker_ui_port=$opt_worker_ui_port"
    echo "first_worker_ip=$opt_first_worker_ip"
  } > "$(cli_dir)/cluster.env"
  log "cluster ready in $((SECONDS - started)) s: $opt_workers Worker(s), HDFS; next: sparkplug submit --local APP.jar"
  cat "$(cli_dir)/cluster.env"
}

local_scale() {
  if wants_help "$@"; then
    cat << 'EOF'
Usage: sparkplug scale --local --workers N [--timeout 300]

Starts or stops local Workers until N run (addresses counted from the cluster's first Worker
address, 127.0.0.2 by default). Workers removed take their executors with them; Spark replaces
those executors on the remaining Workers when they have free cores. --local runs one DataNode:
--datanodes other than 1 needs Docker.
EOF
    return
  fi
  local opt_workers="" opt_datanodes=1 opt_timeout=300
  parse_options "workers datanodes timeout" "$@"
  [ ${#ARGS[@]} -eq 0 ] || die "scale takes options only (see sparkplug scale --help)"
  [ -n "$opt_workers" ] || die "scale needs --workers N"
  require_number --workers "$opt_workers"
  ((opt_workers >= 1 && opt_workers <= 200)) || die "--workers must be from 1 to 200"
  [ "$opt_datanodes" = 1 ] || die "--local runs one DataNode; --datanodes needs Docker"
  require_local_cluster
  local i ip cores memory ui_port master_url pids=() status=0
  cores=$(cluster_fact worker_cores)
  memory=$(cluster_fact worker_memory)
  ui_port=$(cluster_fact worker_ui_port)
  master_url=$(cluster_fact master_url)
  for ((i = 1; i <= opt_workers; i++)); do
    ip=$(worker_ip "$i")
    live_pid "worker-$ip" > /dev/null && continue
    require_free_port "$ip" "$ui_port" "web UI of the Worker on $ip"
    toolkit worker start "$ip" --cores "$cores" --memory "$memory" --webui-port "$ui_port" \
      --master "$master_url" --timeout "$opt_timeout" > /dev/null &
    pids+=($!)
  done
  for i in "${pids[@]+"${pids[@]}"}"; do
    wait "$i" || status=1
  done
  [ "$status" = 0 ] || die "a Worker did not start (see above)"
  # Beyond N: the highest addresses go first.
  for ip in $(running_worker_ips | sort -t . -k 4 -n -r); do
    [ "$(running_worker_ips | wc -l)" -gt "$opt_workers" ] || break
    toolkit stop "worker-$ip"
  done
  sed -i "s/^workers=.*/workers=$opt_workers/" "$(cli_dir)/cluster.env"
  log "$(running_worker_ips | wc -l) Worker(s) running: $(running_worker_ips | tr '\n' ' ')"
}

# main_class_of JAR: the Main-Class of its manifest, if any.
main_class_of() {
  local manifest
  if command -v unzip > /dev/null; then
    manifest=$(unzip -p "$1" META-INF/MANIFEST.MF 2> /dev/null || true)
  else
    local scratch
    scratch=$(mktemp -d)
    (cd "$scratch" && jar xf "$1" META-INF/MANIFEST.MF) 2> /dev/null || true
    manifest=$(cat "$scratch/META-INF/MANIFEST.MF" 2> /dev/null || true)
    rm -rf "$scratch"
  fi
  printf '%s\n' "$manifest" | tr -d '\r' | sed -n 's/^Main-Class: *//p' | head -n 1
}

# Condition for wait_for: the driver is alive (else 2) and its directory (GET /-/servers on the
# control port) lists at least one healthy server, with the real-time warm-up batches behind it
# (warmUpBatchesLeft 0): the first batches of a JVM are its slowest, and an executor busy with
# them can answer health checks late.
directory_has_healthy_server() {
  local json
  live_pid "driver-$1" > /dev/null || return 2
  json=$(curl -fsS --max-time 2 "http://127.0.0.1:$2/-/servers" 2> /dev/null) || return 1
  printf '%s' "$json" | grep -q '"healthy":true' &&
    printf '%s' "$json" | grep -q '"warmUpBatchesLeft":0[,}]'
}

# Condition for wait_for, driver mode: the driver is alive (else 2) and its service port's
# /-/health answers 200 with every service's real-time warm-up behind it (warmUpBatchesLeft 0;
# 0 at once in micro-batch). The field appears once the query first asks its source for work.
driver_has_warmed_up() {
  local json
  live_pid "driver-$1" > /dev/null || return 2
  json=$(curl -fsS --max-time 2 "http://127.0.0.1:$2/-/health" 2> /dev/null) || return 1
  printf '%s' "$json" | grep -q '"warmUpBatchesLeft":0[,}]' &&
    ! printf '%s' "$json" | grep -q '"warmUpBatchesLeft":[1-9]'
}

# submit_failed NAME WHY: stops the driver that did not come up, says why as far as its log tells.
submit_failed() {
  local name=$1 log
  log=$(log_file "driver-$1")
  local hint=""
  if grep -q "Initial job has not accepted any resources" "$log" 2> /dev/null; then
    hint=" The cluster had no free cores for it: other applications hold them (submit them with"
    hint+=" --cores-max) or add Workers (sparkplug scale --local --workers N)."
  elif grep -q "already in use" "$log" 2> /dev/null; then
    hint=" A port it needs is taken: $(grep -m 1 "already in use" "$log")"
  fi
  toolkit stop "driver-$name" || true
  die "'$name' $2 and was stopped.$hint Its log: $log"
}

local_submit() {
  if wants_help "$@"; then
    cat << 'EOF'
Usage: sparkplug submit --local APP.jar [--class C] [--mode driver|executor] [--port P]
                        [--name N] [--control-port 7100] [--jars A.jar,B.jar]
                        [--checkpoint URI] [--executor-memory 512m] [--cores-max N]
                        [--lb-port 8000] [--trigger realtime|microbatch]
                        [--lb-stats-port 8404] [--timeout 300] [-- APP_ARGS...]

Runs APP.jar on the local cluster with spark-submit in client mode (the driver is a local
process), the connector jar added to --jars, and waits until it serves:
  --mode driver (default): one server on the driver, port P (default 8080); the service URL is
      http://127.0.0.1:P.
  --mode executor: one server in every executor, on the first free port of the range P (default
      9090-9099) on its Worker's address; HAProxy starts on --lb-port in front of them (health
      checks on /-/health), and the service URL is http://127.0.0.1:LB_PORT.
The application gets its settings as system properties -Dport, -Dmode, -DcontrolPort,
-Dcheckpoint, -Dtrigger (QuoteService reads port, checkpoint and trigger) and as SPARKPLUG_PORT,
SPARKPLUG_MODE, SPARKPLUG_CONTROL_PORT, SPARKPLUG_CHECKPOINT, SPARKPLUG_TRIGGER (apps from
`sparkplug new` read either; executor mode needs an application that honours mode).
--trigger realtime (default) asks the application for Spark's real-time mode, microbatch for
micro-batches; every application is submitted with the connector's low-latency serving settings
(SparkPlugHttp.servingConf(): real-time sink allowlist off, file-system checkpoint manager, raw
local file system, 1 ms polling delay, no AQE) as --conf lines. The checkpoint defaults to
hdfs://.../sparkplug/checkpoints/NAME on the cluster's HDFS. --class defaults to the jar's
Main-Class, --name to the class name in lower case. Spark gives an application every free core
unless --cores-max (spark.cores.max) limits it: leave cores for the next application.
EOF
    return
  fi
  local opt_class="" opt_mode=driver opt_port="" opt_name="" opt_control_port=7100 opt_jars=""
  local opt_checkpoint="" opt_executor_memory=512m opt_lb_port=8000 opt_lb_stats_port=8404
  local opt_timeout=300 opt_cores_max="" opt_trigger=realtime
  local known="class mode port name control-port jars checkpoint executor-memory cores-max lb-port"
  known+=" lb-stats-port timeout trigger"
  parse_options "$known" "$@"
  [ ${#ARGS[@]} -ge 1 ] || die "submit needs the application jar: sparkplug submit --local APP.jar"
  local app_jar=${ARGS[0]} app_args=("${ARGS[@]:1}")
  [ -f "$app_jar" ] || die "missing jar: $app_jar is no file (build the application first, e.g. mvn package)"
  app_jar=$(cd "$(dirname "$app_jar")" && pwd)/$(basename "$app_jar")
  case "$opt_mode" in
    driver) opt_port=${opt_port:-8080} ;;
    executor) opt_port=${opt_port:-9090-9099} ;;
    *) die "--mode must be driver or executor, not '$opt_mode'" ;;
  esac
  case "$opt_trigger" in
    realtime | microbatch) ;;
    *) die "--trigger must be realtime or microbatch, not '$opt_trigger'" ;;
  esac
  require_number --control-port "$opt_control_port"
  require_number --timeout "$opt_timeout"
  local first_port last_port
  if [ "$opt_mode" = driver ]; then
    require_number --port "$opt_port"
    first_port=$opt_port
    last_port=$opt_port
  else
    [[ $opt_port =~ ^([0-9]+)(-([0-9]+))?$ ]] || die "--port must be a port or a range like 9090-9099"
    first_port=${BASH_REMATCH[1]}
    last_port=${BASH_REMATCH[3]:-$first_port}
    ((first_port <= last_port)) || die "--port range $opt_port runs high to low"
  fi
  if [ -z "$opt_class" ]; then
    opt_class=$(main_class_of "$app_jar")
    [ -n "$opt_class" ] || die "$app_jar has no Main-Class in its manifest: give --class"
  fi
  [ -n "$opt_name" ] || opt_name=$(echo "${opt_class##*.}" | tr '[:upper:]' '[:lower:]')
  [[ $opt_name =~ ^[A-Za-z0-9][A-Za-z0-9_.-]*$ ]] || die "--name '$opt_name' must be letters, digits, . _ -"
  require_local_cluster
  local connector
  connector=$(connector_jar)
  local pid
  if pid=$(live_pid "driver-$opt_name"); then
    die "application '$opt_name' already runs (pid $pid); stop the stack or submit with another --name"
  fi

  # Ports: a clear error now rather than a failed query later.
  if [ "$opt_mode" = driver ]; then
    require_free_port "*" "$opt_port" "the service port" --port
  else
    local ip
    for ip in $(running_worker_ips); do
      require_free_port "$ip" "$first_port" "the first executor port on the Worker $ip" --port
    done
    command -v haproxy > /dev/null ||
      die "executor mode puts HAProxy in front of the executors: apt-get install haproxy"
    live_pid haproxy > /dev/null || {
      require_free_port 127.0.0.1 "$opt_lb_port" "HAProxy" --lb-port
      require_free_port 127.0.0.1 "$opt_lb_stats_port" "HAProxy statistics" --lb-stats-port
    }
  fi
  require_free_port "*" "$opt_control_port" "the driver's control port" --control-port

  local checkpoint=$opt_checkpoint
  if [ -z "$checkpoint" ]; then
    if live_pid namenode > /dev/null; then
      checkpoint="$(cluster_fact hdfs_uri)/sparkplug/checkpoints/$opt_name"
    else
      checkpoint="$SPARKPLUG_STATE/checkpoints/$opt_name"
    fi
  fi
  local jars=$connector
  [ -z "$opt_jars" ] || jars+=",$opt_jars"
  local workers cores
  workers=$(running_worker_ips | wc -l)
  cores=$(cluster_fact worker_cores)
  local started=$SECONDS
  local submit=(submit --name "$opt_name" --timeout "$opt_timeout")
  [ "$opt_mode" != driver ] || submit+=(--wait-listen "127.0.0.1:$opt_port")
  submit+=(--
    --master "$(cluster_fact master_url)"
    --name "$opt_name"
    --class "$opt_class"
    --jars "$jars"
    --driver-java-options "-Dport=$opt_port -Dmode=$opt_mode -DcontrolPort=$opt_control_port -Dcheckpoint=$checkpoint -Dtrigger=$opt_trigger"
    "${SERVING_CONF[@]}"
    --conf "spark.executor.memory=$opt_executor_memory"
    --conf "spark.executor.cores=$cores"
    --conf "spark.hadoop.dfs.replication=1"
    ${opt_cores_max:+--conf "spark.cores.max=$opt_cores_max"}
    --conf "spark.sql.shuffle.partitions=$((workers * cores))"
    "$app_jar" "${app_args[@]+"${app_args[@]}"}")
  log "submitting $opt_class ($opt_mode mode) as '$opt_name'"
  local facts
  if ! facts=$(SPARKPLUG_MODE=$opt_mode SPARKPLUG_PORT=$opt_port SPARKPLUG_TRIGGER=$opt_trigger \
    SPARKPLUG_CONTROL_PORT=$opt_control_port SPARKPLUG_CHECKPOINT=$checkpoint toolkit "${submit[@]}"); then
    submit_failed "$opt_name" "did not start serving"
  fi
  local url
  if [ "$opt_mode" = driver ]; then
    wait_for "$opt_timeout" "the real-time warm-up of '$opt_name'" \
      driver_has_warmed_up "$opt_name" "$opt_port" || {
      submit_failed "$opt_name" "listens but did not finish its warm-up"
    }
    url="http://127.0.0.1:$opt_port"
  else
    wait_for "$opt_timeout" "a warmed-up executor server in the directory of '$opt_name'" \
      directory_has_healthy_server "$opt_name" "$opt_control_port" || {
      submit_failed "$opt_name" "has no serving executor server (does the application pass mode to the source?)"
    }
    # Every Worker address times the first ports of the range: executors that share a Worker
    # (or replace one) take the next port, and health checks keep only the serving ones.
    local backends=() port count=0
    for ((port = first_port; port <= last_port && count < 4; port++, count++)); do
      for ip in $(running_worker_ips); do
        backends+=("$ip:$port")
      done
    done
    toolkit haproxy start --port "$opt_lb_port" --stats-port "$opt_lb_stats_port" \
      --timeout "$opt_timeout" "${backends[@]}" > /dev/null
    url="http://127.0.0.1:$opt_lb_port"
  fi
  {
    echo "name=$opt_name"
    echo "mode=$opt_mode"
    echo "class=$opt_class"
    echo "jar=$app_jar"
    echo "port=$opt_port"
    echo "control_port=$opt_control_port"
    echo "checkpoint=$checkpoint"
    echo "url=$url"
    printf '%s\n' "$facts" | grep -E '^(pid|log)='
  } > "$(cli_dir)/apps/$opt_name.env"
  log "'$opt_name' serving in $((SECONDS - started)) s at $url"
  cat "$(cli_dir)/apps/$opt_name.env"
}

# top_level: JSON on stdin with every array (innermost first) replaced by 0, leaving the
# top-level fields.
top_level() { sed -e ':a' -e 's/\[[^][]*\]/0/g' -e 'ta'; }

# json_field NAME: the values of "NAME": in JSON on stdin, one a line (flat fields only).
json_field() { grep -o "\"$1\" *: *\(\"[^\"]*\"\|[^,}]*\)" | sed 's/^[^:]*: *//; s/^"//; s/"$//'; }

# Prints the servers of a directory (GET /-/servers), one a line.
print_servers() {
  local json=$1 entry
  printf '%s' "$json" | sed 's/},{/}\n{/g' | grep -o '{"executorId[^}]*}' | while read -r entry; do
    printf '    executor %-8s %s:%-6s %-9s accepted=%s pending=%s\n' \
      "$(printf '%s' "$entry" | json_field executorId)" \
      "$(printf '%s' "$entry" | json_field host)" \
      "$(printf '%s' "$entry" | json_field port)" \
      "$(printf '%s' "$entry" | json_field state)" \
      "$(printf '%s' "$entry" | json_field accepted)" \
      "$(printf '%s' "$entry" | json_field pending)"
  done
}

local_status() {
  if wants_help "$@"; then
    cat << 'EOF'
Usage: sparkplug status --local

The local stack: the Master (ALIVE or not, Workers alive, cores), HDFS (live DataNodes), every
recorded process (PID, alive or dead), and each submitted application: its mode, its service URL
and health, and its servers from the driver's directory (GET /-/servers on its control port).
Exits 1 when no cluster is recorded.
EOF
    return
  fi
  [ $# -eq 0 ] || die "status takes no arguments"
  [ -f "$(cli_dir)/cluster.env" ] || die "no local cluster recorded in $SPARKPLUG_STATE (sparkplug up --local)"
  local ui json
  ui=$(cluster_fact master_ui)
  echo "cluster (local processes, state in $SPARKPLUG_STATE)"
  if json=$(curl -fsS --max-time 3 "$ui/json/" 2> /dev/null); then
    json=$(printf '%s' "$json" | tr -d '\n' | top_level)
    echo "  master     $(cluster_fact master_url)  status=$(printf '%s' "$json" | json_field status | head -n 1)  web UI $ui"
    echo "  workers    alive=$(printf '%s' "$json" | json_field aliveworkers | head -n 1) cores=$(printf '%s' "$json" | json_field cores | head -n 1) coresused=$(printf '%s' "$json" | json_field coresused | head -n 1)"
  else
    echo "  master     $(cluster_fact master_url)  not answering at $ui"
  fi
  local jmx
  if jmx=$(curl -fsS --max-time 3 "$(cluster_fact hdfs_http)/jmx?qry=Hadoop:service=NameNode,name=FSNamesystemState" 2> /dev/null); then
    echo "  hdfs       $(cluster_fact hdfs_uri)  live DataNodes=$(printf '%s' "$jmx" | tr -d '\n' | json_field NumLiveDataNodes | head -n 1)"
  else
    echo "  hdfs       $(cluster_fact hdfs_uri)  not answering"
  fi
  echo "processes"
  toolkit status | sed 's/^/  /'
  local file name mode url control health directory
  for file in "$(cli_dir)"/apps/*.env; do
    [ -e "$file" ] || continue
    name=$(sed -n 's/^name=//p' "$file")
    mode=$(sed -n 's/^mode=//p' "$file")
    url=$(sed -n 's/^url=//p' "$file")
    control=$(sed -n 's/^control_port=//p' "$file")
    if live_pid "driver-$name" > /dev/null; then
      health=$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 "$url/-/health" 2> /dev/null || true)
      echo "application $name ($mode mode)  service $url  health=${health:-none}"
    else
      echo "application $name ($mode mode)  driver not running"
      continue
    fi
    if directory=$(curl -fsS --max-time 3 "http://127.0.0.1:$control/-/servers" 2> /dev/null); then
      echo "  servers (http://127.0.0.1:$control/-/servers)"
      print_servers "$(printf '%s' "$directory" | tr -d '\n')"
    else
      echo "  servers    no directory at http://127.0.0.1:$control/-/servers (the application may not pass controlPort)"
    fi
  done
  if live_pid haproxy > /dev/null; then
    echo "haproxy    $(read_env haproxy url)  statistics $(read_env haproxy stats)"
  fi
}

local_logs() {
  if wants_help "$@"; then
    cat << 'EOF'
Usage: sparkplug logs --local [COMPONENT] [--lines 40] [--follow]

Without COMPONENT: the last lines of every component's log. COMPONENT is master, namenode,
datanode, haproxy, worker-127.0.0.2 (a Worker), an application's name (its driver) or
driver-NAME. --follow keeps printing one component's log until Ctrl-C. Executor logs live in the
Workers' work directories: $SPARKPLUG_STATE/work/<worker address>/app-*/<executor>/stderr.
EOF
    return
  fi
  local opt_lines=40 opt_follow=false
  parse_options "lines follow!" "$@"
  require_number --lines "$opt_lines"
  local logs_dir="$SPARKPLUG_STATE/logs" file
  [ -d "$logs_dir" ] || die "no logs in $SPARKPLUG_STATE (sparkplug up --local first)"
  if [ ${#ARGS[@]} -eq 0 ]; then
    [ "$opt_follow" = false ] || die "--follow needs one COMPONENT"
    for file in "$logs_dir"/*.log; do
      [ -e "$file" ] || continue
      echo "==> $(basename "$file" .log) ($file)"
      tail -n "$opt_lines" "$file"
    done
    return
  fi
  local name=${ARGS[0]}
  file="$logs_dir/$name.log"
  [ -f "$file" ] || file="$logs_dir/driver-$name.log"
  if [ ! -f "$file" ]; then
    local known=()
    for file in "$logs_dir"/*.log; do
      [ -e "$file" ] && known+=("$(basename "$file" .log)")
    done
    die "no log for '$name'; there are: ${known[*]}"
  fi
  if [ "$opt_follow" = true ]; then
    exec tail -n "$opt_lines" -f "$file"
  fi
  tail -n "$opt_lines" "$file"
}

local_down() {
  if wants_help "$@"; then
    cat << 'EOF'
Usage: sparkplug down --local [--volumes]

Stops every process of the local stack by its recorded PID (HAProxy, drivers, Workers and their
executors, the Master, HDFS): SIGTERM, then SIGKILL after $SPARKPLUG_STOP_GRACE seconds.
HDFS data and logs stay in $SPARKPLUG_STATE for the next `up`; --volumes deletes them too.
EOF
    return
  fi
  local opt_volumes=false
  parse_options "volumes!" "$@"
  [ ${#ARGS[@]} -eq 0 ] || die "down takes no arguments"
  if [ -d "$(run_dir)" ]; then
    toolkit stop all
  fi
  rm -f "$(cli_dir)"/apps/*.env "$(cli_dir)/cluster.env"
  if [ "$opt_volumes" = true ]; then
    rm -rf "$SPARKPLUG_STATE/hdfs" "$SPARKPLUG_STATE/work" "$SPARKPLUG_STATE/drivers" \
      "$SPARKPLUG_STATE/logs" "$SPARKPLUG_STATE/checkpoints"
  fi
  log "local stack stopped"
}
