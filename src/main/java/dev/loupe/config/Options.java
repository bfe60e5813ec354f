package dev.loupe.config;

import java.time.Duration;
import java.util.List;
import java.util.Locale;

/** Every option Loupe reads. {@code etc/loupe.conf.sample} lists each of them with its default. */
public final class Options {

    public static final Option<String> BIND_HOST = Option.string(
            "DEFAULT",
            "bind_host",
            "127.0.0.1",
            "Address to listen on. Identity headers are trusted under auth_strategy = headers, so keep it on loopback"
                    + " unless a trusted proxy fronts Loupe.");
    public static final Option<Integer> BIND_PORT =
            Option.integer("DEFAULT", "bind_port", 9292, 0, 65535, "Port to listen on (0 picks a free port).");
    public static final Option<String> PUBLIC_ENDPOINT = Option.string(
            "DEFAULT",
            "public_endpoint",
            "",
            "Base URL advertised in the versions document; empty means the URL of the request.");
    public static final Option<String> AUTH_STRATEGY = Option.choice(
            "DEFAULT",
            "auth_strategy",
            "headers",
            List.of("headers", "keystone"),
            "How callers are identified: 'headers' trusts X-Identity-Status, X-Project-Id, X-User-Id and X-Roles"
                    + " as set by an authenticating proxy; 'keystone' validates X-Auth-Token with Keystone v3 as"
                    + " configured in [keystone_authtoken].");
    public static final Option<Integer> LIMIT_PARAM_DEFAULT = Option.integer(
            "DEFAULT",
            "limit_param_default",
            25,
            1,
            Integer.MAX_VALUE,
            "Page size of a list when the request gives no limit.");
    public static final Option<Integer> API_LIMIT_MAX = Option.integer(
            "DEFAULT",
            "api_limit_max",
            1000,
            1,
            Integer.MAX_VALUE,
            "Largest page size a list returns; larger limits are capped silently.");

    public static final Option<Long> IMAGE_SIZE_CAP = Option.bytes(
            "DEFAULT",
            "image_size_cap",
            1L << 40,
            "Largest image an import may bring in, in bytes (default 1 TiB); a larger source fails the task.");
    public static final Option<List<String>> ENABLED_IMPORT_METHODS = Option.list(
            "DEFAULT",
            "enabled_import_methods",
            "[glance-direct, web-download]",
            Options::importMethod,
            "Methods of the interoperable image import (POST /v2/images/{id}/import) this server offers:"
                    + " glance-direct and web-download; an empty list offers none.");
    public static final Option<String> HASHING_ALGORITHM = Option.choice(
            "DEFAULT",
            "hashing_algorithm",
            "sha512",
            List.of("sha1", "sha224", "sha256", "sha384", "sha512", "sha3_224", "sha3_256", "sha3_384", "sha3_512"),
            "Algorithm of the os_hash_value recorded for each image (os_hash_algo), besides the md5 checksum.");

    public static final Option<Boolean> DEBUG = Option.bool(
            "DEFAULT", "debug", false, "Log at DEBUG level instead of the default INFO (oslo.log's option).");
    public static final Option<String> LOG_FILE = Option.string(
            "DEFAULT",
            "log_file",
            "",
            "File the log goes to, appended (relative to the working directory); empty means standard error"
                    + " (oslo.log's option).");
    public static final Option<Boolean> USE_JSON = Option.bool(
            "DEFAULT",
            "use_json",
            false,
            "Write the log as JSON, one object per line, with the context of each line (task_id, project_id,"
                    + " request_id, source_host; method, path, status, bytes, duration_ms for access lines) as"
                    + " fields of its own (oslo.log's option).");

    public static final Option<Integer> MAX_REQUEST_BODY_BYTES = Option.integer(
            "api",
            "max_request_body_bytes",
            65536,
            1,
            Integer.MAX_VALUE,
            "Request bodies larger than this are refused with 413.");

    public static final Option<Boolean> ACCESS_LOG = Option.bool(
            "api",
            "access_log",
            true,
            "Log one line per request: method, path, status, bytes, duration in ms, request id and project"
                    + " (logger dev.loupe.access).");

    public static final Option<Integer> TASK_TIME_TO_LIVE = Option.integer(
            "task",
            "task_time_to_live",
            48,
            0,
            Integer.MAX_VALUE,
            "Hours a finished task is kept before it expires and is soft-deleted.");
    public static final Option<Duration> EXPIRY_INTERVAL = Option.seconds(
            "task",
            "expiry_interval",
            "60",
            "Seconds between two sweeps that soft-delete expired tasks of every project.");

    public static final Option<String> WORK_DIR = Option.string(
            "task",
            "work_dir",
            "",
            "Scratch directory for imports that are converted, and the staging area of glance-direct imports (its"
                    + " folder staging, shared by every node of a cluster); empty means 'work' in the data directory.");

    public static final Option<Integer> MAX_RUNNING_PER_PROJECT = Option.integer(
            "task",
            "max_running_per_project",
            0,
            0,
            Integer.MAX_VALUE,
            "The most tasks of one project running at once, on all nodes together; 0 for no cap. Whatever the cap,"
                    + " a free worker takes a task of the project with the fewest running first.");
    public static final Option<Integer> MAX_ATTEMPTS = Option.integer(
            "task",
            "max_attempts",
            3,
            1,
            100,
            "Attempts at a task whose worker stopped before it is failed instead of started over.");
    public static final Option<Duration> HEARTBEAT_INTERVAL = Option.seconds(
            "task", "heartbeat_interval", "5", "Seconds between two renewals of the leases of the tasks a node runs.");
    public static final Option<Duration> LEASE_DURATION = Option.seconds(
            "task", "lease_duration", "30", "Seconds a lease lasts without renewal; then any node recovers the task.");
    public static final Option<Duration> POLL_INTERVAL = Option.seconds(
            "task",
            "poll_interval",
            "1",
            "Seconds between two looks for work this node was not told about (other nodes' tasks, dead leases).");
    public static final Option<Duration> SHUTDOWN_GRACE = Option.seconds(
            "task",
            "shutdown_grace",
            "30",
            "Seconds SIGTERM waits for running tasks before releasing them for recovery.");

    public static final Option<Duration> SOURCE_READ_TIMEOUT = Option.seconds(
            "task",
            "source_read_timeout",
            "60",
            "Seconds an import waits for the next bytes from its source (a stalled download) before it fails the"
                    + " task; also the longest wait for the source's answer once connected.");
    public static final Option<String> SOURCE_CA_FILE = Option.string(
            "task",
            "source_ca_file",
            "",
            "PEM file of certificate authorities trusted for https import sources besides the JDK's own (a private"
                    + " CA for internal servers); empty for the JDK's only (Loupe's own).");
    public static final Option<Integer> SOURCE_RETRIES = Option.integer(
            "task",
            "source_retries",
            3,
            0,
            100,
            "Tries in a row at an import source whose connection broke before the import fails; a source that serves"
                    + " byte ranges is asked for the rest only (Loupe's own).");

    public static final Option<Integer> MAX_WORKERS =
            Option.integer("taskflow_executor", "max_workers", 10, 1, 1000, "Tasks one node runs at once.");

    public static final Option<String> CONVERSION_FORMAT = Option.choice(
            "taskflow_executor",
            "conversion_format",
            "",
            List.of("", "qcow2", "raw", "vmdk"),
            "Disk format imports are converted to with qemu-img before they are stored; empty means no conversion."
                    + " Conversion needs qemu-img (Debian package qemu-utils) and scratch space in [task] work_dir.");

    public static final Option<List<String>> ALLOWED_SCHEMES = Option.list(
            "import_filtering_opts",
            "allowed_schemes",
            "[http, https]",
            s -> s.toLowerCase(Locale.ROOT),
            "URI schemes an import may use; when set, disallowed_schemes is ignored.");
    public static final Option<List<String>> DISALLOWED_SCHEMES = Option.list(
            "import_filtering_opts",
            "disallowed_schemes",
            "[]",
            s -> s.toLowerCase(Locale.ROOT),
            "URI schemes an import may not use.");
    public static final Option<List<String>> ALLOWED_HOSTS = Option.list(
            "import_filtering_opts",
            "allowed_hosts",
            "[]",
            s -> s.toLowerCase(Locale.ROOT),
            "Hosts an import may use; when set, disallowed_hosts is ignored.");
    public static final Option<List<String>> DISALLOWED_HOSTS = Option.list(
            "import_filtering_opts",
            "disallowed_hosts",
            "[]",
            s -> s.toLowerCase(Locale.ROOT),
            "Hosts an import may not use.");
    public static final Option<List<Integer>> ALLOWED_PORTS = Option.list(
            "import_filtering_opts",
            "allowed_ports",
            "[80, 443]",
            Option::port,
            "Explicit ports an import URI may name; when set, disallowed_ports is ignored.");
    public static final Option<List<Integer>> DISALLOWED_PORTS = Option.list(
            "import_filtering_opts",
            "disallowed_ports",
            "[]",
            Option::port,
            "Explicit ports an import URI may not name.");

    public static final Option<String> WWW_AUTHENTICATE_URI = Option.string(
            "keystone_authtoken",
            "www_authenticate_uri",
            "",
            "Keystone URL clients are sent to in the WWW-Authenticate header of a 401;" + " empty means auth_url.");
    public static final Option<String> AUTH_URL = Option.string(
            "keystone_authtoken",
            "auth_url",
            "",
            "Keystone URL Loupe validates tokens with (http://keystone:5000 or .../v3).");
    public static final Option<String> AUTH_TYPE = Option.choice(
            "keystone_authtoken",
            "auth_type",
            "password",
            List.of("password"),
            "How Loupe's service user authenticates: with its password.");
    public static final Option<String> USERNAME =
            Option.string("keystone_authtoken", "username", "", "Loupe's service user.");
    public static final Option<String> PASSWORD =
            Option.string("keystone_authtoken", "password", "", "The service user's password.");
    public static final Option<String> PROJECT_NAME = Option.string(
            "keystone_authtoken", "project_name", "", "Project the service token is scoped to (usually 'service').");
    public static final Option<String> USER_DOMAIN_NAME =
            Option.string("keystone_authtoken", "user_domain_name", "Default", "Domain of the service user.");
    public static final Option<String> PROJECT_DOMAIN_NAME =
            Option.string("keystone_authtoken", "project_domain_name", "Default", "Domain of project_name.");
    public static final Option<Integer> TOKEN_CACHE_TIME = Option.integer(
            "keystone_authtoken",
            "token_cache_time",
            300,
            0,
            Integer.MAX_VALUE,
            "Seconds a validated token is trusted without asking Keystone again (never"
                    + " past its expiry); 0 asks every time.");
    public static final Option<Integer> TOKEN_CACHE_SIZE = Option.integer(
            "keystone_authtoken",
            "token_cache_size",
            10000,
            1,
            Integer.MAX_VALUE,
            "Tokens whose answer is kept at most (Loupe's own option); past it, the answers least used go first.");
    public static final Option<List<String>> SERVICE_TOKEN_ROLES = Option.list(
            "keystone_authtoken",
            "service_token_roles",
            "[service]",
            s -> s.toLowerCase(Locale.ROOT),
            "Roles an X-Service-Token must carry (one of them) when service_token_roles_required is true.");
    public static final Option<Boolean> SERVICE_TOKEN_ROLES_REQUIRED = Option.bool(
            "keystone_authtoken",
            "service_token_roles_required",
            false,
            "Refuse an X-Service-Token that carries none of service_token_roles.");
    public static final Option<java.time.Duration> HTTP_CONNECT_TIMEOUT = Option.seconds(
            "keystone_authtoken",
            "http_connect_timeout",
            "10",
            "Seconds to wait for a connection to Keystone (and for each answer).");

    public static final Option<String> DATABASE_CONNECTION = Option.string(
            "database",
            "connection",
            "",
            "Database URL: sqlite:///relative/path, sqlite:////absolute/path, postgresql://user:pass@host/db or a"
                    + " jdbc: URL. Empty means the SQLite file loupe.db in the data directory.");
    public static final Option<Integer> DATABASE_MAX_POOL_SIZE = Option.integer(
            "database",
            "max_pool_size",
            10,
            1,
            1000,
            "Connections one Loupe process keeps open to the database at most (besides one for wake-ups on"
                    + " PostgreSQL). Mind the server's limit: nodes x (max_pool_size + 2) connections in all.");
    public static final Option<Duration> DATABASE_POOL_TIMEOUT = Option.seconds(
            "database",
            "pool_timeout",
            "5",
            "Seconds a request waits for a database connection; when the database cannot be reached it is then"
                    + " answered 503.");
    public static final Option<Integer> DATABASE_MAX_RETRIES = Option.integer(
            "database",
            "max_retries",
            10,
            -1,
            Integer.MAX_VALUE,
            "Attempts to reach the database at start before giving up; -1 tries for ever.");
    public static final Option<Duration> DATABASE_RETRY_INTERVAL = Option.seconds(
            "database", "retry_interval", "10", "Seconds between two attempts to reach the database at start.");

    public static final Option<String> FILESYSTEM_STORE_DATADIR = Option.string(
            "glance_store",
            "filesystem_store_datadir",
            "",
            "Directory holding image data; empty means 'images' in the data directory.");

    public static final Option<String> DEFAULT_STORE = Option.choice(
            "glance_store",
            "default_store",
            "file",
            List.of("file", "s3"),
            "Store new image data goes to: 'file' (filesystem_store_datadir) or 's3' (the s3_store_* options)."
                    + " Images stored before a switch stay readable and deletable where they are.");
    public static final Option<String> S3_STORE_HOST = Option.string(
            "glance_store",
            "s3_store_host",
            "",
            "S3 endpoint: host[:port] (plain HTTP, as Glance), http://host[:port] or https://host[:port]. Required"
                    + " when default_store = s3.");
    public static final Option<String> S3_STORE_REGION_NAME = Option.string(
            "glance_store",
            "s3_store_region_name",
            "",
            "Region requests are signed for; empty means the region an AWS host names, else us-east-1.");
    public static final Option<String> S3_STORE_ACCESS_KEY = Option.string(
            "glance_store", "s3_store_access_key", "", "S3 access key. Required when default_store = s3.");
    public static final Option<String> S3_STORE_SECRET_KEY = Option.string(
            "glance_store", "s3_store_secret_key", "", "S3 secret key. Required when default_store = s3.");
    public static final Option<String> S3_STORE_BUCKET = Option.string(
            "glance_store", "s3_store_bucket", "", "Bucket image data goes to. Required when default_store = s3.");
    public static final Option<Boolean> S3_STORE_CREATE_BUCKET_ON_PUT = Option.bool(
            "glance_store",
            "s3_store_create_bucket_on_put",
            false,
            "Create the bucket when it does not exist (at start); otherwise a missing bucket stops the start.");
    public static final Option<String> S3_STORE_BUCKET_URL_FORMAT = Option.choice(
            "glance_store",
            "s3_store_bucket_url_format",
            "auto",
            List.of("auto", "path", "virtual"),
            "Addressing: 'path' (https://host/bucket/key), 'virtual' (https://bucket.host/key), or 'auto': virtual"
                    + " for AWS hosts (*.amazonaws.com), path for every other S3-compatible host.");
    public static final Option<Integer> S3_STORE_LARGE_OBJECT_SIZE = Option.integer(
            "glance_store",
            "s3_store_large_object_size",
            100,
            0,
            Integer.MAX_VALUE,
            "MiB: data smaller than this goes as one PutObject instead of a multipart upload, as long as it fits in"
                    + " one part (Loupe streams, it never holds more than a part).");
    public static final Option<Integer> S3_STORE_LARGE_OBJECT_CHUNK_SIZE = Option.integer(
            "glance_store",
            "s3_store_large_object_chunk_size",
            10,
            5,
            5120,
            "MiB: size of the parts of a multipart upload (at least 5). Parts grow for very large images so that"
                    + " [DEFAULT] image_size_cap fits in S3's 10,000 parts.");
    public static final Option<Integer> S3_STORE_THREAD_POOLS = Option.integer(
            "glance_store",
            "s3_store_thread_pools",
            10,
            1,
            1000,
            "Threads sending the parts of multipart uploads, shared by all uploads of a node. Each upload sends up to"
                    + " 32 MiB of parts at once (at least 2 parts, at most this many), plus the part being filled.");
    public static final Option<String> S3_STORE_CACERT = Option.string(
            "glance_store",
            "s3_store_cacert",
            "",
            "PEM file of the CA certificates an https S3 endpoint is checked against; empty means the JDK's.");
    public static final Option<Boolean> S3_STORE_ENABLE_DATA_INTEGRITY_PROTECTION = Option.bool(
            "glance_store",
            "s3_store_enable_data_integrity_protection",
            false,
            "Use s3_store_request_checksum_calculation and s3_store_response_checksum_validation; when false, both"
                    + " are when_required, which every S3-compatible store accepts.");
    public static final Option<String> S3_STORE_REQUEST_CHECKSUM_CALCULATION = Option.choice(
            "glance_store",
            "s3_store_request_checksum_calculation",
            "when_required",
            List.of("when_required", "when_supported"),
            "When uploads carry a checksum: only where S3 requires one, or wherever S3 supports one.");
    public static final Option<String> S3_STORE_RESPONSE_CHECKSUM_VALIDATION = Option.choice(
            "glance_store",
            "s3_store_response_checksum_validation",
            "when_required",
            List.of("when_required", "when_supported"),
            "When downloads are checked against a checksum: only where S3 requires it, or wherever S3 supports it.");

    public static final Option<String> POLICY_FILE = Option.string(
            "oslo_policy",
            "policy_file",
            "",
            "YAML or JSON policy file (oslo.policy rule language); empty means the built-in defaults"
                    + " (tasks_api_access and context_is_admin are role:admin).");

    public static final List<Option<?>> ALL = List.of(
            BIND_HOST,
            BIND_PORT,
            PUBLIC_ENDPOINT,
            AUTH_STRATEGY,
            LIMIT_PARAM_DEFAULT,
            API_LIMIT_MAX,
            IMAGE_SIZE_CAP,
            ENABLED_IMPORT_METHODS,
            HASHING_ALGORITHM,
            DEBUG,
            LOG_FILE,
            USE_JSON,
            MAX_REQUEST_BODY_BYTES,
            ACCESS_LOG,
            TASK_TIME_TO_LIVE,
            EXPIRY_INTERVAL,
            WORK_DIR,
            MAX_RUNNING_PER_PROJECT,
            MAX_ATTEMPTS,
            HEARTBEAT_INTERVAL,
            LEASE_DURATION,
            POLL_INTERVAL,
            SHUTDOWN_GRACE,
            SOURCE_READ_TIMEOUT,
            SOURCE_CA_FILE,
            SOURCE_RETRIES,
            MAX_WORKERS,
            CONVERSION_FORMAT,
            ALLOWED_SCHEMES,
            DISALLOWED_SCHEMES,
            ALLOWED_HOSTS,
            DISALLOWED_HOSTS,
            ALLOWED_PORTS,
            DISALLOWED_PORTS,
            WWW_AUTHENTICATE_URI,
            AUTH_URL,
            AUTH_TYPE,
            USERNAME,
            PASSWORD,
            PROJECT_NAME,
            USER_DOMAIN_NAME,
            PROJECT_DOMAIN_NAME,
            TOKEN_CACHE_TIME,
            TOKEN_CACHE_SIZE,
            SERVICE_TOKEN_ROLES,
            SERVICE_TOKEN_ROLES_REQUIRED,
            HTTP_CONNECT_TIMEOUT,
            DATABASE_CONNECTION,
            DATABASE_MAX_POOL_SIZE,
            DATABASE_POOL_TIMEOUT,
            DATABASE_MAX_RETRIES,
            DATABASE_RETRY_INTERVAL,
            FILESYSTEM_STORE_DATADIR,
            DEFAULT_STORE,
            S3_STORE_HOST,
            S3_STORE_REGION_NAME,
            S3_STORE_ACCESS_KEY,
            S3_STORE_SECRET_KEY,
            S3_STORE_BUCKET,
            S3_STORE_CREATE_BUCKET_ON_PUT,
            S3_STORE_BUCKET_URL_FORMAT,
            S3_STORE_LARGE_OBJECT_SIZE,
            S3_STORE_LARGE_OBJECT_CHUNK_SIZE,
            S3_STORE_THREAD_POOLS,
            S3_STORE_CACERT,
            S3_STORE_ENABLE_DATA_INTEGRITY_PROTECTION,
            S3_STORE_REQUEST_CHECKSUM_CALCULATION,
            S3_STORE_RESPONSE_CHECKSUM_VALIDATION,
            POLICY_FILE);

    private Options() {}

    /** The import methods Loupe implements; Glance's others need several stores or another Glance. */
    private static String importMethod(String name) {
        if (!name.equals("glance-direct") && !name.equals("web-download")) {
            throw new IllegalArgumentException(
                    "'" + name + "' is not an import method this server offers" + " (glance-direct, web-download)");
        }
        return name;
    }
}
