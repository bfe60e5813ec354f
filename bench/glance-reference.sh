#!/usr/bin/env bash
# The reference for the side-by-side numbers: OpenStack Glance (Debian 12's glance-api 2:25.1.0) on loopback,
# configured to trust identity headers through its own context middleware, without keystonemiddleware.
#
#   bench/glance-reference.sh start [--port P] [--tasks N]   starts it in the background, prints GLANCE_URL=...
#   bench/glance-reference.sh stop                           stops the one started by `start`
#   bench/glance-reference.sh compare [--quick] [--runs N]   start, bench/api.sh --against it, stop
#
# Install: as root it runs `apt-get install glance-api` with service autostart blocked (a policy-rc.d that exits
# 101), else it says what to install. Setup (glance-setup.sh, shared with glance-images-capture.sh): a temp dir
# holds the config, a sqlite database, the file store and [task] work_dir; identity by headers through glance's own
# context middleware; the in-code default policy; one worker. After the start, N tasks (default 1000) are written
# straight into its database with the ids bench/load_tasks.py uses, so api.sh --against can GET them.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/glance-setup.sh"
trap - EXIT   # `start` leaves Glance running; nothing to clean up on exit here

STATE="${GLANCE_BENCH_STATE:-/tmp/loupe-bench-glance}"

install_glance() {
    command -v glance-api >/dev/null 2>&1 && command -v glance-manage >/dev/null 2>&1 && return 0
    [ "$(id -u)" = 0 ] || die "glance-api is not installed and this is not root: run 'apt-get install glance-api' (Debian 12) as root, with service autostart blocked"
    command -v apt-get >/dev/null 2>&1 || die "glance-api is not installed and there is no apt-get here"
    local policy=/usr/sbin/policy-rc.d made=0
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && made=1
    elif ! grep -q 'exit 101' "$policy"; then
        die "$policy exists and does not block service starts (exit 101); not installing glance-api over it"
    fi
    note "installing glance-api (apt-get; services blocked by $policy) ..."
    local log=/tmp/loupe-bench-glance-install.log rc=0
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends glance-api >"$log" 2>&1 || rc=$?
    if [ "$rc" != 0 ]; then
        apt-get update -q >>"$log" 2>&1 || true
        rc=0
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends glance-api >>"$log" 2>&1 || rc=$?
    fi
    [ "$made" = 1 ] && rm -f "$policy"
    [ "$rc" = 0 ] || { tail -20 "$log" >&2; die "apt-get install glance-api failed (exit $rc); full log in $log"; }
    command -v glance-api >/dev/null 2>&1 || die "glance-api is still not on the PATH after installing; see $log"
}

load_tasks() {
    # load_tasks SQLITE_FILE N: finished import tasks with the bench ids, as upstream stores them (DATETIME columns)
    python3 - "$1" "$2" <<'EOF'
import sqlite3, sys, datetime
path, count = sys.argv[1], int(sys.argv[2])
db = sqlite3.connect(path)
cols = {r[1] for r in db.execute("PRAGMA table_info(tasks)")}
now = datetime.datetime.utcnow().replace(microsecond=0)
rows, infos = [], []
for n in range(1, count + 1):
    tid = f"00000000-0000-4000-8000-{n:012x}"
    created = (now - datetime.timedelta(milliseconds=count - n)).isoformat(" ")
    row = {"id": tid, "type": "import", "status": "success", "owner": "pqrs"[n % 4],
           "expires_at": (now + datetime.timedelta(days=7)).isoformat(" "), "created_at": created,
           "updated_at": created, "deleted_at": None, "deleted": 0, "image_id": None,
           "request_id": f"req-bench-{n}", "user_id": "bench"}
    rows.append({k: v for k, v in row.items() if k in cols})
    infos.append((tid, '{"import_from": "http://example.com/x", "import_from_format": "raw", "image_properties": {}}',
                  '{"image_id": "11111111-0000-4000-8000-%012x"}' % n, ""))
keys = list(rows[0])
with db:
    db.executemany(f"INSERT INTO tasks ({', '.join(keys)}) VALUES ({', '.join('?' * len(keys))})",
                   [tuple(r[k] for k in keys) for r in rows])
    db.executemany("INSERT INTO task_info (task_id, input, result, message) VALUES (?, ?, ?, ?)", infos)
print(f"loaded {count} tasks into {path}")
EOF
}

start() {
    local port="" tasks=1000
    while [ $# -gt 0 ]; do
        case "$1" in
            --port) port="$2"; shift ;;
            --tasks) tasks="$2"; shift ;;
            *) die "unknown argument to start: $1" ;;
        esac
        shift
    done
    [ -f "$STATE/pid" ] && kill -0 "$(cat "$STATE/pid")" 2>/dev/null \
        && die "a reference Glance is already running (pid $(cat "$STATE/pid")); '$0 stop' first"
    install_glance
    need_tool curl curl
    port="${port:-$(free_port)}"
    rm -rf "$STATE"
    # port 9: nothing listens there, so no import the reference might run leaves the machine
    glance_write_setup "$STATE" "$port" 9 false "$STATE/glance-api.conf"
    glance_db_sync "$STATE/glance-api.conf" "$STATE" || exit 1
    load_tasks "$STATE/glance.sqlite" "$tasks" >&2 || die "could not load tasks into $STATE/glance.sqlite"
    setsid glance-api --config-file "$STATE/glance-api.conf" >"$STATE/stdout.log" 2>&1 </dev/null &
    echo $! >"$STATE/pid"
    local url="http://127.0.0.1:$port" i
    for i in $(seq 1 300); do
        if curl -fsS -o /dev/null "$url/healthcheck" 2>/dev/null; then
            local code
            code="$(curl -sS -o "$STATE/probe" -w '%{http_code}' "${IDENTITY[@]}" \
                "$url/v2/tasks/00000000-0000-4000-8000-000000000001")"
            if [ "$code" != 200 ]; then
                stop >/dev/null 2>&1 || true
                cat "$STATE/probe" >&2
                die "Glance is up but GET /v2/tasks/{id} answered $code (see $STATE/glance-api.log)"
            fi
            echo "GLANCE_URL=$url"
            note "reference Glance running, pid $(cat "$STATE/pid"), state in $STATE; stop with '$0 stop'"
            return 0
        fi
        if ! kill -0 "$(cat "$STATE/pid")" 2>/dev/null; then
            tail -20 "$STATE/glance-api.log" "$STATE/stdout.log" >&2 2>/dev/null || true
            die "glance-api exited during start-up (logs above, in $STATE)"
        fi
        sleep 0.1
    done
    stop >/dev/null 2>&1 || true
    die "glance-api did not answer /healthcheck within 30 s (see $STATE/glance-api.log)"
}

stop() {
    [ -f "$STATE/pid" ] || { note "no reference Glance was started"; return 0; }
    local pid
    pid="$(cat "$STATE/pid")"
    # glance-api forks its worker; setsid made $pid the leader of a process group holding exactly those.
    kill -TERM -- "-$pid" 2>/dev/null || true
    local i
    for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$pid" 2>/dev/null || true
    rm -f "$STATE/pid"
    note "reference Glance stopped"
}

compare() {
    local url
    url="$(start | sed -n 's/^GLANCE_URL=//p')"
    [ -n "$url" ] || exit 1
    local rc=0
    "$BENCH_DIR/api.sh" --against "$url" "$@" || rc=$?
    stop
    return "$rc"
}

case "${1:-}" in
    start) shift; start "$@" ;;
    stop) stop ;;
    compare) shift; compare "$@" ;;
    *) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
