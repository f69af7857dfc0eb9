-- upload-filter: refuse executables, hold big uploads for review.
--
-- Usage: luaftpd -scripts examples/upload-filter
--
-- 1. A file name ending in one of BLOCKED (any case; trailing dots and spaces,
--    which Windows drops, do not help) cannot be uploaded with STOR or APPE,
--    nor made by renaming: the client gets "553".
-- 2. An upload larger than QUARANTINE_BYTES is kept but held: RETR and RNFR of
--    it get "550" until someone in ADMINS releases it with
--    "SITE RELEASE /path", or it is replaced by a small upload or deleted.
--    The holds live in kv: kept across reloads, lost on restart.

local kv = require("kv")
local log = require("log")

local BLOCKED = { exe = true, com = true, bat = true, cmd = true, scr = true,
                  msi = true, dll = true, ps1 = true, vbs = true }
local QUARANTINE_BYTES = 8 * 1024 * 1024
local ADMINS = { admin = true }

local function blocked(path)
  local ext = path:lower():gsub("[%. ]+$", ""):match("%.([^./]+)$")
  return ext ~= nil and BLOCKED[ext] == true
end

local function refuse_blocked(ev)
  if blocked(ev.path) then
    return ftp.deny(553, "Files of this type are not accepted here.")
  end
end
ftp.before("STOR", refuse_blocked)
ftp.before("APPE", refuse_blocked)
ftp.before("RNTO", refuse_blocked)

-- hold_key names a file for kv: users with different roots may use the same
-- path for different files.
local function hold_key(session, path)
  return "held:" .. session.root:gsub("/$", "") .. path
end

ftp.on("upload", function(ev)
  if not ev.ok then return end
  local key = hold_key(ev.session, ev.path)
  if ev.bytes > QUARANTINE_BYTES then
    kv.set(key, true)
    log.warn("upload held for review", { path = ev.path, bytes = ev.bytes, user = ev.session.user })
  else
    kv.delete(key)
  end
end)

local function refuse_held(ev)
  if kv.get(hold_key(ev.session, ev.path)) then
    return ftp.deny(550, "This file is held for review.")
  end
end
ftp.before("RETR", refuse_held)
ftp.before("RNFR", refuse_held)

ftp.after("DELE", function(ev, result)
  if result.code == 250 then kv.delete(hold_key(ev.session, result.path)) end
end)

ftp.site("RELEASE", function(ev)
  local s = ev.session
  if not ADMINS[s.user] then
    return ftp.reply(550, "Only an administrator may release files.")
  end
  local path = ev.arg
  if path:sub(1, 1) ~= "/" then path = s.cwd:gsub("/$", "") .. "/" .. path end
  local key = hold_key(s, path)
  if not kv.get(key) then
    return ftp.reply(550, "That file is not held.")
  end
  kv.delete(key)
  log.info("upload released", { path = path, by = s.user })
  return ftp.reply(200, "Released.")
end, { help = "RELEASE path: let a held upload be downloaded" })
