-- Shared by the wrk scripts of bench/run (loaded with dofile; see docs/performance.md).
-- Inputs come from environment variables so that every wrk thread reads the same ones.

local M = {}

-- The value of an environment variable that must be set.
function M.env(name)
  local value = os.getenv(name)
  if value == nil or value == "" then
    error(name .. " is not set (bench/run sets it)")
  end
  return value
end

-- The non-empty lines of a file.
function M.lines(path)
  local out = {}
  local file = assert(io.open(path, "r"), "cannot read " .. path)
  for line in file:lines() do
    line = line:gsub("%s+$", "")
    if line ~= "" then
      out[#out + 1] = line
    end
  end
  file:close()
  if #out == 0 then
    error(path .. " is empty")
  end
  return out
end

-- Percent-encoding for query values (Chinese words are UTF-8 bytes).
function M.urlencode(text)
  return (text:gsub("[^%w%-%._~]", function(c)
    return string.format("%%%02X", string.byte(c))
  end))
end

-- A different random sequence in every thread.
function M.seed_random()
  local salt = tonumber(tostring({}):match("0x(%x+)"), 16) or 0
  math.randomseed(os.time() + salt % 100000)
end

-- One machine-readable line for bench/run. errors counts every failed
-- request: socket errors (connect, read, write, timeout) and answers with a
-- status of 400 or more (wrk's "Non-2xx or 3xx responses").
function M.report(summary, latency, extra)
  local e = summary.errors
  local socket = e.connect + e.read + e.write + e.timeout
  local line = string.format(
    "RESULT requests=%d duration_us=%d p50_us=%d p95_us=%d p99_us=%d max_us=%d errors=%d status_errors=%d socket_errors=%d",
    summary.requests, summary.duration,
    math.floor(latency:percentile(50)), math.floor(latency:percentile(95)),
    math.floor(latency:percentile(99)), math.floor(latency.max),
    socket + e.status, e.status, socket)
  if extra then
    line = line .. " " .. extra
  end
  io.write(line .. "\n")
end

return M
