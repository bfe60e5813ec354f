"""Reads a subunit v2 stream (stdin) and prints one JSON object a line per test: id, status, reason, traceback.

Used by dev.loupe.clients.TempestIT on `stestr last --subunit`. Statuses are subunit's: success, fail, skip,
xfail, uxsuccess (and exists/inprogress for tests that never ended). A class whose setUpClass failed appears
as one test whose id starts with "setUpClass (".
"""
import json
import sys

import subunit
import testtools


def main():
    stream = subunit.ByteStreamToStreamResult(sys.stdin.buffer, non_subunit_name="stdout")
    tests = []
    result = testtools.StreamToDict(tests.append)
    result.startTestRun()
    try:
        stream.run(result)
    finally:
        result.stopTestRun()
    for test in tests:
        details = test["details"]

        def text(name):
            content = details.get(name)
            if content is None:
                return ""
            return "".join(chunk.decode("utf-8", "replace") if isinstance(chunk, bytes) else chunk
                           for chunk in content.iter_bytes())

        print(json.dumps({
            "id": test["id"],
            "status": test["status"],
            "reason": text("reason"),
            "traceback": text("traceback"),
        }))


if __name__ == "__main__":
    main()
