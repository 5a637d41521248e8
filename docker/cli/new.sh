# shellcheck shell=bash
# ARGS and the opt_* variables are set by parse_options (docker/local/lib/common.sh).
# shellcheck disable=SC2153
# sparkplug new: a Maven project of a serving application, from docker/cli/templates/new.

# The local Maven repository the generated project will read the connector from.
maven_repo() {
  local repo=""
  if [[ " ${SPARKPLUG_MVN_ARGS:-} " =~ \ -Dmaven\.repo\.local=([^ ]+)\  ]]; then
    repo=${BASH_REMATCH[1]}
  fi
  echo "${repo:-$HOME/.m2/repository}"
}

# The connector in the local Maven repository, installed from this checkout when missing (or,
# for a snapshot, older than the connector this checkout last built).
ensure_connector_installed() {
  local version=$1 force=$2 jar
  jar="$(maven_repo)/io/sparkplug/sparkplug-http-connector/$version/sparkplug-http-connector-$version.jar"
  # A snapshot built in this checkout after the installed one was installed is newer code: the
  # project would compile against a stale connector, so install again.
  local built="$SPARKPLUG_REPO/connector/target/sparkplug-http-connector-$version.jar"
  if [ -f "$jar" ] && [ "$force" = false ] &&
    ! { [[ $version == *-SNAPSHOT ]] && [ -f "$built" ] && [ "$built" -nt "$jar" ]; }; then
    log "connector $version found in $(maven_repo)"
    return
  fi
  command -v mvn > /dev/null || die "mvn is not on the PATH: Maven installs the connector the project needs"
  local args=(-B -q -f "$SPARKPLUG_REPO/pom.xml" install -pl connector -am -DskipTests
    -Dspotless.check.skip=true)
  [ "${SPARKPLUG_MVN_OFFLINE:-false}" != true ] || args+=(-o)
  # shellcheck disable=SC2206 # extra Maven arguments, word by word
  args+=(${SPARKPLUG_MVN_ARGS:-})
  log "installing the connector $version into $(maven_repo) (mvn ${args[*]})"
  mvn "${args[@]}" >&2 || die "mvn could not install the connector from $SPARKPLUG_REPO"
  [ -f "$jar" ] || die "the connector is still not in $(maven_repo) after mvn install"
}

# HelloWorld from hello-world.
class_name_of() {
  local part name=""
  IFS=- read -r -a parts <<< "$1"
  for part in "${parts[@]}"; do
    name+="$(tr '[:lower:]' '[:upper:]' <<< "${part:0:1}")${part:1}"
  done
  echo "$name"
}

cmd_new() {
  if wants_help "$@"; then
    cat << 'EOF'
Usage: sparkplug new NAME [--dir D] [--package P] [--group G] [--install]

Generates a Maven project for a serving application in D (default ./NAME):
  pom.xml                      Spark (provided), the sparkplug-http connector (provided), JUnit
  src/main/java/.../<Name>Service.java
                               a streaming query with format("sparkplug-http"): POST /hello
                               takes {"name":"Ada"} checked by requestSchema (400
                               problem+json otherwise), GET /hello/{name} a path template,
                               both answer {"greeting":"Hello, Ada!"}; reads port, mode,
                               controlPort, checkpoint and trigger from -D properties or
                               SPARKPLUG_* (real-time mode unless trigger=microbatch)
  src/test/java/.../<Name>ServiceTest.java
                               the query on an embedded Spark, called over HTTP: both
                               replies, the 400, the request schema in /-/openapi.json
  README.md                    how to build, test and run it (sparkplug submit)
NAME is lower case letters, digits and dashes (my-service). The package defaults to
com.example.<name without dashes>. The project depends on
io.sparkplug:sparkplug-http-connector from the local Maven repository: when it is missing there
(or older than this checkout's built snapshot, or with --install), this command first runs `mvn install -pl connector -am -DskipTests` in this
checkout (offline when SPARKPLUG_MVN_OFFLINE=true). Then `mvn verify` in D builds and tests it.
EOF
    return
  fi
  local opt_dir="" opt_package="" opt_group="" opt_install=false
  parse_options "dir package group install!" "$@"
  [ ${#ARGS[@]} -eq 1 ] || die "new needs exactly one NAME (sparkplug new --help)"
  local name=${ARGS[0]}
  [[ $name =~ ^[a-z][a-z0-9]*(-[a-z0-9]+)*$ ]] ||
    die "NAME '$name' must be lower case letters and digits, words joined by dashes (my-service)"
  local dir=${opt_dir:-$name}
  if [ -e "$dir" ] && [ -n "$(ls -A "$dir" 2> /dev/null)" ]; then
    die "$dir already exists and is not empty; pick another NAME or --dir"
  fi
  local package=${opt_package:-com.example.${name//-/}}
  [[ $package =~ ^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)*$ ]] ||
    die "--package '$package' is not a Java package name in lower case"
  local group=${opt_group:-${package%.*}}
  local class
  class="$(class_name_of "$name")Service"
  local version spark_version
  version=$(project_version)
  spark_version=$(spark_version_of_repo)
  if [ -z "$version" ] || [ -z "$spark_version" ]; then
    die "cannot read the versions from $SPARKPLUG_REPO/pom.xml"
  fi

  ensure_connector_installed "$version" "$opt_install"

  local templates="$SPARKPLUG_DOCKER_DIR/cli/templates/new" package_path=${package//.//}
  mkdir -p "$dir/src/main/java/$package_path" "$dir/src/test/java/$package_path" \
    "$dir/src/test/resources"
  render() {
    sed -e "s|@NAME@|$name|g" -e "s|@CLASS@|$class|g" -e "s|@PACKAGE@|$package|g" \
      -e "s|@PACKAGE_PATH@|$package_path|g" -e "s|@GROUP@|$group|g" \
      -e "s|@SPARK_VERSION@|$spark_version|g" -e "s|@SPARKPLUG_VERSION@|$version|g" \
      -e "s|@REPO_HINT@|$SPARKPLUG_REPO|g" "$templates/$1" > "$dir/$2"
  }
  render pom.xml pom.xml
  render README.md README.md
  render gitignore .gitignore
  render Service.java "src/main/java/$package_path/$class.java"
  render ServiceTest.java "src/test/java/$package_path/${class}Test.java"
  render log4j2-test.properties src/test/resources/log4j2-test.properties
  log "created $dir: $package.$class serving POST /hello (typed JSON) and GET /hello/{name}"
  log "next: (cd $dir && mvn verify) && $0 submit --local $dir/target/$name-0.1.0-SNAPSHOT.jar"
  echo "dir=$(cd "$dir" && pwd)"
  echo "class=$package.$class"
  echo "jar=$(cd "$dir" && pwd)/target/$name-0.1.0-SNAPSHOT.jar"
}
