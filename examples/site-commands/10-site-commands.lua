-- site-commands: a SITE verb and a whole new command.
--
-- Usage: luaftpd -scripts examples/site-commands
--
-- SITE WHO   answers who you are, from where, over what, and how many users
--            are logged in on the server right now.
-- XSTATS     sends your transfer totals (uploads, downloads, bytes) over a
--            data connection, like LIST: prepare one with PASV or EPSV first.
--            FEAT lists it and HELP describes it.
--
-- The figures live in kv: shared by every session, kept across reloads, lost
-- on restart.

local kv = require("kv")

-- Count the sessions that are logged in; REIN and a second login must not
-- count one session twice. The low priority runs this after every login
-- handler that might still refuse the login.
ftp.on("login", function(ev)
  if not ev.session:get("online") then
    ev.session:set("online", true)
    kv.incr("online", 1)
  end
end, { priority = -100 })

ftp.on("disconnect", function(ev)
  if ev.session:get("online") then
    kv.incr("online", -1)
  end
end)

ftp.site("WHO", function(ev)
  local s = ev.session
  return ftp.reply(200, {
    string.format("You are %s, from %s, over %s, in %s.", s.user, s.remote_ip,
      s.tls and "TLS" or "plain FTP", s.cwd),
    string.format("%d logged in now.", kv.get("online") or 0),
  })
end, { help = "WHO: who you are, and how many are logged in" })

local function count(user, what, bytes)
  kv.incr("stats:" .. user .. ":" .. what, 1)
  kv.incr("stats:" .. user .. ":" .. what .. "_bytes", bytes)
end

ftp.on("upload", function(ev)
  if ev.ok then count(ev.session.user, "uploads", ev.bytes) end
end)

ftp.on("download", function(ev)
  if ev.ok then count(ev.session.user, "downloads", ev.bytes) end
end)

ftp.command("XSTATS", function(ev)
  local lines = {}
  for _, what in ipairs({ "uploads", "uploads_bytes", "downloads", "downloads_bytes" }) do
    local n = kv.get("stats:" .. ev.session.user .. ":" .. what) or 0
    lines[#lines + 1] = string.format("%s %d\r\n", what, n)
  end
  -- ev:send answers 150 and 226 itself, or tells the client what failed.
  ev:send(table.concat(lines))
end, { feat = "XSTATS", help = "XSTATS: your transfer totals, over the data connection" })
