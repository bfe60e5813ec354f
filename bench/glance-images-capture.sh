#!/usr/bin/env bash
# Captures real Glance 25.1 answers for the Images API write side and interoperable import (issue 15) into
# docs/upstream/glance-25.1-images-write.md (everything after the "generated below" marker is rewritten).
#
#   bench/glance-images-capture.sh [OUTPUT.md]
#
# Needs Debian 12's glance-api (2:25.1.0): `apt-get install glance-api` with service autostart blocked (a
# /usr/sbin/policy-rc.d that exits 101). Setup (glance-setup.sh, shared with glance-reference.sh): a temp dir
# ($STATE_DIR, or GLANCE_CAPTURE_STATE) holds the config (header identity, in-code default policy, one worker,
# sqlite, file store, staging dir, [task] work_dir), once with enforce_secure_rbac off and once on. Glance listens on
# 127.0.0.1:$GLANCE_PORT (default 19292); the image sources are served by the driver itself (python's http.server,
# plus a slow path) on 127.0.0.1:$SOURCE_PORT (default 19393), the only host:port web-download may use. Glance is
# stopped on exit.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT="${1:-$(cd "$HERE/.." && pwd)/docs/upstream/glance-25.1-images-write.md}"
GLANCE_PORT="${GLANCE_PORT:-19292}"
SOURCE_PORT="${SOURCE_PORT:-19393}"
PY=/usr/bin/python3 # glance's own interpreter (not a pyenv shim)
source "$HERE/glance-setup.sh"

command -v glance-api >/dev/null && command -v glance-manage >/dev/null \
    || { echo "glance-api is not installed: apt-get install glance-api (Debian 12), services blocked" >&2; exit 1; }

STATE="${GLANCE_CAPTURE_STATE:-$(mktemp -d -t glance-images-capture.XXXXXX)}"
mkdir -p "$STATE/src"
GLANCE_PID=""
cleanup() {
    if [ -n "$GLANCE_PID" ]; then
        kill -TERM -- "-$GLANCE_PID" 2>/dev/null || true
        for _ in $(seq 1 50); do kill -0 "$GLANCE_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL -- "-$GLANCE_PID" 2>/dev/null || true
    fi
}
trap cleanup EXIT

glance_write_setup "$STATE" "$GLANCE_PORT" "$SOURCE_PORT" false "$STATE/glance-api.conf"
glance_write_setup "$STATE" "$GLANCE_PORT" "$SOURCE_PORT" true "$STATE/glance-api-rbac.conf"
glance_db_sync "$STATE/glance-api.conf" "$STATE"
start_glance() { # start_glance CONF
    setsid glance-api --config-file "$1" >>"$STATE/stdout.log" 2>&1 </dev/null &
    GLANCE_PID=$!
    for i in $(seq 1 300); do
        curl -fsS -o /dev/null "http://127.0.0.1:$GLANCE_PORT/healthcheck" 2>/dev/null && return 0
        kill -0 "$GLANCE_PID" 2>/dev/null || { tail -20 "$STATE/glance-api.log" "$STATE/stdout.log" >&2; exit 1; }
        sleep 0.1
    done
    echo "glance-api did not answer within 30 s" >&2
    exit 1
}

start=$(date +%s)
start_glance "$STATE/glance-api.conf"
"$PY" "$HERE/glance_images_capture.py" --glance "http://127.0.0.1:$GLANCE_PORT" --source-port "$SOURCE_PORT" \
    --source-dir "$STATE/src" --out "$OUT" --part main
cleanup
GLANCE_PID=""
start_glance "$STATE/glance-api-rbac.conf"
"$PY" "$HERE/glance_images_capture.py" --glance "http://127.0.0.1:$GLANCE_PORT" --source-port "$SOURCE_PORT" \
    --source-dir "$STATE/src" --out "$OUT" --part rbac
echo "captured in $(($(date +%s) - start)) s into $OUT (glance state and log in $STATE)" >&2
