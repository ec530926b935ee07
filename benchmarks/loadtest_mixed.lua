-- wrk script of benchmarks/loadtest_mixed.py: send a fixed mix of raw
-- requests in rotation and count the responses per kind and status.
--
-- Usage (loadtest_mixed.py builds the file and runs this):
--   wrk -s loadtest_mixed.lua URL -- MIXFILE
-- MIXFILE holds records "KIND LENGTH\n" followed by LENGTH bytes: one raw
-- HTTP/1.1 request each. The requests carry an X-Mix-Kind header that the
-- app echoes, so a response is counted under its request's kind whichever
-- connection it came back on. done() prints one line per kind and status:
--   MIX <kind> <status> <count>

local requests = {}
local position = 0
-- Global: done() reads it from every thread with thread:get("counts").
counts = {}

local threads = {}

function setup(thread)
   table.insert(threads, thread)
   thread:set("offset", #threads - 1)
end

function init(args)
   local file = assert(io.open(args[1], "rb"))
   while true do
      local header = file:read("*l")
      if header == nil or header == "" then
         break
      end
      local kind, length = header:match("^(%S+) (%d+)$")
      assert(kind, "bad record header: " .. header)
      table.insert(requests, file:read(tonumber(length)))
   end
   file:close()
   assert(#requests > 0, "no requests in " .. args[1])
   -- Threads start at different places of the mix.
   position = ((offset or 0) * 5) % #requests
end

function request()
   position = position % #requests + 1
   return requests[position]
end

function response(status, headers, body)
   local kind = headers["X-Mix-Kind"] or headers["x-mix-kind"] or "unlabelled"
   local key = kind .. " " .. status
   counts[key] = (counts[key] or 0) + 1
end

function done(summary, latency, requests)
   local total = {}
   for _, thread in ipairs(threads) do
      for key, n in pairs(thread:get("counts")) do
         total[key] = (total[key] or 0) + n
      end
   end
   for key, n in pairs(total) do
      io.write(string.format("MIX %s %d\n", key, n))
   end
end
