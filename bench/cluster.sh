#!/usr/bin/env bash
# A Loupe cluster on one PostgreSQL: claim throughput and pickup across nodes (see bench/cluster.py).
#   bench/cluster.sh [--tasks 2000] [--warmup 40000] [--pickups 500] [--skip throughput,pickup,fallback]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
loupe_copy
export LOUPE_DIST="$(dirname "$LOUPE_JAR")" LOUPE_JAVA="$JAVA"
python3 "$BENCH_DIR/cluster.py" "$@"
