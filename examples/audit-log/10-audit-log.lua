-- audit-log: one log line per command, and upload totals per user.
--
-- Usage: luaftpd -scripts examples/audit-log -log-format json
--
-- After every command's reply, the server log gets an "audit" line with the
-- user, the client's address, the command, the path it acted on, the reply
-- code, the bytes moved, the seconds taken, and what went wrong if anything.
-- Passwords never appear: PASS reaches scripts without its argument.
--
-- Each finished upload also counts in kv, per user: "audit:NAME:uploads",
-- "audit:NAME:upload_bytes", and "audit:NAME:last_upload" (its path), for
-- other scripts to read (a quota, a SITE verb).

local kv = require("kv")
local log = require("log")

ftp.after("*", function(ev, result)
  local s = ev.session
  log.info("audit", {
    user = s.user or "-",
    remote = s.remote_ip,
    cmd = ev.command,
    path = result.path ~= "" and result.path or nil,
    code = result.code,
    bytes = result.bytes,
    seconds = result.seconds,
    err = result.error,
  })
end)

ftp.on("upload", function(ev)
  if not ev.ok then return end
  local prefix = "audit:" .. ev.session.user .. ":"
  kv.incr(prefix .. "uploads", 1)
  kv.incr(prefix .. "upload_bytes", ev.bytes)
  kv.set(prefix .. "last_upload", ev.path)
end)
