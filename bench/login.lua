-- The login storm: every connection signs in as bench-login again and again
-- (argon2id for each), POST /api/auth/login, while bench/run reads at the
-- same time. BENCH_LOGIN_USER / BENCH_LOGIN_PASSWORD.
local bench = dofile((os.getenv("BENCH_LUA_DIR") or "bench") .. "/common.lua")

function init(args)
  wrk.method = "POST"
  wrk.path = "/api/auth/login"
  wrk.headers["Content-Type"] = "application/json"
  wrk.body = string.format('{"username":"%s","password":"%s"}',
    bench.env("BENCH_LOGIN_USER"), bench.env("BENCH_LOGIN_PASSWORD"))
end

function done(summary, latency, requests)
  bench.report(summary, latency)
end
