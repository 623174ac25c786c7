-- Public: one published proposal with its reply, GET /api/public/proposals/{id},
-- spread at random over every published proposal (BENCH_PUBLISHED_IDS); with
-- BENCH_PAGES=1 the same as the public page, GET /public/proposals/{id}.
local bench = dofile((os.getenv("BENCH_LUA_DIR") or "bench") .. "/common.lua")

local ids

function init(args)
  ids = bench.lines(bench.env("BENCH_PUBLISHED_IDS"))
  bench.seed_random()
end

function request()
  local id = ids[math.random(#ids)]
  local prefix = os.getenv("BENCH_PAGES") == "1" and "/public/proposals/" or "/api/public/proposals/"
  return wrk.format("GET", prefix .. id)
end

function done(summary, latency, requests)
  bench.report(summary, latency)
end
