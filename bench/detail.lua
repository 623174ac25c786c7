-- Public: one published proposal with its reply, GET /api/public/proposals/{id},
-- spread at random over every published proposal (BENCH_PUBLISHED_IDS).
local bench = dofile((os.getenv("BENCH_LUA_DIR") or "bench") .. "/common.lua")

local ids

function init(args)
  ids = bench.lines(bench.env("BENCH_PUBLISHED_IDS"))
  bench.seed_random()
end

function request()
  local id = ids[math.random(#ids)]
  return wrk.format("GET", "/api/public/proposals/" .. id)
end

function done(summary, latency, requests)
  bench.report(summary, latency)
end
