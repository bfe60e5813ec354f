-- A mixed load for bench/mixed.sh: each request is, at random, a create (POST /v2/tasks, BENCH_CREATE_PCT percent,
-- default 10), a show of one of the loaded tasks 1..BENCH_TASKS (BENCH_SHOW_PCT, default 60), or a page of the
-- list (the rest): the first page, or the page after a random loaded task as marker, 20 tasks each. Counts of each
-- kind and of non-2xx answers are printed at the end as "mixed: create N show N list N non2xx N".
local n = tonumber(os.getenv("BENCH_TASKS") or "1000")
local create_pct = tonumber(os.getenv("BENCH_CREATE_PCT") or "10")
local show_pct = tonumber(os.getenv("BENCH_SHOW_PCT") or "60")
local body = '{"type":"import","input":{"import_from":"http://127.0.0.1:9/bench.raw",'
  .. '"import_from_format":"raw","image_properties":{}}}'
local threads = {}

wrk.headers["X-Identity-Status"] = "Confirmed"
wrk.headers["X-Project-Id"] = "p"
wrk.headers["X-User-Id"] = "bench"
wrk.headers["X-Roles"] = "admin"
-- wrk.format takes the headers given instead of wrk.headers, not besides them.
local post_headers = {["Content-Type"] = "application/json"}
for k, v in pairs(wrk.headers) do
  post_headers[k] = v
end

function setup(thread)
  thread:set("seed", math.random(1, 1000000))
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(seed or os.time())
  creates, shows, lists, non2xx = 0, 0, 0, 0
end

local function task_id(i)
  return string.format("00000000-0000-4000-8000-%012x", i)
end

function request()
  local r = math.random(1, 100)
  if r <= create_pct then
    creates = creates + 1
    return wrk.format("POST", "/v2/tasks", post_headers, body)
  elseif r <= create_pct + show_pct then
    shows = shows + 1
    return wrk.format("GET", "/v2/tasks/" .. task_id(math.random(1, n)))
  else
    lists = lists + 1
    if math.random(1, 2) == 1 then
      return wrk.format("GET", "/v2/tasks?limit=20")
    end
    return wrk.format("GET", "/v2/tasks?limit=20&marker=" .. task_id(math.random(1, n)))
  end
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
  end
end

function done(summary, latency, requests)
  local c, s, l, e = 0, 0, 0, 0
  for _, t in ipairs(threads) do
    c = c + t:get("creates")
    s = s + t:get("shows")
    l = l + t:get("lists")
    e = e + t:get("non2xx")
  end
  io.write(string.format("mixed: create %d show %d list %d non2xx %d\n", c, s, l, e))
end
