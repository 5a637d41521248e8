#!/usr/bin/env bash
# The local Hadoop base's entry point. Like the official apache/hadoop image, it first writes
# configuration files from environment variables named FILE_key, then runs its arguments:
#   CORE-SITE.XML_fs.defaultFS=hdfs://namenode:8020  ->  <property> fs.defaultFS in core-site.xml
# Only the .XML form is known here (the official image also writes .properties, .cfg, .env, .sh).
# The variables' names hold '-' and '.', which no shell variable can: they are read from
# /proc/self/environ, which still has them.
set -euo pipefail
conf=${HADOOP_CONF_DIR:-/opt/hadoop/etc/hadoop}
declare -A files=()
while IFS= read -r -d '' entry; do
  name=${entry%%=*}
  value=${entry#*=}
  case "$name" in
    *.XML_* | *.xml_*) ;;
    *) continue ;;
  esac
  file=$(printf '%s' "${name%%_*}" | tr '[:upper:]' '[:lower:]')
  key=${name#*_}
  # (bash 5.2 reads an unescaped & in the replacement as the matched text)
  value=${value//&/\&amp;}
  value=${value//</\&lt;}
  value=${value//>/\&gt;}
  files[$file]+="  <property><name>$key</name><value>$value</value></property>"$'\n'
done < /proc/self/environ
if [ ${#files[@]} -gt 0 ]; then
  mkdir -p "$conf"
  for file in "${!files[@]}"; do
    {
      echo '<?xml version="1.0"?>'
      echo '<configuration>'
      printf '%s' "${files[$file]}"
      echo '</configuration>'
    } > "$conf/$file"
  done
fi
[ $# -gt 0 ] || set -- bash
exec "$@"
