-- wrk script of `make bench`. With no argument every request is GET /bench/ping/ (the trivial
-- view). With a file prefix, thread N (one connection each: run wrk with -t = -c) reads
-- <prefix>-N.txt, one request a line: "token<TAB>path<TAB>JSON body", and POSTs them in
-- order, so every client books its own distinct slots as its own residents.
-- done() prints one WRK_RESULT line of JSON that bench.py parses.

local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  statuses = {}
  requests = {}
  index = 0
  local prefix = args[1]
  if prefix == nil or prefix == "" then
    requests[1] = wrk.format("GET", "/bench/ping/")
    return
  end
  for line in io.lines(prefix .. "-" .. id .. ".txt") do
    local token, path, body = line:match("^([^\t]*)\t([^\t]*)\t(.*)$")
    requests[#requests + 1] = wrk.format("POST", path, {
      ["Authorization"] = "Token " .. token,
      ["Content-Type"] = "application/json",
    }, body)
  end
end

function request()
  index = index + 1
  if index > #requests then
    -- Out of prepared requests: repeats are refused (409) and show up as errors.
    index = 1
  end
  return requests[index]
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local totals = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      totals[status] = (totals[status] or 0) + count
    end
  end
  local parts = {}
  for status, count in pairs(totals) do
    parts[#parts + 1] = string.format('"%d": %d', status, count)
  end
  local errors = summary.errors
  io.write(string.format(
    'WRK_RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, '
      .. '"socket_errors": %d, "status": {%s}}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    errors.connect + errors.read + errors.write + errors.timeout, table.concat(parts, ", ")
  ))
end
