# shellcheck shell=bash
# ARGS and the opt_* variables are set by parse_options (docker/local/lib/common.sh).
# shellcheck disable=SC2153
# sparkplug without --local: docker/compose.yaml on a container engine. Two engines are known:
#   docker   Docker Engine with Compose v2 (`docker compose`);
#   podman   podman through its Docker-compatible API (`podman system service`, started here on a
#            socket of its own and stopped by `down`) driven by docker-compose 1.29, the Compose
#            that Debian packages, with compose.v1.yaml added (Compose 1.x ignores `configs`).
# SPARKPLUG_ENGINE=docker|podman picks one; Docker by default. SPARKPLUG_BASE=local builds the stack on the base images of docker/base (Debian packages
# and Maven jars, for machines that reach no image registry) instead of the official ones.
# Settings come from docker/.env; what `submit` chose is kept in docker/apps/submitted.env and
# exported before every compose call, so a later `up` or `scale` keeps the submitted application.

# Where the podman service's socket, PID and log live.
compose_state() { echo "${SPARKPLUG_COMPOSE_STATE:-$HOME/.sparkplug/compose}"; }
podman_socket() { echo "${SPARKPLUG_PODMAN_SOCKET:-$(compose_state)/podman.sock}"; }
podman_pid_file() { echo "$(compose_state)/podman-service.pid"; }
compose_file() { echo "$SPARKPLUG_DOCKER_DIR/compose.yaml"; }
# Jars handed to the driver container (mounted read-only); SPARKPLUG_APPS_DIR moves it, say for a
# test that must leave this checkout's apps/ alone.
apps_dir() { echo "${SPARKPLUG_APPS_DIR:-$SPARKPLUG_DOCKER_DIR/apps}"; }
submitted_env() { echo "$(apps_dir)/submitted.env"; }

# One value of docker/.env, overridden by the environment and by submitted.env.
setting() {
  local key=$1 value=""
  if [ -f "$(submitted_env)" ]; then
    value=$(sed -n "s/^$key=//p" "$(submitted_env)" | tail -n 1)
  fi
  if [ -z "$value" ] && [ -n "${!key:-}" ]; then
    value=${!key}
  fi
  if [ -z "$value" ]; then
    value=$(sed -n "s/^$key=//p" "$SPARKPLUG_DOCKER_DIR/.env" | tail -n 1)
  fi
  echo "$value"
}

# require_engine: sets ENGINE (docker or podman) and makes sure it answers; each failure says
# what to do. Docker unless SPARKPLUG_ENGINE=podman: podman is never picked behind the user's back
# (it would start a whole stack on another engine), but an error about Docker names it when it is
# installed.
require_engine() {
  local wanted=${SPARKPLUG_ENGINE:-docker} problem podman_hint=""
  if [ "$wanted" = docker ] && command -v podman > /dev/null &&
    command -v docker-compose > /dev/null; then
    podman_hint="
podman and docker-compose are installed: SPARKPLUG_ENGINE=podman runs the stack on them."
  fi
  ENGINE=$wanted
  case "$ENGINE" in
    docker)
      command -v docker > /dev/null ||
        die "docker is not installed. Install Docker (Engine and the Compose plugin), or run the same
stack as local processes: sparkplug ${COMMAND_NAME:-up} --local$podman_hint"
      if ! problem=$(docker info --format '{{.ServerVersion}}' 2>&1 > /dev/null); then
        problem=$(printf '%s\n' "$problem" | grep -v '^$' | head -n 1)
        die "no Docker engine is running (docker info: ${problem:-failed}). Start Docker, or run the
same stack as local processes: sparkplug ${COMMAND_NAME:-up} --local$podman_hint"
      fi
      docker compose version > /dev/null 2>&1 ||
        die "Docker Compose v2 is missing ('docker compose'): install the docker-compose-plugin package,
or use podman with docker-compose 1.29: SPARKPLUG_ENGINE=podman"
      ;;
    podman)
      command -v podman > /dev/null || die "podman is not installed (apt-get install podman runc)"
      command -v docker-compose > /dev/null ||
        die "docker-compose is not installed (apt-get install docker-compose): podman runs the stack
through it"
      export CONTAINERS_CONF=${CONTAINERS_CONF:-$SPARKPLUG_DOCKER_DIR/podman/containers.conf}
      ensure_podman_service
      DOCKER_HOST="unix://$(podman_socket)"
      export DOCKER_HOST
      ;;
    *) die "SPARKPLUG_ENGINE must be docker or podman, not '$ENGINE'" ;;
  esac
}

podman_answers() { curl -fsS --max-time 2 --unix-socket "$(podman_socket)" http://d/_ping > /dev/null 2>&1; }

# The podman service this tool started, when it still runs: its PID.
podman_service_pid() {
  local pid ticks
  [ -f "$(podman_pid_file)" ] || return 1
  read -r pid ticks < "$(podman_pid_file)" || return 1
  same_process "$pid" "$ticks" || return 1
  echo "$pid"
}

# Starts podman's Docker-compatible API on our own socket unless it answers already; records the
# service's PID (with its start time, as docker/local does) so that `down` stops that process.
ensure_podman_service() {
  podman_answers && return 0
  local state pid
  state=$(compose_state)
  mkdir -p "$state" "$(dirname "$(podman_socket)")"
  rm -f "$(podman_socket)"
  setsid podman system service --time=0 "unix://$(podman_socket)" < /dev/null \
    > "$state/podman-service.log" 2>&1 &
  pid=$!
  echo "$pid $(proc_start_ticks "$pid" || echo 0)" > "$(podman_pid_file)"
  if ! wait_for 60 "podman's API at $(podman_socket)" podman_service_up; then
    tail -n 20 "$state/podman-service.log" >&2 || true
    die "podman system service did not answer on $(podman_socket); see $state/podman-service.log"
  fi
  log "podman API service (pid $pid) on $(podman_socket)"
}

# Condition for wait_for: the service answers (0), is starting (1) or died (2).
podman_service_up() {
  podman_answers && return 0
  podman_service_pid > /dev/null || return 2
  return 1
}

stop_podman_service() {
  local pid ticks
  [ -f "$(podman_pid_file)" ] || return 0
  read -r pid ticks < "$(podman_pid_file)" || true
  if [ -n "${pid:-}" ] && same_process "$pid" "${ticks:-0}"; then
    terminate "$pid" "$ticks" "podman system service"
    log "stopped the podman API service (pid $pid)"
  fi
  rm -f "$(podman_pid_file)" "$(podman_socket)"
}

# SPARKPLUG_BASE=local: the base images of docker/base, built when missing or out of date.
use_base() {
  case "${SPARKPLUG_BASE:-official}" in
    official) ;;
    local)
      set -a
      # shellcheck source=base/local-base.env
      source "$SPARKPLUG_DOCKER_DIR/base/local-base.env"
      set +a
      ;;
    *) die "SPARKPLUG_BASE must be official or local, not '$SPARKPLUG_BASE'" ;;
  esac
}

# build_images: the SparkPlug HTTP image from this checkout's jars. Docker builds it inside
# `docker compose up --build`; with podman it is built here (Compose 1.x would send the whole
# repository as the build context: it reads no Dockerfile.dockerignore).
build_images() {
  [ "$ENGINE" = podman ] || return 0
  if [ "${SPARKPLUG_BASE:-official}" = local ]; then
    "$SPARKPLUG_DOCKER_DIR/base/build-local-base" --engine podman \
      --offline="${SPARKPLUG_MVN_OFFLINE:-false}" > /dev/null
  fi
  local image spark_image version
  image=$(setting SPARKPLUG_IMAGE)
  spark_image=$(setting SPARK_IMAGE)
  version=$(project_version)
  log "building $image on $spark_image"
  podman build --file "$SPARKPLUG_DOCKER_DIR/Dockerfile" \
    --ignorefile "$SPARKPLUG_DOCKER_DIR/Dockerfile.dockerignore" \
    --build-arg "SPARK_IMAGE=$spark_image" --build-arg "VERSION=$version" \
    --tag "$image" "$SPARKPLUG_REPO" > "$(compose_state)/build.log" 2>&1 || {
    tail -n 20 "$(compose_state)/build.log" >&2
    die "building $image failed; see $(compose_state)/build.log"
  }
}

# compose ARGS...: Compose on this stack, with submitted settings exported.
compose() {
  (
    if [ -f "$(submitted_env)" ]; then
      set -a
      # shellcheck disable=SC1090 # written by compose_submit
      source "$(submitted_env)"
      set +a
    fi
    cd "$SPARKPLUG_DOCKER_DIR" || exit 1
    export APPS_DIR
    APPS_DIR=$(apps_dir)
    if [ "$ENGINE" = podman ]; then
      docker-compose -f "$(compose_file)" -f "$SPARKPLUG_DOCKER_DIR/compose.v1.yaml" "$@"
    else
      docker compose -f "$(compose_file)" "$@"
    fi
  )
}

stack_running() { [ -n "$(compose ps -q 2> /dev/null)" ]; }

running_count() { compose ps -q "$1" 2> /dev/null | grep -c . || true; }

# Condition for wait_for: URL answers 200 (0), or not yet (1: wait_for gives up on 2 and more,
# which is what curl returns for a refused connection).
http_ok() { curl -fsS -o /dev/null --max-time 3 "$1" 2> /dev/null || return 1; }

compose_up() {
  if wants_help "$@"; then
    cat << 'EOF'
Usage: sparkplug up [--workers N] [--datanodes N] [--no-build] [--timeout 600]

Builds the SparkPlug HTTP image from this checkout's Maven output (docker/Dockerfile: the
connector and examples jars on the official apache/spark image) and starts docker/compose.yaml:
NameNode, DataNodes, Spark Master, Workers, the serving driver (by default the QuoteService
example in driver mode, or what `sparkplug submit` chose) and HAProxy. Waits until the service
answers its health check. Settings (cores, memory, ports, mode) are in docker/.env.
Needs Docker Engine with the Compose plugin, or, with SPARKPLUG_ENGINE=podman, podman and
docker-compose 1.29 (podman's API service is started on a socket of this tool's own).
SPARKPLUG_BASE=local builds on the base images of docker/base (Debian packages, Maven jars)
where the official images cannot be pulled. Without an engine use --local.
EOF
    return
  fi
  local opt_workers="" opt_datanodes="" opt_no_build=false opt_timeout=600
  parse_options "workers datanodes no-build! timeout" "$@"
  [ ${#ARGS[@]} -eq 0 ] || die "up takes options only (see sparkplug up --help)"
  opt_workers=${opt_workers:-$(setting SPARK_WORKERS)}
  opt_datanodes=${opt_datanodes:-$(setting HDFS_DATANODES)}
  require_number --workers "$opt_workers"
  require_number --datanodes "$opt_datanodes"
  use_base
  COMMAND_NAME=up require_engine
  if [ "$opt_no_build" = false ]; then
    connector_jar > /dev/null
    examples_jar > /dev/null
  fi
  if ! stack_running; then
    local key
    for key in SERVICE_PORT CONTROL_PORT LB_PORT LB_STATS_PORT MASTER_UI_PORT NAMENODE_UI_PORT; do
      require_free_port "*" "$(setting "$key")" "$key in docker/.env" "$key=... in docker/.env"
    done
  fi
  mkdir -p "$(apps_dir)"
  local started=$SECONDS build=(--build)
  if [ "$ENGINE" = podman ]; then
    build=(--no-build)
    [ "$opt_no_build" = true ] || build_images
  elif [ "$opt_no_build" = true ]; then
    build=()
  fi
  SPARK_WORKERS=$opt_workers HDFS_DATANODES=$opt_datanodes compose up -d "${build[@]}" \
    --scale "spark-worker=$opt_workers" --scale "datanode=$opt_datanodes"
  local url
  url="http://127.0.0.1:$(setting LB_PORT)"
  if ! wait_for "$opt_timeout" "the service behind HAProxy ($url/-/health)" http_ok "$url/-/health"; then
    compose ps >&2 || true
    die "the stack started but nothing serves yet; see: sparkplug logs driver"
  fi
  log "stack up in $((SECONDS - started)) s"
  compose_status --brief
}

compose_scale() {
  if wants_help "$@"; then
    cat << 'EOF'
Usage: sparkplug scale [--workers N] [--datanodes N]

Sets the number of Spark Worker and HDFS DataNode containers (docker compose up --scale);
running containers stay. New Workers register with the Master, Spark starts executors on them
for applications that want more cores, and HAProxy finds their executor servers by DNS.
DataNodes share the hdfs-data volume, each in a slot directory of its own.
EOF
    return
  fi
  local opt_workers="" opt_datanodes=""
  parse_options "workers datanodes" "$@"
  [ ${#ARGS[@]} -eq 0 ] || die "scale takes options only (see sparkplug scale --help)"
  [ -n "$opt_workers$opt_datanodes" ] || die "scale needs --workers N and/or --datanodes N"
  use_base
  COMMAND_NAME=scale require_engine
  stack_running || die "the stack is not running: sparkplug up"
  opt_workers=${opt_workers:-$(running_count spark-worker)}
  opt_datanodes=${opt_datanodes:-$(running_count datanode)}
  require_number --workers "$opt_workers"
  require_number --datanodes "$opt_datanodes"
  SPARK_WORKERS=$opt_workers HDFS_DATANODES=$opt_datanodes compose up -d --no-recreate \
    --scale "spark-worker=$opt_workers" --scale "datanode=$opt_datanodes"
  log "$(running_count spark-worker) Worker and $(running_count datanode) DataNode container(s)"
}

compose_submit() {
  if wants_help "$@"; then
    cat << 'EOF'
Usage: sparkplug submit APP.jar [--class C] [--mode driver|executor] [--port P] [--name N]
                        [--trigger realtime|microbatch] [--jars A.jar,B.jar] [--timeout 600]
                        [-- APP_ARGS...]

Makes APP.jar the stack's serving application: copies it (and the --jars it needs beside the
connector) to docker/apps/ (mounted read-only in the driver container), records the choice in docker/apps/submitted.env and recreates the
driver container, which runs spark-submit in client mode with the connector on --jars. Waits
until the service answers through HAProxy. --mode driver publishes port P (default
SERVICE_PORT, 8080); --mode executor serves from every executor on the first free port of P
(default EXECUTOR_PORTS, 9090-9099) behind HAProxy (LB_PORT, 8000). --trigger realtime (default)
asks for Spark's real-time mode, microbatch for micro-batches; the driver submits with the
connector's low-latency serving settings. The application reads -Dport, -Dmode, -DcontrolPort,
-Dcheckpoint, -Dtrigger or SPARKPLUG_* variables (see docker/README.md).
EOF
    return
  fi
  local opt_class="" opt_mode=driver opt_port="" opt_name="" opt_timeout=600 opt_trigger=realtime
  local opt_jars=""
  parse_options "class mode port name timeout trigger jars" "$@"
  [ ${#ARGS[@]} -ge 1 ] || die "submit needs the application jar: sparkplug submit APP.jar"
  local app_jar=${ARGS[0]}
  [ -f "$app_jar" ] || die "missing jar: $app_jar is no file (build the application first, e.g. mvn package)"
  case "$opt_mode" in driver | executor) ;; *) die "--mode must be driver or executor, not '$opt_mode'" ;; esac
  case "$opt_trigger" in
    realtime | microbatch) ;;
    *) die "--trigger must be realtime or microbatch, not '$opt_trigger'" ;;
  esac
  if [ -z "$opt_class" ]; then
    opt_class=$(main_class_of "$app_jar")
    [ -n "$opt_class" ] || die "$app_jar has no Main-Class in its manifest: give --class"
  fi
  [ -n "$opt_name" ] || opt_name=$(echo "${opt_class##*.}" | tr '[:upper:]' '[:lower:]')
  [[ $opt_name =~ ^[A-Za-z0-9][A-Za-z0-9_.-]*$ ]] || die "--name '$opt_name' must be letters, digits, . _ -"
  use_base
  COMMAND_NAME=submit require_engine
  stack_running || die "the stack is not running: sparkplug up"
  mkdir -p "$(apps_dir)"
  cp "$app_jar" "$(apps_dir)/$opt_name.jar"
  # Extra jars go beside it, and reach spark-submit's --jars as paths in the driver container.
  local extra_jars="" jar
  local -a jar_list=()
  [ -z "$opt_jars" ] || IFS=, read -r -a jar_list <<< "$opt_jars"
  for jar in "${jar_list[@]+"${jar_list[@]}"}"; do
    [ -f "$jar" ] || die "missing jar: $jar (--jars) is no file"
    cp "$jar" "$(apps_dir)/$opt_name-lib-$(basename "$jar")"
    extra_jars+="${extra_jars:+,}/opt/sparkplug/apps/$opt_name-lib-$(basename "$jar")"
  done
  local port_key=SERVICE_PORT
  [ "$opt_mode" = driver ] || port_key=EXECUTOR_PORTS
  {
    echo "APP_NAME=$opt_name"
    echo "APP_JAR=/opt/sparkplug/apps/$opt_name.jar"
    echo "APP_CLASS=$opt_class"
    echo "MODE=$opt_mode"
    echo "TRIGGER=$opt_trigger"
    echo "EXTRA_JARS=$extra_jars"
    [ -z "$opt_port" ] || echo "$port_key=$opt_port"
    [ ${#ARGS[@]} -le 1 ] || echo "APP_ARGS=${ARGS[*]:1}"
  } > "$(submitted_env).next"
  mv "$(submitted_env).next" "$(submitted_env)"
  local started=$SECONDS
  compose up -d --no-deps --force-recreate driver haproxy
  local url
  url="http://127.0.0.1:$(setting LB_PORT)"
  if ! wait_for "$opt_timeout" "'$opt_name' serving through HAProxy ($url/-/health)" http_ok "$url/-/health"; then
    compose logs --tail 60 driver >&2 || true
    die "'$opt_name' does not serve; see: sparkplug logs driver"
  fi
  log "'$opt_name' serving in $((SECONDS - started)) s at $url (HAProxy)"
  [ "$opt_mode" = executor ] || log "and directly at http://127.0.0.1:$(setting SERVICE_PORT)"
}

compose_status() {
  [ "${1:-}" != --brief ] || shift
  if wants_help "$@"; then
    cat << 'EOF'
Usage: sparkplug status

The containers (Compose ps), the Spark Master (Workers alive, cores), the servers of the
serving application (the driver's GET /-/servers on CONTROL_PORT) and the service URLs.
EOF
    return
  fi
  [ $# -eq 0 ] || die "status takes no arguments"
  use_base
  COMMAND_NAME=status require_engine
  compose ps
  local ui json directory
  ui="http://127.0.0.1:$(setting MASTER_UI_PORT)"
  if json=$(curl -fsS --max-time 3 "$ui/json/" 2> /dev/null); then
    json=$(printf '%s' "$json" | tr -d '\n' | top_level)
    echo "master     status=$(printf '%s' "$json" | json_field status | head -n 1) workers alive=$(printf '%s' "$json" | json_field aliveworkers | head -n 1) cores=$(printf '%s' "$json" | json_field cores | head -n 1)  web UI $ui"
  else
    echo "master     not answering at $ui"
  fi
  echo "application $(setting APP_NAME) ($(setting MODE) mode, $(setting APP_CLASS))"
  if directory=$(curl -fsS --max-time 3 "http://127.0.0.1:$(setting CONTROL_PORT)/-/servers" 2> /dev/null); then
    print_servers "$(printf '%s' "$directory" | tr -d '\n')"
  else
    echo "    no directory at http://127.0.0.1:$(setting CONTROL_PORT)/-/servers yet"
  fi
  echo "service    http://127.0.0.1:$(setting LB_PORT) (HAProxy, statistics http://127.0.0.1:$(setting LB_STATS_PORT)/stats)"
  [ "$(setting MODE)" = executor ] || echo "           http://127.0.0.1:$(setting SERVICE_PORT) (the driver)"
}

compose_logs() {
  if wants_help "$@"; then
    cat << 'EOF'
Usage: sparkplug logs [SERVICE] [--lines 100] [--follow]

Compose logs of the stack or of one service: namenode, datanode, spark-master,
spark-worker, driver, haproxy. Executor output is in the spark-worker containers' work
directories (/opt/sparkplug/work).
EOF
    return
  fi
  local opt_lines=100 opt_follow=false
  parse_options "lines follow!" "$@"
  require_number --lines "$opt_lines"
  use_base
  COMMAND_NAME=logs require_engine
  local args=(logs --tail "$opt_lines")
  [ "$opt_follow" = false ] || args+=(--follow)
  compose "${args[@]}" "${ARGS[@]+"${ARGS[@]}"}"
}

compose_down() {
  if wants_help "$@"; then
    cat << 'EOF'
Usage: sparkplug down [--volumes]

Compose down: stops and removes the stack's containers and network. HDFS data stays in the
named volumes hdfs-name and hdfs-data unless --volumes removes them too. With podman, also stops
the API service that this tool started.
EOF
    return
  fi
  local opt_volumes=false
  parse_options "volumes!" "$@"
  [ ${#ARGS[@]} -eq 0 ] || die "down takes no arguments"
  use_base
  COMMAND_NAME=down require_engine
  local args=(down --remove-orphans)
  [ "$opt_volumes" = false ] || args+=(--volumes)
  compose "${args[@]}"
  [ "$ENGINE" != podman ] || stop_podman_service
}
