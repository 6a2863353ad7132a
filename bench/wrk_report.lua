-- wrk's summary as one line of JSON (bench/load.py reads it): requests, seconds, errors, p50 and p95 in ms.
-- Any answer other than 2xx/3xx counts as an error (wrk's "status" errors).
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "seconds": %.6f, "errors": %d, "p50": %.3f, "p95": %.3f}\n',
    summary.requests, summary.duration / 1e6, e.connect + e.read + e.write + e.status + e.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000))
end
