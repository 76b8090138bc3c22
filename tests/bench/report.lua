-- wrk's script for `make bench` (tests/bench/run.py): connect to 127.0.0.1
-- while the URL keeps `localhost`, which Caddy's certificate and TLS's SNI
-- need, and end with one JSON line for run.py to read.

function setup(thread)
    thread.addr = wrk.lookup("127.0.0.1", wrk.port)[1]
end

function done(summary, latency, requests)
    local errors = summary.errors
    io.write(string.format(
        'BENCH {"requests": %d, "seconds": %.3f, "p50_ms": %.3f, "p99_ms": %.3f, '
            .. '"socket_errors": %d, "bad_statuses": %d}\n',
        summary.requests, summary.duration / 1e6,
        latency:percentile(50) / 1000, latency:percentile(99) / 1000,
        errors.connect + errors.read + errors.write + errors.timeout, errors.status
    ))
end
