#!/usr/bin/env bash
# The local Spark base's entry point: runs its arguments. (The official image's entrypoint also
# plays Kubernetes driver and executor roles; the SparkPlug HTTP image replaces it anyway.)
set -e
[ $# -gt 0 ] || set -- bash
exec "$@"
