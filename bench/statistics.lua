-- Office: the statistics of a whole session, every breakdown the API offers,
-- GET /api/statistics?session_id=… as bench-office (BENCH_TOKEN), sessions
-- taken at random from BENCH_SESSIONS.
local bench = dofile((os.getenv("BENCH_LUA_DIR") or "bench") .. "/common.lua")

local sessions, auth

function init(args)
  sessions = bench.lines(bench.env("BENCH_SESSIONS"))
  auth = "Bearer " .. bench.env("BENCH_TOKEN")
  bench.seed_random()
end

function request()
  local path = "/api/statistics?session_id=" .. sessions[math.random(#sessions)]
  return wrk.format("GET", path, { ["Authorization"] = auth })
end

function done(summary, latency, requests)
  bench.report(summary, latency)
end
