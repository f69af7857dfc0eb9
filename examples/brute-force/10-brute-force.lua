-- brute-force: shut out an address after too many failed logins.
--
-- Usage: luaftpd -scripts examples/brute-force
--
-- Every failed login counts against the client's address. Once an address
-- reaches MAX_FAILURES, new connections from it get "421" before the banner,
-- and a PASS on a connection it already holds is refused. The count is
-- forgotten BLOCK_SECONDS after the last attempt: each refused connection or
-- PASS starts the time again, so an address that keeps trying stays shut out. A successful login does not clear the count: one
-- known account must not give a guesser a fresh start.
--
-- The counts live in kv, shared by every session (and by every script), kept
-- across reloads, lost on restart.

local kv = require("kv")
local log = require("log")

local MAX_FAILURES = 5
local BLOCK_SECONDS = 15 * 60

local function key(session)
  return "brute-force:" .. session.remote_ip
end

-- blocked reports whether the address is shut out, and if so counts this
-- attempt too, which restarts the time.
local function blocked(session)
  local k = key(session)
  local n = kv.get(k)
  if n == nil or n < MAX_FAILURES then
    return false
  end
  kv.incr(k, 1, BLOCK_SECONDS)
  return true
end

ftp.on("login_failed", function(ev)
  local n = kv.incr(key(ev.session), 1, BLOCK_SECONDS)
  if n == MAX_FAILURES then
    log.warn("address blocked after failed logins", { remote = ev.session.remote_ip, failures = n })
  end
end)

ftp.on("connect", function(ev)
  if blocked(ev.session) then
    return ftp.deny(421, "Too many failed logins from your address; try again later.")
  end
end)

ftp.before("PASS", function(ev)
  if blocked(ev.session) then
    return ftp.deny(530, "Too many failed logins from your address; try again later.")
  end
end)
