-- wrk script for bench/serve-load.sh: POSTs the JSON post in $SERVE_BODY_FILE to /v1/predict and reports
-- requests/s, p50/p99 latency, 5xx answers and connection errors as one line.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  wrk.method = "POST"
  wrk.path = "/v1/predict"
  wrk.headers["Content-Type"] = "application/json"
  local file = assert(io.open(os.getenv("SERVE_BODY_FILE"), "rb"), "SERVE_BODY_FILE names the JSON body to send")
  wrk.body = file:read("*a")
  file:close()
  server_errors = 0
end

function response(status, headers, body)
  if status >= 500 then server_errors = server_errors + 1 end
end

function done(summary, latency, requests)
  local errors5xx = 0
  for _, thread in ipairs(threads) do errors5xx = errors5xx + (thread:get("server_errors") or 0) end
  local connection = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format("RESULT requests_per_second=%.1f p50_ms=%.2f p99_ms=%.2f requests=%d errors_5xx=%d connection_errors=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.requests, errors5xx, connection))
end
