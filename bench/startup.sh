#!/usr/bin/env bash
# Start-up time and idle memory of `loupe serve` (role all, embedded SQLite).
#
#   bench/startup.sh [--runs 5] [--idle 10] [--against DIR]
#
# Start-up: wall time from spawning `./loupe serve` (the launcher's real command line: its JVM options and its
# start-up cache; the launcher is run once first, so that it has built) until the first 200 answer to GET
# /healthcheck (polled every 2 ms over loopback), on a fresh data dir (the database is created and migrated) and on
# an existing one (the same dir again), median (and min/max) of --runs starts each, and the CPU time the process had
# used when it first answered. Memory: VmRSS from /proc/PID/status at the first answer and after --idle seconds of
# idling. LOUPE_DIST=DIR runs the build in DIR (loupe.jar, lib/ and what the launcher adds) instead of the current
# one; --against DIR starts that other build too, alternately with the first, through the same launcher (the same
# JVM options), so that both see the same machine: each figure is printed for both. Set BENCH_SUMMARY=FILE to have
# the figures appended as TSV.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

runs=5 idle=10 against=""
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) runs="$2"; shift ;;
        --idle) idle="$2"; shift ;;
        --against) against="$(cd "$2" && pwd -P)" || die "no folder $2"; shift ;;
        -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown argument: $1" ;;
    esac
    shift
done
need_tool python3 python3
loupe_copy
work="$(mktemp -d /tmp/loupe-startup.XXXXXX)"
CLEANUP+=("$work")
echo "startup.sh: $(machine); Loupe $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?'); $JAVA"

python3 - "$JAVA" "$ROOT/loupe" "$work" "$runs" "$idle" "${BENCH_SUMMARY:-}" "$LOUPE_DIST" "$against" <<'EOF'
import os, shutil, signal, socket, statistics, subprocess, sys, time

java, launcher, work, runs, idle, summary = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5]), sys.argv[6]
dists = [d for d in sys.argv[7:9] if d]

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

def cpu_seconds(pid):
    # utime + stime of the process (the launcher execs the JVM: the same process, its own few ms included)
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

def env(dist):
    return dict(os.environ, JAVA_HOME=os.path.dirname(os.path.dirname(os.path.realpath(java))), LOUPE_DIST=dist)

def start(dist, data_dir, wait_idle=0.0):
    port = free_port()
    t0 = time.monotonic()
    proc = subprocess.Popen([launcher, "serve", "--data-dir", data_dir, "--set", f"DEFAULT.bind_port={port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env(dist))
    try:
        while not healthy(port):
            if proc.poll() is not None:
                sys.exit(f"startup.sh: Loupe exited with {proc.returncode} before answering /healthcheck")
            if time.monotonic() - t0 > 60:
                sys.exit("startup.sh: no answer to /healthcheck within 60 s")
            time.sleep(0.002)
        elapsed = time.monotonic() - t0
        cpu = cpu_seconds(proc.pid)
        rss0 = rss_kib(proc.pid)
        rss1 = None
        if wait_idle:
            time.sleep(wait_idle)
            rss1 = rss_kib(proc.pid)
        return elapsed, cpu, rss0, rss1
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            code = proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            sys.exit("startup.sh: Loupe did not stop within 60 s of SIGTERM")
        if code != 0:
            sys.exit(f"startup.sh: Loupe exited with {code} on SIGTERM (expected 0)")

for dist in dists:
    # The launcher prepares a build it has not run before (native library, start-up cache): not measured.
    subprocess.run([launcher, "--version"], env=env(dist), check=True, stdout=subprocess.DEVNULL)

results = {dist: {"fresh": [], "existing": [], "cpu_fresh": [], "cpu_existing": [], "rss": []} for dist in dists}
loads = [os.getloadavg()[0]]
for i in range(runs):
    # alternately, and each build first every other round
    for dist in (dists if i % 2 == 0 else dists[::-1]):
        r = results[dist]
        d = os.path.join(work, f"data-{i}")
        t, c, r0, _ = start(dist, d)
        r["fresh"].append(t)
        r["cpu_fresh"].append(c)
        r["rss"].append(r0)
        t, c, _, _ = start(dist, d)
        r["existing"].append(t)
        r["cpu_existing"].append(c)
        shutil.rmtree(d)
    loads.append(os.getloadavg()[0])
for dist in dists:
    d = os.path.join(work, "idle")
    _, _, idle0, idle1 = start(dist, d, idle)
    results[dist]["idle"] = (idle0, idle1)
    shutil.rmtree(d)

def fmt(xs):
    return f"median {statistics.median(xs) * 1000:.0f} ms (min {min(xs) * 1000:.0f}, max {max(xs) * 1000:.0f}, n={len(xs)})"

rows = []
for n, dist in enumerate(dists):
    r = results[dist]
    label = "" if len(dists) == 1 else f" [{'AB'[n]}]"
    idle0, idle1 = r["idle"]
    rows += [(f"start -> first /healthcheck 200, fresh data dir{label}", fmt(r["fresh"])),
             (f"start -> first /healthcheck 200, existing data dir{label}", fmt(r["existing"])),
             (f"CPU used by the first answer, fresh / existing{label}",
              f"median {statistics.median(r['cpu_fresh']):.2f} / {statistics.median(r['cpu_existing']):.2f} s"),
             (f"RSS at first answer (idle){label}",
              f"{idle0 / 1024:.0f} MiB (median over the fresh starts {statistics.median(r['rss']) / 1024:.0f} MiB)"),
             (f"RSS after {idle:.0f} s idle{label}", f"{idle1 / 1024:.0f} MiB")]
print()
if len(dists) > 1:
    for n, dist in enumerate(dists):
        print(f"[{'AB'[n]}] {dist}")
print(f"load average (1 min) during the runs: {min(loads):.1f}-{max(loads):.1f}")
for name, value in rows:
    print(f"{name:<62} {value}")
if summary:
    with open(summary, "a") as f:
        for name, value in rows:
            f.write(f"{name}\t{value}\n")
EOF
