-- Public: a filtered list, 20 a page: session, sector and grade picked at
-- random from the seeded ones (BENCH_SESSIONS, BENCH_SECTORS), page 1 or 2;
-- with BENCH_PAGES=1 the same as the public page, GET /public?….
local bench = dofile((os.getenv("BENCH_LUA_DIR") or "bench") .. "/common.lua")

local sessions, sectors
local grades = { "A", "B", "C" }

function init(args)
  sessions = bench.lines(bench.env("BENCH_SESSIONS"))
  sectors = bench.lines(bench.env("BENCH_SECTORS"))
  bench.seed_random()
end

function request()
  local path = string.format(
    (os.getenv("BENCH_PAGES") == "1" and "/public?" or "/api/public/proposals?per_page=20&")
      .. "session_id=%s&sector_id=%s&grade=%s&page=%d",
    sessions[math.random(#sessions)], sectors[math.random(#sectors)],
    grades[math.random(#grades)], math.random(2))
  return wrk.format("GET", path)
end

function done(summary, latency, requests)
  bench.report(summary, latency)
end
