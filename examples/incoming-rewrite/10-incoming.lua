-- incoming-rewrite: give every user a private /incoming drop box.
--
-- Usage: luaftpd -scripts examples/incoming-rewrite
--
-- Users share one tree, but /incoming is private: whatever a user does at
-- /incoming or under it happens in /incoming/NAME, NAME being the user's
-- name. alice's "STOR /incoming/report.pdf" stores /incoming/alice/report.pdf,
-- and her "LIST /incoming" lists /incoming/alice; other users' drop boxes
-- cannot be named at all. Every command that names a path goes through here,
-- RNFR/RNTO, DELE, MLST and the rest, so there is no way around it.
--
-- The drop boxes must exist: make /incoming/NAME for every user.
-- After "CWD /incoming", PWD shows /incoming/NAME, the folder really used.

local PREFIX = "/incoming"

ftp.before("*", function(ev)
  local p, user = ev.path, ev.session.user
  if p == nil or p == "" or user == nil then
    return
  end
  local rest
  if p == PREFIX then
    rest = ""
  elseif p:sub(1, #PREFIX + 1) == PREFIX .. "/" then
    rest = p:sub(#PREFIX + 1)
  else
    return
  end
  if user:find("/", 1, true) or user == "." or user == ".." then
    -- such a name would make a box path that leads somewhere else
    return ftp.deny(550, "No drop box for this user name.")
  end
  local box = PREFIX .. "/" .. user
  if p == box or p:sub(1, #box + 1) == box .. "/" then
    return -- already in the user's own box: a path from PWD, say
  end
  ev.path = box .. rest
end)
