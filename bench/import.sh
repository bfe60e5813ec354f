#!/usr/bin/env bash
# Import throughput and memory: Loupe's import task against the machine's own download pipe.
#
#   bench/import.sh [--sizes-mib "1024 4096"] [--runs 3]
#
# For each size, a random file is served over loopback by a small sendfile() server, and a fresh Loupe imports a
# 64 MiB warm-up file first (JIT). Throughput: wall time of the pipe `curl SRC | tee FILE >(md5sum) | sha512sum`
# (download, both digests, file written) and of a Loupe import task (POST /v2/tasks to status success, polled every
# 20 ms: download, md5 + sha512, format inspection, fsync'd store), interleaved --runs times; medians and their
# ratio (target: Loupe >= 0.8x the pipe). Memory: that Loupe's peak RSS (VmHWM) after the imports (target:
# independent of the size). Needs about 3x the largest size in free space under /tmp. Set BENCH_SUMMARY=FILE to
# append the figures as TSV.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

sizes="1024 4096" runs=3
while [ $# -gt 0 ]; do
    case "$1" in
        --sizes-mib) sizes="$2"; shift ;;
        --runs) runs="$2"; shift ;;
        -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown argument: $1" ;;
    esac
    shift
done
need_tool python3 python3
need_tool curl curl
loupe_copy
work="$(mktemp -d /tmp/loupe-import.XXXXXX)"
CLEANUP+=("$work")
echo "import.sh: $(machine); Loupe $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?'); $JAVA"

python3 - "$JAVA" "$LOUPE_JAR" "$work" "$sizes" "$runs" "${BENCH_SUMMARY:-}" <<'EOF'
import http.server, json, os, shutil, signal, socket, statistics, subprocess, sys, threading, time, urllib.request

java, jar, work, sizes, runs, summary = sys.argv[1:7]
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
                self.connection.sendfile(f)
            except OSError:
                pass

    def log_message(self, *args):
        pass

source = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), SendfileHandler)
threading.Thread(target=source.serve_forever, daemon=True).start()
source_port = source.server_address[1]

def make_source(mib):
    name = f"image-{mib}.raw"
    path = os.path.join(work, name)
    if not os.path.exists(path):
        with open("/dev/urandom", "rb") as rnd, open(path, "wb") as out:
            for _ in range(mib):
                out.write(rnd.read(MIB))
    return f"http://127.0.0.1:{source_port}/{name}"

def warm_page_cache(path):
    # Both sides read the source through the same page cache: warm it, so both find it the same.
    with open(path, "rb") as f:
        while f.read(16 * MIB):
            pass

def pipe(url):
    out = os.path.join(work, "pipe.out")
    t0 = time.monotonic()
    subprocess.run(["bash", "-c", f"curl -sf '{url}' | tee '{out}' >(md5sum > '{out}.md5') | sha512sum > '{out}.sha512';"
                    f" while [ ! -s '{out}.md5' ]; do sleep 0.001; done"], check=True)
    elapsed = time.monotonic() - t0
    os.remove(out)
    return elapsed

class Loupe:
    def __init__(self, name):
        self.data = os.path.join(work, name)
        self.port = free_port()
        self.log = open(self.data + ".log", "w")
        self.proc = subprocess.Popen([java, "-jar", jar, "serve", "--data-dir", self.data,
                                      "--set", f"DEFAULT.bind_port={self.port}",
                                      "--set", "import_filtering_opts.allowed_hosts=127.0.0.1",
                                      "--set", f"import_filtering_opts.allowed_ports={source_port}",
                                      "--set", "task.poll_interval=0.05"],
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
            return json.load(r)

    def healthy(self):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthcheck", timeout=1).read()
            return True
        except OSError:
            return False

    def imports(self, url):
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
        if shown["status"] != "success":
            sys.exit(f"import.sh: the import failed: {shown['message']}")
        shutil.rmtree(os.path.join(self.data, "images"), ignore_errors=True)
        os.makedirs(os.path.join(self.data, "images"))
        return elapsed

    def peak_rss_mib(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=60)
        self.log.close()
        shutil.rmtree(self.data, ignore_errors=True)

def rate(seconds, mib):
    return f"{mib / seconds:.0f} MiB/s"

rows = []
warm_up = make_source(64)
for mib in sizes:
    url = make_source(mib)
    warm_page_cache(os.path.join(work, f"image-{mib}.raw"))
    loupe = Loupe(f"loupe-{mib}")
    loupe.imports(warm_up)
    pipe_times, loupe_times = [], []
    for _ in range(runs):
        pipe_times.append(pipe(url))
        loupe_times.append(loupe.imports(url))
    peak = loupe.peak_rss_mib()
    loupe.stop()
    os.remove(os.path.join(work, f"image-{mib}.raw"))
    p, l = statistics.median(pipe_times), statistics.median(loupe_times)
    rows += [(f"{mib} MiB: pipe curl|tee|md5sum|sha512sum", f"median {p:.2f} s ({rate(p, mib)}), runs {', '.join(f'{t:.2f}' for t in pipe_times)}"),
             (f"{mib} MiB: Loupe import task", f"median {l:.2f} s ({rate(l, mib)}), runs {', '.join(f'{t:.2f}' for t in loupe_times)}"),
             (f"{mib} MiB: Loupe / pipe throughput", f"{p / l:.2f}x (target >= 0.8x)"),
             (f"{mib} MiB: Loupe peak RSS (VmHWM)", f"{peak:.0f} MiB")]

print()
for name, value in rows:
    print(f"{name:<48} {value}")
if summary:
    with open(summary, "a") as f:
        for name, value in rows:
            f.write(f"{name}\t{value}\n")
EOF
