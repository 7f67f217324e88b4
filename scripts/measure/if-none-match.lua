-- wrk script for scripts/measure/load.sh: sends `If-None-Match: $ETAG` when ETAG is set (the
-- bindings endpoint then answers 304), and prints one machine-readable RESULT line at the end.
local etag = os.getenv("ETAG")
if etag and etag ~= "" then
   wrk.headers["If-None-Match"] = etag
end

function done(summary, latency, requests)
   local seconds = summary.duration / 1e6
   local e = summary.errors
   io.write(string.format(
      "RESULT requests=%d rps=%.0f p50_us=%d p99_us=%d max_us=%d errors=%d non2xx3xx=%d\n",
      summary.requests, summary.requests / seconds, latency:percentile(50), latency:percentile(99),
      latency.max, e.connect + e.read + e.write + e.timeout, e.status))
end
