#!/usr/bin/env bash
# Every benchmark in bench/, one after another on one private copy of the build, then ONE summary table.
#
#   bench/run-all.sh [--quick]
#
# Runs pickup.py, api.sh, mixed.sh, startup.sh, import.sh and, when glance-api is installed, glance-reference.sh compare (Loupe and
# Glance side by side). It never installs Glance itself: run `bench/glance-reference.sh start` once as root (then
# `stop`) to install it. --quick (under 5 minutes on 2 cores): pickup over 300 tasks, api.sh --quick, startup with
# 3 runs and 10 s idle, mixed.sh for 20 s, imports of 256 MiB and 1 GiB (2 runs each), the Glance comparison with 3 s runs.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

quick=0
case "${1:-}" in
    --quick) quick=1 ;;
    "") ;;
    -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument: $1" ;;
esac

started=$(date +%s)
loupe_copy
export LOUPE_DIST LOUPE_JAVA="$JAVA"
BENCH_SUMMARY="$(mktemp /tmp/loupe-bench-summary.XXXXXX)"
export BENCH_SUMMARY
CLEANUP+=("$BENCH_SUMMARY")
failed=()

step() {
    local name="$1"
    shift
    echo
    echo "=== $name: $*"
    "$@" || { failed+=("$name (exit $?)"); printf '%s\tFAILED, see its output above\n' "$name" >>"$BENCH_SUMMARY"; }
}

if [ "$quick" = 1 ]; then
    step pickup python3 "$BENCH_DIR/pickup.py" --tasks 300
    step api "$BENCH_DIR/api.sh" --quick
    step mixed "$BENCH_DIR/mixed.sh" --duration 20
    step startup "$BENCH_DIR/startup.sh" --runs 3 --idle 10
    step import "$BENCH_DIR/import.sh" --sizes-mib "256 1024" --runs 2
    glance_args=(--quick)
else
    step pickup python3 "$BENCH_DIR/pickup.py" --tasks 1000
    step api "$BENCH_DIR/api.sh"
    step mixed "$BENCH_DIR/mixed.sh"
    step startup "$BENCH_DIR/startup.sh" --runs 5 --idle 10
    step import "$BENCH_DIR/import.sh" --sizes-mib "1024 4096" --runs 3
    glance_args=()
fi
if command -v glance-api >/dev/null 2>&1; then
    step glance "$BENCH_DIR/glance-reference.sh" compare "${glance_args[@]}"
else
    printf 'Loupe vs Glance\tskipped: glance-api is not installed (bench/glance-reference.sh start installs it as root)\n' \
        >>"$BENCH_SUMMARY"
fi

echo
echo "=== Summary: $(date -u +%Y-%m-%dT%H:%MZ), Loupe $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')," \
    "$(machine), $(basename "$(dirname "$(dirname "$JAVA")")"), $( [ "$quick" = 1 ] && echo quick || echo full ) run" \
    "in $(( $(date +%s) - started )) s"
awk -F'\t' '{ if (length($1) > w) w = length($1); k[NR] = $1; v[NR] = $2 }
    END { for (i = 1; i <= NR; i++) printf "%-" w "s  %s\n", k[i], v[i] }' "$BENCH_SUMMARY"
if [ ${#failed[@]} -gt 0 ]; then
    echo "FAILED: ${failed[*]}"
    exit 1
fi
