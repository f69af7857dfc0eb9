-- upload-filter: refuse executables, hold big uploads for review.
--
-- Usage: luaftpd -scripts examples/upload-filter
--
-- 1. A file name ending in one of BLOCKED (any case; trailing dots and spaces,
--    which Windows drops, do not help) cannot be uploaded with STOR or APPE,
--    nor made by renaming: the client gets "553".
-- 2. An upload that moves more than QUARANTINE_BYTES is stored but held, and
--    so is one that adds to a file (APPE, or STOR after REST), since a script
--    cannot see how big the whole file now is. RETR of a held file gets "550"
--    until someone in ADMINS releases it with "SITE RELEASE path", or it is
--    deleted. While any file is held, only ADMINS may rename (RNFR), so that
--    nothing held can be moved away from its hold, alone or with its folder.
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

-- held_key names a file for kv by its place in the whole tree: users with
-- different roots see the same file under different paths.
local function held_key(session, path)
  return "held:" .. session.root:gsub("/$", "") .. path
end

local function hold(session, path, bytes)
  local key = held_key(session, path)
  if kv.get(key) then return end
  kv.set(key, true)
  kv.incr("held_count", 1)
  log.warn("upload held for review", { path = path, bytes = bytes, user = session.user })
end

local function unhold(session, path)
  local key = held_key(session, path)
  if not kv.get(key) then return false end
  kv.delete(key)
  kv.incr("held_count", -1)
  return true
end

-- A REST before STOR makes the upload continue a file.
ftp.after("REST", function(ev, result)
  if result.code == 350 then ev.session:set("resuming", true) end
end)
ftp.on("download", function(ev) ev.session:set("resuming", false) end)

ftp.on("upload", function(ev)
  local s = ev.session
  local piece = ev.command == "APPE" or s:get("resuming")
  s:set("resuming", false)
  -- A failed STOR leaves the old file in place; a failed piece may have
  -- added some bytes all the same.
  if (ev.ok or piece) and (piece or ev.bytes > QUARANTINE_BYTES) then
    hold(s, ev.path, ev.bytes)
  end
end)

ftp.before("RETR", function(ev)
  if kv.get(held_key(ev.session, ev.path)) then
    return ftp.deny(550, "This file is held for review.")
  end
end)

ftp.before("RNFR", function(ev)
  if not ADMINS[ev.session.user] and (kv.get("held_count") or 0) > 0 then
    return ftp.deny(550, "Renaming is disabled while uploads await review.")
  end
end)

ftp.after("DELE", function(ev, result)
  if result.code == 250 then unhold(ev.session, result.path) end
end)

ftp.site("RELEASE", function(ev)
  local s = ev.session
  if not ADMINS[s.user] then
    return ftp.reply(550, "Only an administrator may release files.")
  end
  local path = ev.arg
  if path:sub(1, 1) ~= "/" then path = s.cwd:gsub("/$", "") .. "/" .. path end
  if not unhold(s, path) then
    return ftp.reply(550, "That file is not held.")
  end
  log.info("upload released", { path = path, by = s.user })
  return ftp.reply(200, "Released.")
end, { help = "RELEASE path: let a held upload be downloaded" })
