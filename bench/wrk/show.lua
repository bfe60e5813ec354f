-- GET /v2/tasks/{id} on a random one of the bench tasks 1..BENCH_TASKS (ids from bench/load_tasks.py), so the
-- whole table is read rather than one cached row.
local n = tonumber(os.getenv("BENCH_TASKS") or "1000")
wrk.headers["X-Identity-Status"] = "Confirmed"
wrk.headers["X-Project-Id"] = "p"
wrk.headers["X-User-Id"] = "bench"
wrk.headers["X-Roles"] = "admin"

function setup(thread)
  thread:set("seed", math.random(1, 1000000))
end

function init(args)
  math.randomseed(seed or os.time())
end

function request()
  return wrk.format("GET", string.format("/v2/tasks/00000000-0000-4000-8000-%012x", math.random(1, n)))
end
