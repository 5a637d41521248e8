# shellcheck shell=bash
# The Spark, Hadoop and Kafka homes made of Maven jars, shared by every state directory.
#
#   $SPARKPLUG_HOMES/spark-<version>-scala-<binary>/jars    spark-core, spark-sql, spark-mllib
#   $SPARKPLUG_HOMES/hadoop-<version>/jars                  HDFS daemons, never on Spark's classpath
#   $SPARKPLUG_HOMES/kafka-<version>/jars                   a Kafka broker, never on Spark's classpath
#
# SPARKPLUG_SPARK_HOME / SPARKPLUG_HADOOP_HOME / SPARKPLUG_KAFKA_HOME point at existing
# installations instead (a Kafka installation's libs/ folder is read as its jars).

# The Spark line of this repository's build, unless SPARKPLUG_SPARK_VERSION says otherwise.
spark_version() {
  if [ -n "${SPARKPLUG_SPARK_VERSION:-}" ]; then
    echo "$SPARKPLUG_SPARK_VERSION"
    return
  fi
  local pom="$SPARKPLUG_LOCAL_DIR/../../pom.xml" version=""
  [ ! -f "$pom" ] || version=$(sed -n 's:.*<spark.version>\(.*\)</spark.version>.*:\1:p;T;q' "$pom")
  [ -n "$version" ] || die "no Spark version: set SPARKPLUG_SPARK_VERSION"
  echo "$version"
}

scala_binary_version() { echo "${SPARKPLUG_SCALA_VERSION:-2.13}"; }

spark_home_dir() {
  echo "${SPARKPLUG_SPARK_HOME:-$SPARKPLUG_HOMES/spark-$(spark_version)-scala-$(scala_binary_version)}"
}

# Spark's Hadoop client version, read off the jar in the Spark home: HDFS daemons of that version
# speak the protocol Spark's client expects.
hadoop_version() {
  if [ -n "${SPARKPLUG_HADOOP_VERSION:-}" ]; then
    echo "$SPARKPLUG_HADOOP_VERSION"
    return
  fi
  local jar
  jar=$(compgen -G "$(spark_home_dir)/jars/hadoop-client-api-*.jar" | head -n 1) ||
    die "no hadoop-client-api jar in $(spark_home_dir)/jars: set SPARKPLUG_HADOOP_VERSION"
  jar=${jar##*/hadoop-client-api-}
  echo "${jar%.jar}"
}

hadoop_home_dir() {
  echo "${SPARKPLUG_HADOOP_HOME:-$SPARKPLUG_HOMES/hadoop-$(hadoop_version)}"
}

# The Kafka release Spark 4.1 and 4.2 build their Kafka connector with.
kafka_version() { echo "${SPARKPLUG_KAFKA_VERSION:-3.9.2}"; }

kafka_home_dir() {
  echo "${SPARKPLUG_KAFKA_HOME:-$SPARKPLUG_HOMES/kafka-$(kafka_version)}"
}

require_spark_home() {
  local home
  home=$(spark_home_dir)
  [ -d "$home/jars" ] || die "no Spark home at $home; run: sparkplug-local homes"
  echo "$home"
}

require_hadoop_home() {
  local home
  home=$(hadoop_home_dir)
  [ -d "$home/jars" ] || die "no Hadoop home at $home; run: sparkplug-local homes"
  echo "$home"
}

# The jars folder of the Kafka home: ours (jars/) or an installation's (libs/).
require_kafka_jars() {
  local home
  home=$(kafka_home_dir)
  [ ! -d "$home/libs" ] || {
    echo "$home/libs"
    return
  }
  [ -d "$home/jars" ] || die "no Kafka home at $home; run: sparkplug-local homes"
  echo "$home/jars"
}

# build_home POM DIR MAVEN_ARGS...: copies POM's runtime dependencies into DIR/jars, once per
# version of POM and arguments (DIR/.complete holds their digest, so a changed POM rebuilds the
# home). The copy goes to a scratch directory renamed into place, so an interrupted build leaves
# no half home.
build_home() {
  local pom=$1 dir=$2 scratch stamp
  shift 2
  stamp=$({
    cat "$pom"
    echo "$@"
  } | sha256sum | cut -d' ' -f1)
  if [ -f "$dir/.complete" ] && [ "$(cat "$dir/.complete")" = "$stamp" ]; then
    log "$dir is ready"
    return
  fi
  scratch="$dir.partial.$$"
  rm -rf "$scratch"
  log "resolving $(basename "$pom" .pom.xml) jars into $dir"
  local mvn_args=(-B -q -Dstyle.color=never -f "$pom")
  [ "${opt_offline:-false}" != true ] || mvn_args+=(--offline)
  # shellcheck disable=SC2206
  mvn_args+=(${SPARKPLUG_MVN_ARGS:-})
  "${SPARKPLUG_MVN:-mvn}" "${mvn_args[@]}" "$@" \
    org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$scratch/jars" ||
    die "Maven could not resolve $pom (offline? run once with network, or drop --offline)"
  # Spark's launcher needs the Scala build directory when SPARK_SCALA_VERSION is unset.
  mkdir -p "$scratch/conf" "$scratch/launcher/target/scala-$(scala_binary_version)"
  echo "$stamp" > "$scratch/.complete"
  rm -rf "$dir"
  mv "$scratch" "$dir"
}

cmd_homes() {
  local opt_offline=${SPARKPLUG_MVN_OFFLINE:-false}
  parse_options "offline!" "$@"
  [ ${#ARGS[@]} -eq 0 ] || die "homes takes no arguments"
  mkdir -p "$SPARKPLUG_HOMES"
  # Two builds (say, two worktrees) may prepare the same homes at once.
  exec 9> "$SPARKPLUG_HOMES/.lock"
  flock -w 900 9 || die "another build held $SPARKPLUG_HOMES/.lock for 15 minutes"
  local poms="$SPARKPLUG_LOCAL_DIR/homes"
  if [ -z "${SPARKPLUG_SPARK_HOME:-}" ]; then
    build_home "$poms/spark-home.pom.xml" "$(spark_home_dir)" \
      -Dspark.version="$(spark_version)" -Dscala.binary.version="$(scala_binary_version)"
  fi
  if [ -z "${SPARKPLUG_HADOOP_HOME:-}" ]; then
    build_home "$poms/hadoop-home.pom.xml" "$(hadoop_home_dir)" -Dhadoop.version="$(hadoop_version)"
  fi
  if [ -z "${SPARKPLUG_KAFKA_HOME:-}" ]; then
    build_home "$poms/kafka-home.pom.xml" "$(kafka_home_dir)" -Dkafka.version="$(kafka_version)"
  fi
  exec 9>&-
  echo "SPARK_HOME=$(require_spark_home)"
  echo "HADOOP_HOME=$(require_hadoop_home)"
  echo "KAFKA_JARS=$(require_kafka_jars)"
}
