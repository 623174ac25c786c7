-- An authenticated write: bench-writer (BENCH_TOKEN) submits its drafts,
-- POST /api/proposals/{id}/submit {"version":1}: a state change with its
-- audit event and outbox row, durable. Each draft is submitted once: thread n
-- of BENCH_THREADS takes every BENCH_THREADS-th id from BENCH_DRAFT_IDS. A
-- thread that runs out repeats its last id (409, counted as an error) and
-- reports it as exhausted; bench/run then asks for more drafts.
local bench = dofile((os.getenv("BENCH_LUA_DIR") or "bench") .. "/common.lua")

local threads = {}
local next_thread = 0

function setup(thread)
  thread:set("thread_index", next_thread)
  next_thread = next_thread + 1
  threads[#threads + 1] = thread
end

local mine = {}
local position = 0
local headers
local body = '{"version":1}'
exhausted = 0

function init(args)
  local count = tonumber(os.getenv("BENCH_THREADS") or "2")
  local index = thread_index or 0
  for i, id in ipairs(bench.lines(bench.env("BENCH_DRAFT_IDS"))) do
    if (i - 1) % count == index then
      mine[#mine + 1] = id
    end
  end
  headers = {
    ["Authorization"] = "Bearer " .. bench.env("BENCH_TOKEN"),
    ["Content-Type"] = "application/json",
    ["Accept-Encoding"] = "gzip",
  }
end

function request()
  position = position + 1
  if position > #mine then
    exhausted = exhausted + 1
    position = #mine
  end
  return wrk.format("POST", "/api/proposals/" .. mine[position] .. "/submit", headers, body)
end

function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do
    total = total + (thread:get("exhausted") or 0)
  end
  bench.report(summary, latency, "exhausted=" .. total)
end
