#!/usr/bin/env bash
# API throughput with wrk on loopback: GET /v2/tasks/{id}, GET /v2/tasks?limit=20 and POST /v2/tasks,
# 2 threads, 4 and 64 connections, against 10^3 and 10^6 tasks in the embedded SQLite database; GET /versions
# interleaved with them (show and list as a share of it), Loupe's CPU time per request (user + system from
# /proc/PID/stat across each run, divided by the requests wrk made: steadier than req/s on a shared machine) and its
# peak RSS. Loupe runs with the launcher's JVM options (./loupe --jvm-options); BENCH_JVM=bare runs it with the JVM's
# defaults instead.
#
#   bench/api.sh [--quick] [--runs N] [--sizes "1000 1000000"]
#   bench/api.sh --against URL [--against-tasks 1000] [--quick] [--runs N]
#
# Plain mode: for each size, loads the tasks straight into DIR/loupe.db (bench/load_tasks.py, before Loupe first
# starts) and starts `serve --role api` (no worker) on it; the GETs run against every size in turn, run by run, so
# that the sizes compare side by side (the change at each size against the first: req/s and CPU per request). Then,
# one size at a time, the POSTs run against role all (workers claim and fail the created tasks: their source is
# http://127.0.0.1:9, where nothing listens).
# --against URL: runs the same GET runs against another server (Glance: bench/glance-reference.sh) and against
# Loupe with 10^3 tasks, interleaved run by run, and prints the ratio Loupe/other side by side. The other server
# must hold the tasks 00000000-0000-4000-8000-<n as 12 hex digits>, n = 1..--against-tasks, and accept the
# identity headers (X-Identity-Status: Confirmed, X-Project-Id: p, X-Roles: admin).
#
# Each figure is the median over --runs runs (default 3; --quick: 1 run of 3 s instead of 10 s, sizes 10^3 and
# 10^5). Every server start gets a short discarded warm-up first. Any non-2xx answer or socket error fails the
# script. Set BENCH_SUMMARY=FILE to have the figures appended there as TSV (bench/run-all.sh does).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

quick=0 runs="" sizes="" against="" against_tasks=1000
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) quick=1 ;;
        --runs) runs="$2"; shift ;;
        --sizes) sizes="$2"; shift ;;
        --against) against="${2%/}"; shift ;;
        --against-tasks) against_tasks="$2"; shift ;;
        -h|--help) sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown argument: $1 (see --help)" ;;
    esac
    shift
done
if [ "$quick" = 1 ]; then
    duration=3s warmup=3s
    : "${runs:=1}" "${sizes:=1000 100000}"
else
    duration=10s warmup=3s
    : "${runs:=3}" "${sizes:=1000 1000000}"
fi

need_tool wrk wrk
need_tool python3 python3
loupe_copy
work="$(mktemp -d /tmp/loupe-api.XXXXXX)"
CLEANUP+=("$work")
WRK_LUA="$BENCH_DIR/wrk"

to_ms() {
    # wrk latency (e.g. 812.00us, 3.47ms, 1.20s, 1.05m) -> milliseconds
    awk -v v="$1" 'BEGIN {
        n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
        if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000
        printf "%.2f", n }'
}

CLK_TCK="$(getconf CLK_TCK)"
# The process whose CPU time run_wrk charges to the requests (Loupe's); empty for a server of another kind.
CPU_PID=""

cpu_ticks() {
    # user + system time of process $1 so far, in clock ticks
    awk '{print $14 + $15}' "/proc/$1/stat"
}

run_wrk() {
    # run_wrk LABEL CONNS DURATION URL [LUA] -> prints "req/s p50_ms p99_ms cpu_us_per_request" (nan without
    # CPU_PID); dies on non-2xx or socket errors
    local label="$1" conns="$2" dur="$3" url="$4" lua="${5:-}" out ticks0="" ticks1
    local args=(-t2 -c"$conns" -d"$dur" --latency --timeout 10s)
    if [ -n "$lua" ]; then args+=(-s "$lua"); else args+=("${IDENTITY[@]}"); fi
    [ -n "$CPU_PID" ] && ticks0="$(cpu_ticks "$CPU_PID")"
    out="$(wrk "${args[@]}" "$url" 2>&1)" || { echo "$out" >&2; die "wrk failed ($label, $conns connections)"; }
    if grep -q "Non-2xx or 3xx responses" <<<"$out" || grep -q "Socket errors" <<<"$out"; then
        echo "$out" >&2
        die "FAILED: $label with $conns connections against $url had non-2xx answers or socket errors (above)"
    fi
    local rps p50 p99
    rps="$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")"
    p50="$(awk '$1 == "50%" {print $2}' <<<"$out")"
    p99="$(awk '$1 == "99%" {print $2}' <<<"$out")"
    [ -n "$rps" ] && [ -n "$p50" ] && [ -n "$p99" ] || { echo "$out" >&2; die "could not read wrk's output"; }
    local cpu=nan
    if [ -n "$ticks0" ]; then
        ticks1="$(cpu_ticks "$CPU_PID")"
        cpu="$(awk -v t=$((ticks1 - ticks0)) -v hz="$CLK_TCK" -v n="$(awk '/ requests in / {print $1}' <<<"$out")" \
            'BEGIN {printf "%.1f", t * 1000000 / hz / n}')"
    fi
    echo "$rps $(to_ms "$p50") $(to_ms "$p99") $cpu"
}

# measure KEY LABEL CONNS URL [LUA]: one run, appended to $work/KEY
measure() {
    local key="$1"
    shift
    run_wrk "$1" "$2" "$duration" "$3" "${4:-}" >>"$work/$key"
}

# figures KEY -> "median req/s, median p50, median p99, median CPU us per request" over the runs stored in $work/KEY
figures() {
    local f="$work/$1"
    echo "$(median $(awk '{print $1}' "$f")) $(median $(awk '{print $2}' "$f")) $(median $(awk '{print $3}' "$f"))" \
        "$(median $(awk '{print $4}' "$f"))"
}

summary() {
    [ -n "${BENCH_SUMMARY:-}" ] && printf '%s\t%s\n' "$1" "$2" >>"$BENCH_SUMMARY"
    return 0
}

prepare_data() {
    # prepare_data DIR N: migrated data dir with N tasks loaded before Loupe first starts
    "$JAVA" -jar "$LOUPE_JAR" db migrate --data-dir "$1" >/dev/null
    note "$(python3 "$BENCH_DIR/load_tasks.py" "$1" "$2")"
}

warm_up() {
    local url="$1" tasks="$2"
    BENCH_TASKS="$tasks" run_wrk warm-up 64 "$warmup" "$url" "$WRK_LUA/show.lua" >/dev/null
    run_wrk warm-up 64 "$warmup" "$url/v2/tasks?limit=20" >/dev/null
}

filter_args=(--set 'import_filtering_opts.allowed_hosts=[127.0.0.1]' --set 'import_filtering_opts.allowed_ports=[9]')

echo "api.sh: $(machine); Loupe $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?'); $duration per run, median of $runs run(s), wrk 2 threads"

if [ -n "$against" ]; then
    curl -fsS -o /dev/null "${IDENTITY[@]}" "$against/v2/tasks/00000000-0000-4000-8000-$(printf '%012x' 1)" \
        || die "$against does not answer GET /v2/tasks/{task 1} with 200: is it running with the bench tasks loaded?"
    data="$work/loupe-1000"
    prepare_data "$data" "$against_tasks"
    port="$(free_port)"
    start_loupe "$data" "$port" --role api
    loupe="http://127.0.0.1:$port"
    warm_up "$loupe" "$against_tasks"
    warm_up "$against" "$against_tasks"
    for r in $(seq 1 "$runs"); do
        for c in 4 64; do
            for side in loupe other; do
                url="$loupe"; [ "$side" = other ] && url="$against"
                CPU_PID="$LOUPE_PID"; [ "$side" = other ] && CPU_PID=""
                BENCH_TASKS="$against_tasks" measure "show-$side-$c" show "$c" "$url" "$WRK_LUA/show.lua"
                measure "list-$side-$c" list "$c" "$url/v2/tasks?limit=20"
            done
        done
    done
    stop_loupe
    echo
    echo "Loupe vs $against, $against_tasks tasks each, same machine, runs interleaved"
    printf '%-24s %5s | %10s %8s %8s | %10s %8s %8s | %7s\n' request conns "Loupe r/s" p50ms p99ms \
        "other r/s" p50ms p99ms ratio
    for ep in show list; do
        for c in 4 64; do
            read -r lr lp50 lp99 _ <<<"$(figures "$ep-loupe-$c")"
            read -r or op50 op99 _ <<<"$(figures "$ep-other-$c")"
            ratio="$(awk -v a="$lr" -v b="$or" 'BEGIN {printf "%.1fx", a / b}')"
            name="GET /v2/tasks/{id}"; [ "$ep" = list ] && name="GET /v2/tasks?limit=20"
            printf '%-24s %5s | %10.0f %8.2f %8.2f | %10.0f %8.2f %8.2f | %7s\n' "$name" "$c" "$lr" "$lp50" "$lp99" \
                "$or" "$op50" "$op99" "$ratio"
            summary "$name, $c conns: Loupe / reference" \
                "$(printf '%.0f / %.0f req/s = %s (p99 %.1f / %.1f ms)' "$lr" "$or" "$ratio" "$lp99" "$op99")"
        done
    done
    exit 0
fi

# The GETs: one `serve --role api` per size, all started first and measured in turn, run by run, so that the sizes
# are compared side by side (this machine's speed drifts by 10-20% within minutes).
declare -A pid_of url_of
for n in $sizes; do
    prepare_data "$work/data-$n" "$n"
    port="$(free_port)"
    start_loupe "$work/data-$n" "$port" --role api
    pid_of[$n]="$LOUPE_PID"
    url_of[$n]="http://127.0.0.1:$port"
    CPU_PID="$LOUPE_PID"
    warm_up "${url_of[$n]}" "$n"
done
for r in $(seq 1 "$runs"); do
    for c in 4 64; do
        for n in $sizes; do
            url="${url_of[$n]}"
            CPU_PID="${pid_of[$n]}"
            measure "versions-$n-$c" versions "$c" "$url/versions"
            BENCH_TASKS="$n" measure "show-$n-$c" show "$c" "$url" "$WRK_LUA/show.lua"
            measure "list-$n-$c" list "$c" "$url/v2/tasks?limit=20"
        done
    done
done
for n in $sizes; do
    echo "$(peak_rss_mib "${pid_of[$n]}")" >>"$work/rss-$n"
    # What the resident memory is made of after the GETs: the heap and the rest of the JVM (anonymous), and the
    # files mapped (the jars, and the database's pages read through SQLite's memory map, counted per connection).
    awk '/^Rss(Anon|File):/ {printf "%s %.0f MiB ", $1, $2 / 1024}' "/proc/${pid_of[$n]}/status" >"$work/rss-kind-$n"
    stop_loupe "${pid_of[$n]}"
done
# The POSTs one size at a time: a server's workers go on with the tasks they created after its runs.
for n in $sizes; do
    data="$work/data-$n"
    port="$(free_port)"
    url="http://127.0.0.1:$port"
    start_loupe "$data" "$port" "${filter_args[@]}"
    CPU_PID="$LOUPE_PID"
    run_wrk warm-up 4 "$warmup" "$url/v2/tasks" "$WRK_LUA/post.lua" >/dev/null
    for r in $(seq 1 "$runs"); do
        for c in 4 64; do
            measure "post-$n-$c" post "$c" "$url/v2/tasks" "$WRK_LUA/post.lua"
        done
    done
    echo "$(peak_rss_mib)" >>"$work/rss-$n"
    stop_loupe
    rm -rf "$data"
done

echo
printf '%-24s %9s %5s | %10s %9s %9s %11s\n' request tasks conns "req/s" "p50 ms" "p99 ms" "CPU us/req"
for ep in versions show list post; do
    case "$ep" in
        versions) name="GET /versions" ;;
        show) name="GET /v2/tasks/{id}" ;;
        list) name="GET /v2/tasks?limit=20" ;;
        post) name="POST /v2/tasks" ;;
    esac
    for n in $sizes; do
        for c in 4 64; do
            read -r rps p50 p99 cpu <<<"$(figures "$ep-$n-$c")"
            printf '%-24s %9s %5s | %10.0f %9.2f %9.2f %11.1f\n' "$name" "$n" "$c" "$rps" "$p50" "$p99" "$cpu"
            summary "$name, $n tasks, $c conns" \
                "$(printf '%.0f req/s, p50 %.2f ms, p99 %.2f ms, %.1f us CPU/request' "$rps" "$p50" "$p99" "$cpu")"
        done
    done
done
echo
echo "Show and list against /versions on the same server, runs interleaved (the ceiling of the HTTP stack)"
for n in $sizes; do
    for c in 4 64; do
        read -r vr _ _ vcpu <<<"$(figures "versions-$n-$c")"
        for ep in show list; do
            read -r er _ _ ecpu <<<"$(figures "$ep-$n-$c")"
            pct="$(awk -v a="$er" -v b="$vr" 'BEGIN {printf "%.0f%%", 100 * a / b}')"
            cpu="$(awk -v a="$ecpu" -v b="$vcpu" 'BEGIN {printf "%.2fx", a / b}')"
            printf '%-6s / versions %9s tasks %4s conns: %s (CPU per request: %s)\n' "$ep" "$n" "$c" "$pct" "$cpu"
            summary "$ep / versions, $n tasks, $c conns" "$pct (CPU per request $cpu)"
        done
    done
    rss="$(sort -n "$work/rss-$n" | tail -1)"
    echo "peak RSS with $n tasks (VmHWM, GETs then POSTs): $rss MiB (JVM options: ${BENCH_JVM_OPTS:-none, the JVM defaults})"
    echo "  after the GETs: $(cat "$work/rss-kind-$n")"
    summary "peak RSS, $n tasks" "$rss MiB"
done
first="${sizes%% *}"
[ "$sizes" = "$first" ] || printf '\nShow and list against %s tasks, runs interleaved (flat: the same req/s and CPU per request)\n' "$first"
for n in ${sizes#"$first"}; do
    for c in 4 64; do
        for ep in show list; do
            read -r fr _ _ fcpu <<<"$(figures "$ep-$first-$c")"
            read -r er _ _ ecpu <<<"$(figures "$ep-$n-$c")"
            change="$(awk -v a="$er" -v b="$fr" 'BEGIN {printf "%+.0f%%", 100 * (a / b - 1)}')"
            cpu="$(awk -v a="$ecpu" -v b="$fcpu" 'BEGIN {printf "%+.0f%%", 100 * (a / b - 1)}')"
            printf '%-6s %9s tasks %4s conns: req/s %s, CPU per request %s\n' "$ep" "$n" "$c" "$change" "$cpu"
            summary "$ep, $n against $first tasks, $c conns" "req/s $change, CPU per request $cpu"
        done
    done
done
echo "(all answers 2xx; no socket errors)"
