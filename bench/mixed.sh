#!/usr/bin/env bash
# A mixed load on one Loupe (role all, embedded SQLite): 16 concurrent clients for 120 s, each request at random a
# create (10%), a show (60%) or a page of the list (30%: the first page or the page after a random marker), against
# 10^3 tasks loaded first; the workers claim and fail the created tasks meanwhile (their source is
# http://127.0.0.1:9, where nothing listens). Reports req/s, p50/p99 and Loupe's peak RSS (VmHWM).
#
#   bench/mixed.sh [--clients 16] [--duration 120] [--tasks 1000] [--slices 4] [--compare-bare]
#
# Loupe runs with the launcher's JVM options (./loupe --jvm-options); BENCH_JVM=bare runs it with the JVM's defaults.
# --compare-bare: two servers on two copies of the data, one with the launcher's options and one with the JVM's
# defaults, loaded in turn, --slices slices of duration/slices seconds each (so both see the same machine), then
# each one's req/s over its slices, the ratio and both peak RSS. Any non-2xx answer or connect, read or write error
# fails the script; wrk's timeouts (which it also counts when it was itself starved of CPU) are reported.
# BENCH_CREATE_PCT and BENCH_SHOW_PCT change the mix (wrk/mixed.lua). BENCH_SUMMARY=FILE appends the figures as TSV.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

clients=16 duration=120 tasks=1000 slices=4 compare=0
while [ $# -gt 0 ]; do
    case "$1" in
        --clients) clients="$2"; shift ;;
        --duration) duration="$2"; shift ;;
        --tasks) tasks="$2"; shift ;;
        --slices) slices="$2"; shift ;;
        --compare-bare) compare=1 ;;
        -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown argument: $1 (see --help)" ;;
    esac
    shift
done
[ "$compare" = 1 ] || slices=1
[ "$slices" -ge 1 ] && [ "$duration" -ge "$slices" ] || die "--duration must be at least --slices seconds"

need_tool wrk wrk
need_tool python3 python3
loupe_copy
work="$(mktemp -d /tmp/loupe-mixed.XXXXXX)"
CLEANUP+=("$work")
filter_args=(--set 'import_filtering_opts.allowed_hosts=[127.0.0.1]' --set 'import_filtering_opts.allowed_ports=[9]')

summary() {
    [ -n "${BENCH_SUMMARY:-}" ] && printf '%s\t%s\n' "$1" "$2" >>"$BENCH_SUMMARY"
    return 0
}

sides=(loupe)
[ "$compare" = 1 ] && sides=(bounded bare)
declare -A pid port opts
"$JAVA" -jar "$LOUPE_JAR" db migrate --data-dir "$work/data" >/dev/null
note "$(python3 "$BENCH_DIR/load_tasks.py" "$work/data" "$tasks")"
bounded_opts=("${JVM_OPTS[@]+"${JVM_OPTS[@]}"}")
if [ "$compare" = 1 ] && [ "${#bounded_opts[@]}" -eq 0 ]; then
    mapfile -t bounded_opts < <(JAVA_HOME="$(dirname "$(dirname "$(readlink -f "$JAVA")")")" "$ROOT/loupe" --jvm-options)
fi
for side in "${sides[@]}"; do
    cp -r "$work/data" "$work/data-$side"
    port[$side]="$(free_port)"
    JVM_OPTS=("${bounded_opts[@]+"${bounded_opts[@]}"}")
    [ "$side" = bare ] && JVM_OPTS=()
    opts[$side]="${JVM_OPTS[*]:-none, the JVM defaults}"
    start_loupe "$work/data-$side" "${port[$side]}" "${filter_args[@]}"
    pid[$side]="$LOUPE_PID"
    # A short warm-up (JIT), not counted.
    BENCH_TASKS="$tasks" wrk -t2 -c"$clients" -d5s -s "$BENCH_DIR/wrk/mixed.lua" "http://127.0.0.1:${port[$side]}" >/dev/null
done

echo "mixed.sh: $(machine); Loupe $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?'); $clients clients," \
    "$duration s per server in $slices slice(s), $tasks tasks loaded"
slice_seconds=$(( duration / slices ))
for s in $(seq 1 "$slices"); do
    for side in "${sides[@]}"; do
        out="$(BENCH_TASKS="$tasks" wrk -t2 -c"$clients" -d"${slice_seconds}s" --latency --timeout 10s \
            -s "$BENCH_DIR/wrk/mixed.lua" "http://127.0.0.1:${port[$side]}" 2>&1)" || { echo "$out" >&2; die "wrk failed"; }
        # wrk also counts a timeout when it was itself kept off the CPU for --timeout (a shared machine): those
        # are reported, not fatal; any other socket error or non-2xx answer is.
        timeouts="$(sed -n 's/.*Socket errors:.* timeout \([0-9]*\).*/\1/p' <<<"$out")"
        if grep -q "Non-2xx or 3xx responses" <<<"$out" || grep -Eq "Socket errors: connect [1-9]|read [1-9]|write [1-9]" \
                <<<"$out" || ! grep -q "non2xx 0$" <<<"$out"; then
            echo "$out" >&2
            die "FAILED: $side had non-2xx answers or socket errors (above)"
        fi
        [ -z "$timeouts" ] || note "slice $s, $side: wrk counted $timeouts timeout(s) (10 s without an answer)"
        rps="$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")"
        p50="$(awk '$1 == "50%" {print $2}' <<<"$out")"
        p99="$(awk '$1 == "99%" {print $2}' <<<"$out")"
        mix="$(sed -n 's/^mixed: //p' <<<"$out")"
        hwm="$(peak_rss_mib "${pid[$side]}")"
        echo "$side $rps $p50 $p99 $hwm $mix" >>"$work/results"
        printf '  slice %d %-8s %8.0f req/s  p50 %-9s p99 %-9s peak RSS %4s MiB  (%s)\n' "$s" "$side" "$rps" "$p50" "$p99" \
            "$hwm" "$mix"
    done
done

echo
for side in "${sides[@]}"; do
    read -r rps hwm <<<"$(awk -v s="$side" '$1 == s {n++; r += $2; if ($5 > h) h = $5} END {printf "%.0f %d", r / n, h}' \
        "$work/results")"
    echo "$side: $rps req/s (mean of $slices slice(s)), peak RSS (VmHWM) $hwm MiB; JVM options: ${opts[$side]}"
    summary "mixed load $clients clients, $side" "$rps req/s, peak RSS $hwm MiB"
    eval "rps_$side=$rps"
done
if [ "$compare" = 1 ]; then
    ratio="$(awk -v a="$rps_bounded" -v b="$rps_bare" 'BEGIN {printf "%.2f", a / b}')"
    echo "bounded / bare: ${ratio}x (slices interleaved; load average now $(cut -d' ' -f1-3 /proc/loadavg))"
    summary "mixed load, bounded / bare" "${ratio}x"
fi
echo "(all answers 2xx; no connect, read or write errors)"
