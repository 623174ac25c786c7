-- Office: statistics computed anew, GET /api/statistics?… as bench-office
-- (BENCH_TOKEN), each request a path at random from BENCH_PATHS (one kind of
-- scope per file; bench/run writes them).
local bench = dofile((os.getenv("BENCH_LUA_DIR") or "bench") .. "/common.lua")

local paths, auth

function init(args)
  paths = bench.lines(bench.env("BENCH_PATHS"))
  auth = "Bearer " .. bench.env("BENCH_TOKEN")
  bench.seed_random()
end

function request()
  return wrk.format("GET", paths[math.random(#paths)], { ["Authorization"] = auth, ["Accept-Encoding"] = "gzip" })
end

function done(summary, latency, requests)
  bench.report(summary, latency)
end
