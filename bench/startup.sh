#!/usr/bin/env bash
# Start-up time and idle memory of `loupe serve` (role all, embedded SQLite).
#
#   bench/startup.sh [--runs 5] [--idle 10]
#
# Start-up: wall time from spawning `./loupe serve` (the launcher's real command line: its JVM options and its
# start-up cache; the launcher is run once first, so that it has built) until the first 200 answer to GET
# /healthcheck (polled every 2 ms over loopback), on a fresh data dir (the database is created and migrated) and on an existing one (the same dir
# again), median (and min/max) of --runs starts each. Memory: VmRSS from /proc/PID/status at the first answered
# healthcheck and after --idle seconds of idling. Set BENCH_SUMMARY=FILE to have the figures appended as TSV.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

runs=5 idle=10
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) runs="$2"; shift ;;
        --idle) idle="$2"; shift ;;
        -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown argument: $1" ;;
    esac
    shift
done
need_tool python3 python3
loupe_copy
work="$(mktemp -d /tmp/loupe-startup.XXXXXX)"
CLEANUP+=("$work")
echo "startup.sh: $(machine); Loupe $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?'); $JAVA"

python3 - "$JAVA" "$ROOT/loupe" "$work" "$runs" "$idle" "${BENCH_SUMMARY:-}" <<'EOF'
import os, shutil, signal, socket, statistics, subprocess, sys, time

java, launcher, work, runs, idle, summary = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5]), sys.argv[6]

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

def healthy(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            s.sendall(b"GET /healthcheck HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            return s.recv(64).startswith(b"HTTP/1.1 200")
    except OSError:
        return False

def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0

def start(data_dir, wait_idle=0.0):
    port = free_port()
    t0 = time.monotonic()
    proc = subprocess.Popen([launcher, "serve", "--data-dir", data_dir, "--set", f"DEFAULT.bind_port={port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=launcher_env)
    try:
        while not healthy(port):
            if proc.poll() is not None:
                sys.exit(f"startup.sh: Loupe exited with {proc.returncode} before answering /healthcheck")
            if time.monotonic() - t0 > 60:
                sys.exit("startup.sh: no answer to /healthcheck within 60 s")
            time.sleep(0.002)
        elapsed = time.monotonic() - t0
        rss0 = rss_kib(proc.pid)
        rss1 = None
        if wait_idle:
            time.sleep(wait_idle)
            rss1 = rss_kib(proc.pid)
        return elapsed, rss0, rss1
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            code = proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            sys.exit("startup.sh: Loupe did not stop within 60 s of SIGTERM")
        if code != 0:
            sys.exit(f"startup.sh: Loupe exited with {code} on SIGTERM (expected 0)")

launcher_env = dict(os.environ, JAVA_HOME=os.path.dirname(os.path.dirname(os.path.realpath(java))))
subprocess.run([launcher, "--version"], env=launcher_env, check=True, stdout=subprocess.DEVNULL)

fresh, existing, rss = [], [], []
for i in range(runs):
    d = os.path.join(work, f"data-{i}")
    t, r0, _ = start(d)
    fresh.append(t)
    rss.append(r0)
    t, r0, _ = start(d)
    existing.append(t)
    shutil.rmtree(d)
d = os.path.join(work, "idle")
_, idle0, idle1 = start(d, idle)

def fmt(xs):
    return f"median {statistics.median(xs) * 1000:.0f} ms (min {min(xs) * 1000:.0f}, max {max(xs) * 1000:.0f}, n={len(xs)})"

rows = [("start -> first /healthcheck 200, fresh data dir", fmt(fresh)),
        ("start -> first /healthcheck 200, existing data dir", fmt(existing)),
        ("RSS at first answer (idle)", f"{idle0 / 1024:.0f} MiB (median over the fresh starts {statistics.median(rss) / 1024:.0f} MiB)"),
        (f"RSS after {idle:.0f} s idle", f"{idle1 / 1024:.0f} MiB")]
print()
for name, value in rows:
    print(f"{name:<52} {value}")
if summary:
    with open(summary, "a") as f:
        for name, value in rows:
            f.write(f"{name}\t{value}\n")
EOF
