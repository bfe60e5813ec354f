# Shared by the bench/*.sh scripts (sourced, not run).
#
# The benchmarks never run target/loupe.jar in place: other builds may rewrite target/ under a running benchmark.
# loupe_copy builds the jar when it is missing or older than the sources, then copies loupe.jar and lib/ into a
# temp folder and runs that copy. Set LOUPE_DIST=DIR (a folder holding loupe.jar and lib/) to use a copy of your own.

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$BENCH_DIR")"
IDENTITY=(-H 'X-Identity-Status: Confirmed' -H 'X-Project-Id: p' -H 'X-User-Id: bench' -H 'X-Roles: admin')

die() { echo "$(basename "$0"): $*" >&2; exit 1; }
note() { echo "# $*" >&2; }

java_major() {
    local version
    version="$("$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p')"
    case "$version" in 1.*) echo "${version#1.}" ;; "") echo 0 ;; *) echo "${version%%.*}" ;; esac
}

find_java() {
    # Same search as ./loupe: $JAVA_HOME, java on the PATH, /usr/lib/jvm and friends; the first that is >= 21.
    local candidates=() dir candidate
    [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME/bin/java")
    command -v java >/dev/null 2>&1 && candidates+=("$(command -v java)")
    for dir in /usr/lib/jvm/* /usr/java/* /opt/java/* /opt/jdk* "$HOME"/.sdkman/candidates/java/*; do
        [ -x "$dir/bin/java" ] && candidates+=("$dir/bin/java")
    done
    for candidate in "${candidates[@]}"; do
        if [ -x "$candidate" ] && [ "$(java_major "$candidate")" -ge 21 ]; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

need_tool() {
    # need_tool COMMAND DEBIAN_PACKAGE: installs the package with apt-get when running as root, else explains.
    command -v "$1" >/dev/null 2>&1 && return 0
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        note "installing $2 (for $1)"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$2" >/dev/null 2>&1 \
            || { apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$2" >/dev/null 2>&1; } \
            || die "could not install $2 with apt-get; install it yourself ($1 is needed)"
    fi
    command -v "$1" >/dev/null 2>&1 || die "$1 is needed: install it, e.g. 'apt-get install $2'"
}

loupe_copy() {
    # Sets JAVA and LOUPE_JAR (a private copy of the build). Call once per script.
    JAVA="$(find_java)" || die "no Java 21 or newer found (looked at \$JAVA_HOME, the PATH and /usr/lib/jvm)"
    # The JVM options ./loupe runs Loupe with (heap bound, collector), so figures are the deployed server's;
    # BENCH_JVM=bare runs without them (the JVM's own defaults), to compare. Exported for the Python drivers.
    JVM_OPTS=()
    if [ "${BENCH_JVM:-}" != bare ]; then
        mapfile -t JVM_OPTS < <(JAVA_HOME="$(dirname "$(dirname "$(readlink -f "$JAVA")")")" "$ROOT/loupe" --jvm-options)
    fi
    export BENCH_JVM_OPTS="${JVM_OPTS[*]}"
    if [ -n "${LOUPE_DIST:-}" ]; then
        [ -f "$LOUPE_DIST/loupe.jar" ] || die "LOUPE_DIST=$LOUPE_DIST has no loupe.jar"
        LOUPE_JAR="$LOUPE_DIST/loupe.jar"
        return 0
    fi
    local jar="$ROOT/target/loupe.jar"
    if [ ! -f "$jar" ] || [ -n "$(find "$ROOT/src/main" "$ROOT/pom.xml" -newer "$jar" -print -quit)" ]; then
        command -v mvn >/dev/null 2>&1 || die "target/loupe.jar must be built and mvn is not installed"
        note "building target/loupe.jar ..."
        (cd "$ROOT" && mvn -B -q -DskipTests package >&2) || die "the build failed"
    fi
    LOUPE_DIST="$(mktemp -d /tmp/loupe-dist.XXXXXX)"
    cp "$jar" "$LOUPE_DIST/" && cp -r "$ROOT/target/lib" "$LOUPE_DIST/" || die "could not copy the build"
    LOUPE_JAR="$LOUPE_DIST/loupe.jar"
    export LOUPE_DIST
    CLEANUP+=("$LOUPE_DIST")
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

LOUPE_PID=""
start_loupe() {
    # start_loupe DATA_DIR PORT [extra serve arguments...]: returns once Loupe prints "serving on".
    local data_dir="$1" port="$2" log
    shift 2
    log="$data_dir.log"
    "$JAVA" ${JVM_OPTS[@]+"${JVM_OPTS[@]}"} -jar "$LOUPE_JAR" serve --data-dir "$data_dir" --set "DEFAULT.bind_port=$port" "$@" >"$log" 2>&1 &
    LOUPE_PID=$!
    LOUPE_PIDS+=("$LOUPE_PID")
    local i
    for i in $(seq 1 600); do
        grep -q "serving on" "$log" 2>/dev/null && return 0
        kill -0 "$LOUPE_PID" 2>/dev/null || { cat "$log" >&2; die "Loupe exited before serving"; }
        sleep 0.1
    done
    cat "$log" >&2
    die "Loupe did not start within 60 s"
}

peak_rss_mib() {
    # peak_rss_mib [PID]: a running Loupe's peak resident memory so far (VmHWM), in MiB; the last one started by default
    awk '/^VmHWM:/ {printf "%.0f", $2 / 1024}' "/proc/${1:-$LOUPE_PID}/status"
}

# Every Loupe start_loupe started and not yet stopped: a script that runs several at once stops each by its PID, and
# cleanup stops whatever is left, also when a script dies half-way.
LOUPE_PIDS=()

stop_loupe() {
    # stop_loupe [PID]: the last one started by default
    local pid="${1:-$LOUPE_PID}" p kept=()
    [ -n "$pid" ] || return 0
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    for p in ${LOUPE_PIDS[@]+"${LOUPE_PIDS[@]}"}; do [ "$p" = "$pid" ] || kept+=("$p"); done
    LOUPE_PIDS=(${kept[@]+"${kept[@]}"})
    [ "$pid" != "$LOUPE_PID" ] || LOUPE_PID=""
}

CLEANUP=()
cleanup() {
    while [ "${#LOUPE_PIDS[@]}" -gt 0 ]; do stop_loupe "${LOUPE_PIDS[0]}"; done
    local d
    for d in "${CLEANUP[@]}"; do rm -rf "$d"; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

median() {
    # median of the numbers given as arguments
    printf '%s\n' "$@" | sort -g | awk '{a[NR] = $1} END {if (NR == 0) print "nan"; else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2}'
}

machine() {
    echo "$(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), load average $(cut -d' ' -f1-3 /proc/loadavg)"
}
