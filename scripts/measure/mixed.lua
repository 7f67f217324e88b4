-- wrk script for scripts/measure/mixed-load.sh and soak.sh: a mixed load on the read API and
-- the JSON API's bind, one request in 20 an edit. Each thread cycles through 20 requests:
--   1 edit      POST /api/v1/envs/$EDIT_ENV/bindings/bind, If-Match: the version this thread
--               last saw of that environment, which another connection may since have changed:
--               200 (written) or 412 (stale), both expected
--   4 resolve   GET /v1/envs/$READ_ENV/resolve?model=M, M cycling through $MODELS
--  15 304 path  GET /v1/envs/$READ_ENV/inference.txt, If-None-Match: $READ_ETAG
-- Edits go to their own environment so that the 304 path stays a 304, as it is for an app
-- polling an environment nobody is editing. Each edit binds $EDIT_MODEL to the next of two
-- profiles, so a written edit changes the file and records a history entry.
--
-- Environment: READ_ENV READ_ETAG EDIT_ENV EDIT_VERSION EDIT_MODEL MODELS (comma-separated),
-- PACE_MS (optional: milliseconds a connection waits before each request, fractional, to
-- hold a rate; wrk has no rate option), NO_EDITS=1 (optional: a 304 read in each edit's
-- place, to tell what the edits cost). Prints one RESULT line at the end.

local read_env = os.getenv("READ_ENV")
local read_etag = os.getenv("READ_ETAG")
local edit_env = os.getenv("EDIT_ENV")
local edit_model = os.getenv("EDIT_MODEL")
local pace_ms = tonumber(os.getenv("PACE_MS") or "0") or 0
local edits = os.getenv("NO_EDITS") ~= "1"
local profiles = { "us." .. edit_model, "eu." .. edit_model }
local models = {}
for model in string.gmatch(os.getenv("MODELS") or "", "[^,]+") do
   models[#models + 1] = model
end

local read_path = "/v1/envs/" .. read_env .. "/inference.txt"
local resolve_path = "/v1/envs/" .. read_env .. "/resolve?model="
local bind_path = "/api/v1/envs/" .. edit_env .. "/bindings/bind"

-- Per thread (each wrk thread runs its own copy of this script): what it sent and what came
-- back, read by done() through thread:get.
version = os.getenv("EDIT_VERSION")
sent = 0
sent_edit, sent_resolve, sent_read = 0, 0, 0
got_304, got_read_200, got_resolve_200, got_edit_200, got_412, got_other = 0, 0, 0, 0, 0, 0
other_statuses = ""
local pace_carry = 0

function request()
   local slot = sent % 20
   sent = sent + 1
   if slot == 0 and edits then
      sent_edit = sent_edit + 1
      local profile = profiles[(sent_edit % 2) + 1]
      local body = string.format('{"model":"%s","profile":"%s"}', edit_model, profile)
      return wrk.format("POST", bind_path,
         { ["If-Match"] = '"' .. version .. '"', ["Content-Type"] = "application/json" }, body)
   elseif slot <= 4 then
      sent_resolve = sent_resolve + 1
      return wrk.format("GET", resolve_path .. models[(sent_resolve % #models) + 1])
   else
      sent_read = sent_read + 1
      return wrk.format("GET", read_path, { ["If-None-Match"] = read_etag })
   end
end

-- A header by name, whatever its case on the wire.
local function header(headers, name)
   for key, value in pairs(headers) do
      if string.lower(key) == name then
         return value
      end
   end
   return nil
end

-- Which request a response answers is told by its status and headers: wrk does not say.
-- 412 and a JSON 200 with an ETag answer an edit; a text 200 a read that missed its 304;
-- any other 200 a resolve.
function response(status, headers, body)
   if status == 304 then
      got_304 = got_304 + 1
   elseif status == 412 then
      got_412 = got_412 + 1
      local current = string.match(body, '"current_version":"([0-9a-f]+)"')
      if current then
         version = current
      end
   elseif status == 200 then
      local etag = header(headers, "etag")
      local kind = header(headers, "content-type") or ""
      if etag and string.find(kind, "json", 1, true) then
         got_edit_200 = got_edit_200 + 1
         version = string.match(etag, '"([^"]+)"') or version
      elseif string.find(kind, "text/plain", 1, true) then
         got_read_200 = got_read_200 + 1
         read_etag = etag or read_etag
      else
         got_resolve_200 = got_resolve_200 + 1
      end
   else
      got_other = got_other + 1
      if #other_statuses < 200 then
         other_statuses = other_statuses .. status .. ":" .. string.sub(body, 1, 80) .. "|"
      end
   end
end

if pace_ms > 0 then
   -- wrk waits a whole number of milliseconds; carrying the fraction over keeps the mean
   -- wait at PACE_MS.
   function delay()
      pace_carry = pace_carry + pace_ms
      local wait = math.floor(pace_carry)
      pace_carry = pace_carry - wait
      return wait
   end
end

local threads = {}

function setup(thread)
   threads[#threads + 1] = thread
end

local counters = { "sent_edit", "sent_resolve", "sent_read", "got_304", "got_read_200", "got_resolve_200",
   "got_edit_200", "got_412", "got_other" }

function done(summary, latency, requests)
   local total = {}
   local others = ""
   for _, name in ipairs(counters) do
      total[name] = 0
   end
   for _, thread in ipairs(threads) do
      for _, name in ipairs(counters) do
         total[name] = total[name] + thread:get(name)
      end
      others = others .. thread:get("other_statuses")
   end
   local seconds = summary.duration / 1e6
   local e = summary.errors
   io.write(string.format(
      "RESULT requests=%d rps=%.0f p50_us=%d p99_us=%d max_us=%d socket_errors=%d " ..
      "sent_read=%d sent_resolve=%d sent_edit=%d read_304=%d read_200=%d resolve_200=%d " ..
      "edit_200=%d edit_412=%d other=%d\n",
      summary.requests, summary.requests / seconds, latency:percentile(50), latency:percentile(99),
      latency.max, e.connect + e.read + e.write + e.timeout,
      total.sent_read, total.sent_resolve, total.sent_edit, total.got_304, total.got_read_200,
      total.got_resolve_200, total.got_edit_200, total.got_412, total.got_other))
   if others ~= "" then
      io.write("OTHER " .. others .. "\n")
   end
end
