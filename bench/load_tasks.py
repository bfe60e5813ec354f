#!/usr/bin/env python3
"""Bulk-loads N finished import tasks straight into a migrated Loupe SQLite file (Loupe must not be running).

    bench/load_tasks.py DATA_DIR N

Run `loupe db migrate --data-dir DATA_DIR` first. Rows are inserted in one transaction with a recursive CTE:
status 'success', expires_at one week ahead, not deleted, owners spread over projects p, q, r, s, created_at one
millisecond apart (the newest is now). Ids are deterministic UUIDs, 00000000-0000-4000-8000-<n as 12 hex digits>
for n = 1..N, so a benchmark can GET a known task (`task_id(n)`). Prints the load time.
"""
import os
import sqlite3
import sys
import time


def task_id(n):
    return f"00000000-0000-4000-8000-{n:012x}"


def load(data_dir, count):
    path = os.path.join(data_dir, "loupe.db")
    if not os.path.exists(path):
        sys.exit(f"{path} does not exist: run 'loupe db migrate --data-dir {data_dir}' first")
    now = int(time.time() * 1_000_000)
    started = time.monotonic()
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA synchronous = OFF")
    db.execute("PRAGMA cache_size = -262144")
    db.execute("BEGIN")
    cte = "WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < :count) "
    db.execute(
        "INSERT INTO tasks (id, type, status, owner, expires_at, created_at, updated_at, deleted_at, deleted,"
        " image_id, request_id, user_id, attempts, version, lease_owner, lease_expires_at, input, result, message) "
        + cte +
        "SELECT printf('00000000-0000-4000-8000-%012x', n), 'import', 'success',"
        " substr('pqrs', (n % 4) + 1, 1),"
        " :now + 604800000000, :now - (:count - n) * 1000, :now - (:count - n) * 1000 + 500, NULL, FALSE,"
        " NULL, printf('req-bench-%d', n), 'bench', 1, 2, NULL, NULL,"
        " '{\"import_from\":\"http://example.com/x\",\"import_from_format\":\"raw\",\"image_properties\":{}}',"
        " printf('{\"image_id\":\"11111111-0000-4000-8000-%012x\"}', n), '' FROM seq",
        {"count": count, "now": now})
    db.execute("COMMIT")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return time.monotonic() - started


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    count = int(float(sys.argv[2]))
    elapsed = load(sys.argv[1], count)
    print(f"loaded {count} tasks in {elapsed:.1f} s")


if __name__ == "__main__":
    main()
