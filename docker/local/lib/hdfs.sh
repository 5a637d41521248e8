# shellcheck shell=bash
# A one-node HDFS: a NameNode and a DataNode as separate JVMs on 127.0.0.1, replication 1.
# Their jars come from the Hadoop home and never mix with Spark's.

# Java 17 closes internals that Hadoop's server code still reaches into; harmless where unused.
HADOOP_JVM_FLAGS=(
  -XX:+IgnoreUnrecognizedVMOptions
  --add-opens=java.base/java.lang=ALL-UNNAMED
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED
  --add-opens=java.base/java.io=ALL-UNNAMED
  --add-opens=java.base/java.net=ALL-UNNAMED
  --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/java.util=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
  --add-opens=java.base/sun.security.action=ALL-UNNAMED
)

hdfs_dir() { echo "$SPARKPLUG_STATE/hdfs"; }

xml_property() { printf '  <property><name>%s</name><value>%s</value></property>\n' "$1" "$2"; }

write_hdfs_conf() {
  local port=$1 http_port=$2 dir conf
  dir=$(hdfs_dir)
  conf="$dir/conf"
  mkdir -p "$conf"
  {
    echo '<?xml version="1.0"?>'
    echo '<configuration>'
    xml_property fs.defaultFS "hdfs://127.0.0.1:$port"
    xml_property hadoop.tmp.dir "$dir/tmp"
    echo '</configuration>'
  } > "$conf/core-site.xml"
  {
    echo '<?xml version="1.0"?>'
    echo '<configuration>'
    xml_property dfs.replication 1
    xml_property dfs.namenode.name.dir "file://$dir/name"
    xml_property dfs.datanode.data.dir "file://$dir/data"
    xml_property dfs.namenode.rpc-address "127.0.0.1:$port"
    xml_property dfs.namenode.http-address "127.0.0.1:$http_port"
    xml_property dfs.namenode.secondary.http-address 127.0.0.1:0
    # Port 0: the DataNode reports the ports it got to the NameNode, and nobody else needs them.
    xml_property dfs.datanode.address 127.0.0.1:0
    xml_property dfs.datanode.http.address 127.0.0.1:0
    xml_property dfs.datanode.ipc.address 127.0.0.1:0
    xml_property dfs.datanode.hostname 127.0.0.1
    # A test cluster: no permission checks, no 30 s safe-mode extension, fast heartbeats.
    xml_property dfs.permissions.enabled false
    xml_property dfs.namenode.safemode.extension 0
    xml_property dfs.heartbeat.interval 1
    echo '</configuration>'
  } > "$conf/hdfs-site.xml"
  cat > "$conf/log4j.properties" << 'EOF'
log4j.rootLogger=INFO,console
log4j.appender.console=org.apache.log4j.ConsoleAppender
log4j.appender.console.target=System.err
log4j.appender.console.layout=org.apache.log4j.PatternLayout
log4j.appender.console.layout.ConversionPattern=%d{ISO8601} %-5p %c{1}: %m%n
# A new DataNode volume logs a line for each of its thousand block directories.
log4j.logger.org.apache.hadoop.hdfs.server.datanode.fsdataset.impl.FsDatasetImpl=WARN
EOF
}

# hadoop_java MAIN ARGS...: the java command of a Hadoop main class.
hadoop_java() {
  local home
  home=$(require_hadoop_home)
  HADOOP_CMD=("$JAVA" -Xmx512m "${HADOOP_JVM_FLAGS[@]}" -Dhadoop.home.dir="$home"
    -Dhadoop.log.dir="$SPARKPLUG_STATE/logs" -cp "$(hdfs_dir)/conf:$home/jars/*" "$@")
}

# Condition for wait_for: both daemons alive (else 2), one live DataNode, safe mode over.
hdfs_ready() {
  live_pid namenode > /dev/null || return 2
  live_pid datanode > /dev/null || return 2
  local state
  state=$(curl -fsS --max-time 2 \
    "$1/jmx?qry=Hadoop:service=NameNode,name=FSNamesystemState" 2> /dev/null | tr -d ' \n\t') ||
    return 1
  [[ $state == *'"NumLiveDataNodes":1'* && $state == *'"FSState":"Operational"'* ]]
}

cmd_hdfs() {
  local action=${1:-}
  [ $# -eq 0 ] || shift
  case "$action" in
    start) hdfs_start "$@" ;;
    stop)
      stop_component datanode
      stop_component namenode
      ;;
    *) die "usage: hdfs start|stop [options]" ;;
  esac
}

hdfs_start() {
  local opt_port=9000 opt_http_port=9870 opt_timeout=120
  parse_options "port http-port timeout" "$@"
  local dir pid http
  dir=$(hdfs_dir)
  ensure_state_dirs
  if pid=$(live_pid namenode); then
    log "namenode already running (pid $pid)"
    http=$(read_env namenode http)
  else
    write_hdfs_conf "$opt_port" "$opt_http_port"
    http="http://127.0.0.1:$opt_http_port"
    if [ ! -f "$dir/name/current/VERSION" ]; then
      # A new namespace gets a new cluster id, which old DataNode storage would refuse.
      rm -rf "$dir/data"
      log "formatting the NameNode in $dir/name"
      hadoop_java org.apache.hadoop.hdfs.server.namenode.NameNode -format -force -nonInteractive
      timeout 120 "${HADOOP_CMD[@]}" < /dev/null > "$(log_file namenode-format)" 2>&1 ||
        {
          show_log_tail namenode-format
          die "formatting the NameNode failed"
        }
    fi
    hadoop_java org.apache.hadoop.hdfs.server.namenode.NameNode
    pid=$(start_daemon namenode "${HADOOP_CMD[@]}")
    write_env namenode "uri=hdfs://127.0.0.1:$opt_port" "http=$http" "log=$(log_file namenode)"
    log "namenode starting (pid $pid), hdfs://127.0.0.1:$opt_port"
  fi
  if pid=$(live_pid datanode); then
    log "datanode already running (pid $pid)"
  else
    hadoop_java org.apache.hadoop.hdfs.server.datanode.DataNode
    pid=$(start_daemon datanode "${HADOOP_CMD[@]}")
    write_env datanode "log=$(log_file datanode)"
    log "datanode starting (pid $pid)"
  fi
  if ! wait_for "$opt_timeout" "HDFS (NameNode JMX at $http)" hdfs_ready "$http"; then
    show_log_tail namenode
    show_log_tail datanode
    exit 1
  fi
  echo "namenode_pid=$(live_pid namenode)"
  echo "datanode_pid=$(live_pid datanode)"
  cat "$(run_dir)/namenode.env"
}
