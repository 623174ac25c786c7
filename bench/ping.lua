-- The ceiling: GET /ping, plain text from the same binary, no database.
local bench = dofile((os.getenv("BENCH_LUA_DIR") or "bench") .. "/common.lua")

wrk.method = "GET"
wrk.path = "/ping"

function done(summary, latency, requests)
  bench.report(summary, latency)
end
