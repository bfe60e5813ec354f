-- POST /v2/tasks with a valid import body. The source is on loopback (port 9, nothing listens) so that a worker
-- running the task never leaves the machine; api.sh allows that host and port in the import filter.
wrk.method = "POST"
wrk.headers["X-Identity-Status"] = "Confirmed"
wrk.headers["X-Project-Id"] = "p"
wrk.headers["X-User-Id"] = "bench"
wrk.headers["X-Roles"] = "admin"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"type":"import","input":{"import_from":"http://127.0.0.1:9/bench.raw",'
  .. '"import_from_format":"raw","image_properties":{}}}'
