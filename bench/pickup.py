#!/usr/bin/env python3
"""Pickup latency: time from a task's creation until a worker claims it (create -> processing).

Starts Loupe with the embedded defaults on a fresh data dir, creates N tasks one after another over one
keep-alive connection, then reads Loupe's own pickup histogram (loupe_task_pickup_seconds) from /metrics.

    bench/pickup.py [--tasks 1000] [--port 9399]

Runs ./loupe, as operators do (its Java, its JVM options); the launcher runs the build in LOUPE_DIST when that names
a folder holding a copy of loupe.jar and lib/ (bench/lib.sh makes one). With BENCH_SUMMARY=FILE the figures are
appended there as TSV (bench/run-all.sh).
"""
import argparse
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HEADERS = {"X-Identity-Status": "Confirmed", "X-Project-Id": "bench", "X-User-Id": "bench",
           "X-Roles": "admin", "Content-Type": "application/json"}
BODY = json.dumps({"type": "import", "input": {"import_from": "http://example.com/bench.raw",
                                              "import_from_format": "raw", "image_properties": {}}})


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(port, data_dir):
    proc = subprocess.Popen([os.path.join(ROOT, "loupe"), "serve", "--data-dir", data_dir,
                             "--set", f"DEFAULT.bind_port={port}"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline()
    if "serving on" not in line:
        proc.kill()
        sys.exit(f"Loupe did not start: {line!r}")
    return proc


def quantile(text, name, labels, q):
    """Like PromQL's histogram_quantile without interpolation: the upper bound of the first bucket holding q."""
    buckets = []
    for m in re.finditer(re.escape(name) + r"_bucket\{([^}]*)\} (\S+)", text):
        if all(f'{k}="{v}"' in m.group(1) for k, v in labels.items()):
            le = re.search(r'le="([^"]+)"', m.group(1)).group(1)
            buckets.append((float("inf") if le == "+Inf" else float(le), float(m.group(2))))
    buckets.sort()
    total = buckets[-1][1] if buckets else 0
    for bound, cumulative in buckets:
        if total and cumulative >= q * total:
            return bound
    return None


def metric(text, name, labels):
    pattern = re.escape(name) + r"\{([^}]*)\} (\S+)"
    for m in re.finditer(pattern, text):
        if all(f'{k}="{v}"' in m.group(1) for k, v in labels.items()):
            return float(m.group(2))
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=1000)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    port = args.port or free_port()
    with tempfile.TemporaryDirectory() as data_dir:
        proc = start(port, data_dir)
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port)
            started = time.monotonic()
            for _ in range(args.tasks):
                conn.request("POST", "/v2/tasks", BODY, HEADERS)
                response = conn.getresponse()
                response.read()
                if response.status != 201:
                    sys.exit(f"create answered {response.status}")
            elapsed = time.monotonic() - started
            time.sleep(1)
            conn.request("GET", "/metrics")
            text = conn.getresponse().read().decode()
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=60)
    labels = {"type": "import"}
    count = metric(text, "loupe_task_pickup_seconds_count", labels)
    p50 = quantile(text, "loupe_task_pickup_seconds", labels, 0.5)
    p99 = quantile(text, "loupe_task_pickup_seconds", labels, 0.99)
    mx = metric(text, "loupe_task_pickup_seconds_max", labels)
    print(f"pickup (create -> processing), SQLite embedded, {int(count)} tasks created one by one "
          f"({args.tasks / elapsed:.0f} creates/s):")
    print(f"  p50 {p50 * 1000:.2f} ms   p99 {p99 * 1000:.2f} ms   max (last 2 min) {mx * 1000:.2f} ms")
    if os.environ.get("BENCH_SUMMARY"):
        with open(os.environ["BENCH_SUMMARY"], "a") as f:
            f.write(f"pickup create -> processing, {int(count)} tasks, SQLite\tp50 {p50 * 1000:.2f} ms, "
                    f"p99 {p99 * 1000:.2f} ms, max {mx * 1000:.2f} ms ({args.tasks / elapsed:.0f} creates/s, "
                    f"one client)\n")


if __name__ == "__main__":
    main()
