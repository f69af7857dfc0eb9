-- http-auth: ask an HTTP service whether a login is good.
--
-- Usage: luaftpd -scripts examples/http-auth
--
-- The service's address is the first line of data/auth-url.txt. For each
-- login the script POSTs JSON to it:
--   {"user": "alice", "password": "...", "remote_ip": "203.0.113.7", "tls": true}
-- and reads the answer:
--   200 with {"root": "/alice", "home": "/inbox", "readonly": false}: the login
--       is accepted (every field is optional; root defaults to the whole tree);
--   401 or 403: the login is refused;
--   404: the service does not know the user: the next provider is asked (the
--       users of -user and -users);
--   anything else, a broken answer, or no answer within 3 seconds: the login
--       is refused with "Authentication service unavailable", and logged.
-- Use https:// for anything but a service on the same machine: the password
-- travels in the request body.

local file = require("file")
local http = require("http")
local json = require("json")
local log = require("log")

local URL = (file.read("auth-url.txt") or ""):match("^%s*([^\r\n]*)")
if URL == "" then
  error("data/auth-url.txt must hold the authentication service's URL")
end

local UNAVAILABLE = "Authentication service unavailable, try again later."

-- account turns the service's 200 answer into what ftp.auth returns.
local function account(body)
  local a, err = json.decode(body)
  if type(a) ~= "table" then
    return nil, err or "the answer is not a JSON object"
  end
  return { root = a.root, home = a.home, readonly = a.readonly == true }
end

ftp.auth(function(user, password, session)
  local res, err = http.post(URL, json.encode({
    user = user, password = password, remote_ip = session.remote_ip, tls = session.tls,
  }), { headers = { ["Content-Type"] = "application/json" }, timeout = 3 })
  if not res then
    log.error("authentication service unreachable", { err = err, user = user })
    return ftp.deny(530, UNAVAILABLE)
  end
  if res.status == 200 then
    local acct, derr = account(res.body)
    if acct then return acct end
    log.error("authentication service answered nonsense", { err = derr, user = user })
    return ftp.deny(530, UNAVAILABLE)
  elseif res.status == 401 or res.status == 403 then
    return false
  elseif res.status == 404 then
    return nil
  end
  log.error("authentication service failed", { status = res.status, user = user })
  return ftp.deny(530, UNAVAILABLE)
end)
