# Sourced by glance-reference.sh and glance-images-capture.sh: the one way both run Debian 12's glance-api 25.1 on
# loopback. Identity comes from glance's own ContextMiddleware without keystonemiddleware (paste flavor `headers`,
# pipeline `healthcheck http_proxy_to_wsgi versionnegotiation context rootapp`: X-Identity-Status: Confirmed,
# X-Project-Id, X-User-Id, X-Roles); cors and osprofiler, in the stock pipeline, do nothing for these requests.
# `[oslo_policy] policy_dirs` and `policy_file` name paths that do not exist, so the in-code defaults apply (an
# empty value would load every file next to the config as policy). One worker process; sqlite; the file store,
# staging dir and [task] work_dir under the state dir; web-download may only reach 127.0.0.1:SOURCE_PORT.

# glance_write_setup STATE PORT SOURCE_PORT RBAC(true|false) CONF: the paste ini (once per STATE) and CONF
glance_write_setup() {
    local state="$1" port="$2" source_port="$3" rbac="$4" conf="$5"
    mkdir -p "$state/images" "$state/work" "$state/staging"
    cat >"$state/glance-api-paste.ini" <<EOF
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
disable_by_file_path = $state/healthcheck_disable

[filter:versionnegotiation]
paste.filter_factory = glance.api.middleware.version_negotiation:VersionNegotiationFilter.factory

[filter:context]
paste.filter_factory = glance.api.middleware.context:ContextMiddleware.factory

[filter:http_proxy_to_wsgi]
paste.filter_factory = oslo_middleware:HTTPProxyToWSGI.factory
EOF
    cat >"$conf" <<EOF
[DEFAULT]
bind_host = 127.0.0.1
bind_port = $port
workers = 1
log_file = $state/glance-api.log
use_stderr = false
enabled_import_methods = [glance-direct, web-download]
node_staging_uri = file://$state/staging
enforce_secure_rbac = $rbac

[database]
connection = sqlite:///$state/glance.sqlite

[paste_deploy]
flavor = headers
config_file = $state/glance-api-paste.ini

[oslo_policy]
policy_dirs = $state/no-such-policy-dir
policy_file = $state/no-such-policy.yaml
enforce_new_defaults = $rbac

[glance_store]
stores = file,http
default_store = file
filesystem_store_datadir = $state/images

[os_glance_staging_store]
filesystem_store_datadir = $state/staging

[task]
work_dir = $state/work

[import_filtering_opts]
allowed_hosts = [127.0.0.1]
allowed_ports = [$source_port]
EOF
}

# glance_db_sync CONF STATE: creates the sqlite schema; says where the log is when it fails
glance_db_sync() {
    glance-manage --config-file "$1" db_sync >"$2/db_sync.log" 2>&1 \
        || { tail -20 "$2/db_sync.log" >&2; echo "glance-manage db_sync failed; log in $2/db_sync.log" >&2; return 1; }
}
