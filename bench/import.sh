#!/usr/bin/env bash
# Import throughput and memory: Loupe's import task against the machine's own download pipe.
#
#   bench/import.sh [--sizes-mib "1024 4096"] [--runs 3] [--s3] [--https]
#
# For each size, a random file is served over loopback by a small sendfile() server, and a fresh Loupe imports a
# 64 MiB warm-up file first (JIT). Throughput: wall time of the pipe `curl SRC | tee FILE >(md5sum) | sha512sum`
# (download, both digests, file written) and of a Loupe import task (POST /v2/tasks to status success, polled every
# 20 ms: download, md5 + sha512, format inspection, fsync'd store), interleaved --runs times; medians and their
# ratio (target: Loupe >= 0.8x the pipe). Memory: that Loupe's peak RSS (VmHWM) after the imports (target:
# independent of the size). Needs about 3x the largest size in free space under /tmp. Set BENCH_SUMMARY=FILE to
# append the figures as TSV.
#
# --s3: a second fresh Loupe with default_store = s3 runs beside the first, against S3Proxy (its filesystem blob
# store; the jar the build copies to target/s3proxy/), interleaved with the other two: the S3 import's throughput
# against the filesystem one's (target >= 0.8x), both peak RSS (target: S3 <= files + 64 MiB), CPU seconds per GiB of
# each Loupe and of S3Proxy, and every image's md5 and sha512 checked against the pipe's md5sum and sha512sum. Needs
# about 4x the largest size free under /tmp. BENCH_S3_SET="SECTION.OPTION=VALUE ..." adds options to the S3 Loupe,
# BENCH_S3PROXY_OPTS JVM options to S3Proxy. As root, S3Proxy's data is on an XFS file system with reflinks in a
# sparse loop file under the temp folder: S3Proxy completes a multipart upload by copy_file_range of its parts into
# one file, which XFS serves by sharing extents and ext4 by copying every byte again (on the benchmark's 2 cores,
# while Loupe waits); a real store does not copy the object either. BENCH_S3_DIR=DIR keeps S3Proxy's data in DIR.
# S3Proxy checks no signature by default (BENCH_S3PROXY_AUTH=aws-v2-or-v4 makes it check them): a real store checks
# them on its own machines, and here S3Proxy's check (about 4 CPU s per GiB) ran on the two cores Loupe measures on.
# Loupe signs every request as always; the test suites run S3Proxy with signatures checked.
#
# --https: the source serves TLS with a certificate of a throwaway authority (openssl); the pipe runs
# `curl --cacert CA`, and Loupe trusts the authority through [task] source_ca_file. The last row checks that a Loupe
# without the option refuses the source, saying why.
#
# --upload: no import task; per size, the machine's own pipe `tee COPY >(md5sum) < FILE | sha512sum` (read the file
# once, write a copy, both digests) and `PUT /v2/images/{id}/file` of the same file with curl -T into a queued image,
# interleaved: medians, the ratio (target >= 0.8x), Loupe's peak RSS, and the image's md5 and sha512 against the
# pipe's.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

sizes="1024 4096" runs=3 s3proxy="" https=0 upload=0
while [ $# -gt 0 ]; do
    case "$1" in
        --sizes-mib) sizes="$2"; shift ;;
        --runs) runs="$2"; shift ;;
        --s3) s3proxy="$ROOT/target/s3proxy/s3proxy.jar" ;;
        --https) https=1 ;;
        --upload) upload=1 ;;
        -h|--help) sed -n '2,34p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown argument: $1" ;;
    esac
    shift
done
need_tool python3 python3
need_tool curl curl
loupe_copy
if [ -n "$s3proxy" ] && [ ! -f "$s3proxy" ]; then
    note "copying S3Proxy into target/s3proxy ..."
    (cd "$ROOT" && mvn -B -q process-test-resources >&2) || die "could not fetch S3Proxy (org.gaul:s3proxy)"
fi
if [ -n "$s3proxy" ]; then
    # A copy, like the build's: other builds may rewrite target/ under a running benchmark.
    cp "$s3proxy" "$LOUPE_DIST/s3proxy.jar" && s3proxy="$LOUPE_DIST/s3proxy.jar"
fi
work="$(mktemp -d /tmp/loupe-import.XXXXXX)"
CLEANUP+=("$work")
echo "import.sh: $(machine); Loupe $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?'); $JAVA"

S3_MOUNT=""
reflink_fs() {
    # reflink_fs DIR MIB: an XFS file system with reflinks in a sparse loop file under DIR, mounted at DIR/s3fs (root
    # only; xfsprogs is installed with apt-get if missing). S3Proxy's filesystem store completes a multipart upload
    # by copy_file_range of its parts into one file: XFS shares the parts' extents, ext4 copies every byte again.
    [ "$(id -u)" = 0 ] || return 1
    command -v mkfs.xfs >/dev/null 2>&1 || DEBIAN_FRONTEND=noninteractive apt-get install -y -q xfsprogs >/dev/null 2>&1 \
        || return 1
    local image="$1/s3fs.img" dir="$1/s3fs"
    mkdir -p "$dir" && truncate -s "$(($2 * 3 + 1024))M" "$image" && mkfs.xfs -q -m reflink=1 "$image" >/dev/null 2>&1 \
        && mount -o loop "$image" "$dir" 2>/dev/null || return 1
    S3_MOUNT="$dir"
    # Direct I/O on the loop device: the data is cached once, by XFS, not again in the loop file's pages.
    losetup --direct-io=on "$(findmnt -n -o SOURCE "$dir")" 2>/dev/null || true
    echo "$dir"
}
unmount_s3fs() {
    [ -z "$S3_MOUNT" ] || umount "$S3_MOUNT" 2>/dev/null || umount -l "$S3_MOUNT" 2>/dev/null || true
}
trap 'unmount_s3fs; cleanup' EXIT
if [ -n "$s3proxy" ] && [ -z "${BENCH_S3_DIR:-}" ]; then
    largest=$(printf '%s\n' $sizes | sort -n | tail -1)
    if BENCH_S3_DIR="$(reflink_fs "$work" "$largest")"; then
        S3_MOUNT="$BENCH_S3_DIR"
        export BENCH_S3_DIR BENCH_S3_DIR_NOTE="XFS with reflinks in a loop file"
    else
        unset BENCH_S3_DIR
        note "S3Proxy's data stays under $work: no XFS loop file system (needs root, xfsprogs and a loop device)"
    fi
fi

[ "$https" = 0 ] || need_tool openssl openssl
python3 - "$JAVA" "$LOUPE_JAR" "$work" "$sizes" "$runs" "${BENCH_SUMMARY:-}" "$s3proxy" "$https" "$upload" <<'EOF'
import http.server, json, os, shutil, signal, socket, ssl, statistics, subprocess, sys, tempfile, threading, time, urllib.request

java, jar, work, sizes, runs, summary, s3proxy, https, upload = sys.argv[1:10]
https, upload = https == "1", upload == "1"
sizes, runs = [int(s) for s in sizes.split()], int(runs)
MIB = 1 << 20
IDENTITY = {"X-Identity-Status": "Confirmed", "X-Project-Id": "p", "X-User-Id": "bench", "X-Roles": "admin",
            "Content-Type": "application/json"}

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

class SendfileHandler(http.server.BaseHTTPRequestHandler):
    """Serves the files of `work` with sendfile(), so the source is never the bottleneck of either side."""
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        path = os.path.join(work, os.path.basename(self.path))
        if not os.path.isfile(path):
            self.send_error(404)
            return
        with open(path, "rb") as f:
            length = os.fstat(f.fileno()).st_size
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(length))
            self.end_headers()
            self.wfile.flush()
            try:
                if isinstance(self.connection, ssl.SSLSocket):
                    # No sendfile() through TLS, and Python's fallback writes 8 KiB at a time: far too slow.
                    while chunk := f.read(MIB):
                        self.connection.sendall(chunk)
                else:
                    self.connection.sendfile(f)
            except OSError:
                pass

    def log_message(self, *args):
        pass

def throwaway_authority():
    """A CA and a certificate it signed for 127.0.0.1, made with openssl; returns (ca.pem, cert, key)."""
    ca_key, ca, key, csr, cert, ext = (os.path.join(work, n) for n in
                                        ("ca.key", "ca.pem", "tls.key", "tls.csr", "tls.pem", "tls.ext"))
    with open(ext, "w") as f:
        f.write("subjectAltName=IP:127.0.0.1\n")
    for command in (
            ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca_key, "-out", ca, "-days", "2",
             "-subj", "/CN=Loupe bench CA"],
            ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr, "-subj", "/CN=127.0.0.1"],
            ["x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial", "-out", cert, "-days", "2",
             "-extfile", ext]):
        subprocess.run(["openssl", *command], check=True, capture_output=True)
    return ca, cert, key

source = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), SendfileHandler)
scheme, ca_file = "http", None
if https:
    ca_file, cert, key = throwaway_authority()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    source.socket = context.wrap_socket(source.socket, server_side=True)
    scheme = "https"
threading.Thread(target=source.serve_forever, daemon=True).start()
source_port = source.server_address[1]

def make_source(mib):
    name = f"image-{mib}.raw"
    path = os.path.join(work, name)
    if not os.path.exists(path):
        with open("/dev/urandom", "rb") as rnd, open(path, "wb") as out:
            for _ in range(mib):
                out.write(rnd.read(MIB))
    return f"{scheme}://127.0.0.1:{source_port}/{name}"

def warm_page_cache(path):
    # Both sides read the source through the same page cache: warm it, so both find it the same.
    with open(path, "rb") as f:
        while f.read(16 * MIB):
            pass

def pipe(url):
    out = os.path.join(work, "pipe.out")
    t0 = time.monotonic()
    cacert = f"--cacert '{ca_file}' " if ca_file else ""
    subprocess.run(["bash", "-c", f"curl -sf {cacert}'{url}' | tee '{out}' >(md5sum > '{out}.md5') | sha512sum > '{out}.sha512';"
                    f" while [ ! -s '{out}.md5' ]; do sleep 0.001; done"], check=True)
    return time.monotonic() - t0, pipe_digests(out)

def pipe_digests(out):
    """The md5sum and sha512sum a pipe wrote beside its copy OUT; removes all three."""
    digests = {}
    for algo in ("md5", "sha512"):
        with open(f"{out}.{algo}") as f:
            digests[algo] = f.read().split()[0]
        os.remove(f"{out}.{algo}")
    os.remove(out)
    return digests

def copy_pipe(path):
    """The machine's own upload: read the file once, write a copy, md5 and sha512 on the way."""
    out = os.path.join(work, "copy.out")
    t0 = time.monotonic()
    subprocess.run(["bash", "-c", f"tee '{out}' >(md5sum > '{out}.md5') < '{path}' | sha512sum > '{out}.sha512';"
                    f" while [ ! -s '{out}.md5' ]; do sleep 0.001; done"], check=True)
    return time.monotonic() - t0, pipe_digests(out)

S3_ACCESS, S3_SECRET, S3_BUCKET = "bench-access", "bench-secret", "bench"

class S3Proxy:
    """S3Proxy with its filesystem blob store, as the tests run it."""
    def __init__(self):
        self.port = free_port()
        # BENCH_S3_DIR: S3Proxy's data on another filesystem (one with reflinks completes uploads without a copy).
        self.data = (tempfile.mkdtemp(prefix="loupe-s3proxy.", dir=os.environ["BENCH_S3_DIR"])
                     if os.environ.get("BENCH_S3_DIR") else os.path.join(work, "s3proxy"))
        os.makedirs(os.path.join(self.data, "blobs"))
        conf = os.path.join(self.data, "s3proxy.conf")
        with open(conf, "w") as f:
            f.write("\n".join([f"s3proxy.endpoint=http://127.0.0.1:{self.port}", "s3proxy.authorization=" + os.environ.get("BENCH_S3PROXY_AUTH", "none"),
                               f"s3proxy.identity={S3_ACCESS}", f"s3proxy.credential={S3_SECRET}",
                               "jclouds.provider=filesystem-nio2",
                               f"jclouds.filesystem.basedir={os.path.join(self.data, 'blobs')}", ""]))
        self.log = open(self.data + ".log", "w")
        self.proc = subprocess.Popen([java, *os.environ.get("BENCH_S3PROXY_OPTS", "").split(), "-jar", s3proxy, "--properties", conf], stdout=self.log,
                                     stderr=subprocess.STDOUT, env=dict(os.environ, LOG_LEVEL="warn"))
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    sys.exit(f"import.sh: S3Proxy did not start; see {self.data}.log")
                time.sleep(0.05)

    def describe(self):
        """Where S3Proxy keeps its data (file system type), and its JVM options."""
        fs = subprocess.run(["findmnt", "-n", "-o", "FSTYPE", "-T", self.data], capture_output=True, text=True).stdout.strip()
        where = os.environ.get("BENCH_S3_DIR_NOTE") or ("BENCH_S3_DIR" if os.environ.get("BENCH_S3_DIR") else "temp folder")
        return f"{fs} ({where}); JVM options: {os.environ.get('BENCH_S3PROXY_OPTS') or 'none'}"

    def loupe_options(self):
        return ["glance_store.default_store=s3", f"glance_store.s3_store_host=127.0.0.1:{self.port}",
                f"glance_store.s3_store_access_key={S3_ACCESS}", f"glance_store.s3_store_secret_key={S3_SECRET}",
                f"glance_store.s3_store_bucket={S3_BUCKET}", "glance_store.s3_store_create_bucket_on_put=true",
                *os.environ.get("BENCH_S3_SET", "").split()]

    def peak_rss_mib(self):
        return peak_rss_mib(self.proc.pid)

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()
        if os.environ.get("BENCH_S3_DIR"):
            shutil.rmtree(self.data, ignore_errors=True)
            os.remove(self.data + ".log")

def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

def peak_rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024

class Loupe:
    def __init__(self, name, options=(), trusting=True, jvm_options=()):
        self.data = os.path.join(work, name)
        self.port = free_port()
        self.log = open(self.data + ".log", "w")
        sets = []
        trust = [f"task.source_ca_file={ca_file}"] if ca_file and trusting else []
        for option in ["import_filtering_opts.allowed_hosts=127.0.0.1",
                       f"import_filtering_opts.allowed_ports={source_port}", "task.poll_interval=0.05", *trust,
                       *options]:
            sets += ["--set", option]
        self.proc = subprocess.Popen([java, *os.environ.get("BENCH_JVM_OPTS", "").split(), *jvm_options, "-jar", jar, "serve", "--data-dir", self.data,
                                      "--set", f"DEFAULT.bind_port={self.port}", *sets],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while not self.healthy():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                sys.exit(f"import.sh: Loupe did not start; see {self.data}.log")
            time.sleep(0.01)

    def request(self, method, path, body=None):
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", method=method, headers=IDENTITY,
                                     data=None if body is None else json.dumps(body).encode())
        with urllib.request.urlopen(req, timeout=30) as r:
            text = r.read()
            return json.loads(text) if text else None

    def healthy(self):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthcheck", timeout=1).read()
            return True
        except OSError:
            return False

    def imports(self, url, expect="success"):
        """Seconds from POST to success, and the image's md5 and sha512; the image is deleted afterwards."""
        t0 = time.monotonic()
        task = self.request("POST", "/v2/tasks", {"type": "import", "input": {
            "import_from": url, "import_from_format": "raw",
            "image_properties": {"disk_format": "raw", "container_format": "bare", "name": "bench"}}})
        while True:
            shown = self.request("GET", f"/v2/tasks/{task['id']}")
            if shown["status"] in ("success", "failure"):
                break
            time.sleep(0.02)
        elapsed = time.monotonic() - t0
        if expect == "failure" and shown["status"] == "failure":
            return shown["message"]
        if shown["status"] != expect:
            sys.exit(f"import.sh: the import ended {shown['status']}, not {expect}: {shown['message']}")
        image = self.request("GET", f"/v2/images/{shown['result']['image_id']}")
        self.request("DELETE", f"/v2/images/{image['id']}")
        return elapsed, {"md5": image["checksum"], "sha512": image["os_hash_value"]}

    def uploads(self, path):
        """Seconds of PUT /v2/images/{id}/file (curl -T, to its 204), and the image's md5 and sha512; then deleted."""
        image = self.request("POST", "/v2/images", {"name": "bench", "disk_format": "raw", "container_format": "bare"})
        headers = [arg for name, value in IDENTITY.items() if name != "Content-Type"
                   for arg in ("-H", f"{name}: {value}")]
        t0 = time.monotonic()
        code = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-T", path, *headers,
                               "-H", "Content-Type: application/octet-stream",
                               f"http://127.0.0.1:{self.port}/v2/images/{image['id']}/file"],
                              check=True, capture_output=True, text=True).stdout
        elapsed = time.monotonic() - t0
        if code != "204":
            sys.exit(f"import.sh: PUT /file answered {code}, not 204")
        image = self.request("GET", f"/v2/images/{image['id']}")
        self.request("DELETE", f"/v2/images/{image['id']}")
        return elapsed, {"md5": image["checksum"], "sha512": image["os_hash_value"]}

    def peak_rss_mib(self):
        return peak_rss_mib(self.proc.pid)

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=60)
        self.log.close()
        shutil.rmtree(self.data, ignore_errors=True)

def rate(seconds, mib):
    return f"{mib / seconds:.0f} MiB/s"

def runs_text(times):
    return ", ".join(f"{t:.2f}" for t in times)

rows = []
mismatches = []
warm_up = make_source(64)
store = S3Proxy() if s3proxy else None
for mib in sizes if upload else ():
    make_source(mib)
    path = os.path.join(work, f"image-{mib}.raw")
    warm_page_cache(path)
    loupe = Loupe(f"loupe-{mib}")
    loupe.uploads(os.path.join(work, "image-64.raw"))
    pipe_times, loupe_times = [], []
    for _ in range(runs):
        seconds, expected = copy_pipe(path)
        pipe_times.append(seconds)
        seconds, digests = loupe.uploads(path)
        loupe_times.append(seconds)
        if digests != expected:
            mismatches.append(f"{mib} MiB uploaded: {digests} != the pipe's {expected}")
    peak = loupe.peak_rss_mib()
    loupe.stop()
    os.remove(path)
    p, l = statistics.median(pipe_times), statistics.median(loupe_times)
    rows += [(f"{mib} MiB: pipe tee COPY >(md5sum) < FILE | sha512sum", f"median {p:.2f} s ({rate(p, mib)}), runs {runs_text(pipe_times)}"),
             (f"{mib} MiB: Loupe PUT /v2/images/{{id}}/file", f"median {l:.2f} s ({rate(l, mib)}), runs {runs_text(loupe_times)}"),
             (f"{mib} MiB: Loupe / pipe throughput", f"{p / l:.2f}x (target >= 0.8x)"),
             (f"{mib} MiB: Loupe peak RSS (VmHWM)", f"{peak:.0f} MiB"),
             (f"{mib} MiB: md5 and sha512 of every image", "equal to the pipe's" if not mismatches else "MISMATCH")]
for mib in () if upload else sizes:
    url = make_source(mib)
    warm_page_cache(os.path.join(work, f"image-{mib}.raw"))
    loupe = Loupe(f"loupe-{mib}")
    loupe.imports(warm_up)
    to_s3 = None
    if store:
        to_s3 = Loupe(f"loupe-s3-{mib}", store.loupe_options(), jvm_options=os.environ.get("BENCH_S3_JVM_OPTS", "").split())
        to_s3.imports(warm_up)
    pipe_times, loupe_times, s3_times = [], [], []
    cpu = {"files": 0.0, "S3": 0.0, "S3Proxy": 0.0}
    for _ in range(runs):
        seconds, expected = pipe(url)
        pipe_times.append(seconds)
        for server, times, name in ((loupe, loupe_times, "files"), (to_s3, s3_times, "S3")):
            if server:
                before = cpu_seconds(server.proc.pid), cpu_seconds(store.proc.pid) if store else 0
                seconds, digests = server.imports(url)
                cpu[name] += cpu_seconds(server.proc.pid) - before[0]
                if name == "S3":
                    cpu["S3Proxy"] += cpu_seconds(store.proc.pid) - before[1]
                times.append(seconds)
                if digests != expected:
                    mismatches.append(f"{mib} MiB into {name}: {digests} != the pipe's {expected}")
    peak = loupe.peak_rss_mib()
    loupe.stop()
    s3_peak = None
    if to_s3:
        s3_peak = to_s3.peak_rss_mib()
        to_s3.stop()
    os.remove(os.path.join(work, f"image-{mib}.raw"))
    p, l = statistics.median(pipe_times), statistics.median(loupe_times)
    rows += [(f"{mib} MiB: pipe curl|tee|md5sum|sha512sum", f"median {p:.2f} s ({rate(p, mib)}), runs {runs_text(pipe_times)}"),
             (f"{mib} MiB: Loupe import task", f"median {l:.2f} s ({rate(l, mib)}), runs {runs_text(loupe_times)}"),
             (f"{mib} MiB: Loupe / pipe throughput", f"{p / l:.2f}x (target >= 0.8x)"),
             (f"{mib} MiB: Loupe peak RSS (VmHWM)", f"{peak:.0f} MiB")]
    if to_s3:
        s = statistics.median(s3_times)
        rows += [(f"{mib} MiB: Loupe import task into S3Proxy", f"median {s:.2f} s ({rate(s, mib)}), runs {runs_text(s3_times)}"),
                 (f"{mib} MiB: S3 / filesystem throughput", f"{l / s:.2f}x (target >= 0.8x); S3 / pipe {p / s:.2f}x"),
                 (f"{mib} MiB: Loupe (S3) peak RSS (VmHWM)", f"{s3_peak:.0f} MiB ({s3_peak - peak:+.0f} MiB vs files; target <= +64)"),
                 (f"{mib} MiB: CPU per GiB imported", f"Loupe (files) {cpu['files'] * 1024 / mib / runs:.1f} s,"
                  f" Loupe (S3) {cpu['S3'] * 1024 / mib / runs:.1f} s, S3Proxy {cpu['S3Proxy'] * 1024 / mib / runs:.1f} s;"
                  f" S3 side / files {(cpu['S3'] + cpu['S3Proxy']) / cpu['files']:.2f}x"),
                 (f"{mib} MiB: md5 and sha512 of every image", "equal to the pipe's" if not mismatches else "MISMATCH")]
if store:
    rows.append(("S3Proxy data", store.describe()))
    rows.append(("S3Proxy peak RSS (VmHWM)", f"{store.peak_rss_mib():.0f} MiB"))
    store.stop()
if https:
    untrusting = Loupe("loupe-untrusting", trusting=False)
    rows.append(("https source, no source_ca_file", untrusting.imports(warm_up, expect="failure")))
    untrusting.stop()

rows.append(("load average at the end", " ".join(f"{x:.2f}" for x in os.getloadavg())))
print()
for name, value in rows:
    print(f"{name:<48} {value}")
if summary:
    with open(summary, "a") as f:
        for name, value in rows:
            f.write(f"{name}\t{value}\n")
for mismatch in mismatches:
    print(f"import.sh: digest mismatch: {mismatch}", file=sys.stderr)
sys.exit(1 if mismatches else 0)
EOF
