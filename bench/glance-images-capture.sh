#!/usr/bin/env bash
# Captures real Glance 25.1 answers for the Images API write side and interoperable import (issue 15) into
# docs/upstream/glance-25.1-images-write.md (everything after the "generated below" marker is rewritten).
#
#   bench/glance-images-capture.sh [OUTPUT.md]
#
# Needs Debian 12's glance-api (2:25.1.0): `apt-get install glance-api` with service autostart blocked (a
# /usr/sbin/policy-rc.d that exits 101). Setup, as in the Tasks API transcripts (../shared/spec): a temp dir
# ($STATE_DIR, or GLANCE_CAPTURE_STATE) holds glance-api.conf, a paste ini with the header-identity pipeline
#   healthcheck http_proxy_to_wsgi versionnegotiation context rootapp
# (glance's own ContextMiddleware without keystonemiddleware: X-Identity-Status: Confirmed, X-Project-Id,
# X-User-Id, X-Roles), a sqlite database (glance-manage db_sync), the file store, the staging dir
# (node_staging_uri) and [task] work_dir. Glance listens on 127.0.0.1:$GLANCE_PORT (default 19292); the image
# sources are served by the driver itself (python's http.server, plus a slow path) on 127.0.0.1:$SOURCE_PORT
# (default 19393), the only host:port web-download may use ([import_filtering_opts]). Glance is stopped on exit.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT="${1:-$(cd "$HERE/.." && pwd)/docs/upstream/glance-25.1-images-write.md}"
GLANCE_PORT="${GLANCE_PORT:-19292}"
SOURCE_PORT="${SOURCE_PORT:-19393}"
PY=/usr/bin/python3 # glance's own interpreter (not a pyenv shim)

command -v glance-api >/dev/null && command -v glance-manage >/dev/null \
    || { echo "glance-api is not installed: apt-get install glance-api (Debian 12), services blocked" >&2; exit 1; }

STATE="${GLANCE_CAPTURE_STATE:-$(mktemp -d -t glance-images-capture.XXXXXX)}"
mkdir -p "$STATE/images" "$STATE/work" "$STATE/staging" "$STATE/src"
GLANCE_PID=""
cleanup() {
    if [ -n "$GLANCE_PID" ]; then
        kill -TERM -- "-$GLANCE_PID" 2>/dev/null || true
        for _ in $(seq 1 50); do kill -0 "$GLANCE_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL -- "-$GLANCE_PID" 2>/dev/null || true
    fi
}
trap cleanup EXIT

cat >"$STATE/glance-api-paste.ini" <<EOF
[pipeline:glance-api-headers]
pipeline = healthcheck http_proxy_to_wsgi versionnegotiation context rootapp

[composite:rootapp]
paste.composite_factory = glance.api:root_app_factory
/: apiversions
/v2: apiv2app

[app:apiversions]
paste.app_factory = glance.api.versions:create_resource

[app:apiv2app]
paste.app_factory = glance.api.v2.router:API.factory

[filter:healthcheck]
paste.filter_factory = oslo_middleware:Healthcheck.factory
backends = disable_by_file
disable_by_file_path = $STATE/healthcheck_disable

[filter:versionnegotiation]
paste.filter_factory = glance.api.middleware.version_negotiation:VersionNegotiationFilter.factory

[filter:context]
paste.filter_factory = glance.api.middleware.context:ContextMiddleware.factory

[filter:http_proxy_to_wsgi]
paste.filter_factory = oslo_middleware:HTTPProxyToWSGI.factory
EOF

write_conf() { # write_conf FILE RBAC(true|false)
    cat >"$1" <<EOF
[DEFAULT]
bind_host = 127.0.0.1
bind_port = $GLANCE_PORT
workers = 1
log_file = $STATE/glance-api.log
use_stderr = false
enabled_import_methods = [glance-direct, web-download]
node_staging_uri = file://$STATE/staging
enforce_secure_rbac = $2

[database]
connection = sqlite:///$STATE/glance.sqlite

[paste_deploy]
flavor = headers
config_file = $STATE/glance-api-paste.ini

[oslo_policy]
policy_dirs = $STATE/no-such-policy-dir
policy_file = $STATE/no-such-policy.yaml
enforce_new_defaults = $2

[glance_store]
stores = file,http
default_store = file
filesystem_store_datadir = $STATE/images

[os_glance_staging_store]
filesystem_store_datadir = $STATE/staging

[task]
work_dir = $STATE/work

[import_filtering_opts]
allowed_hosts = [127.0.0.1]
allowed_ports = [$SOURCE_PORT]
EOF
}
write_conf "$STATE/glance-api.conf" false
write_conf "$STATE/glance-api-rbac.conf" true

glance-manage --config-file "$STATE/glance-api.conf" db_sync >"$STATE/db_sync.log" 2>&1 \
    || { tail -20 "$STATE/db_sync.log" >&2; exit 1; }
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
