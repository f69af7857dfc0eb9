-- users-file: log users in from data/users.txt, each confined to their own root.
--
-- Usage: luaftpd -scripts examples/users-file -root /srv/ftp
--
-- data/users.txt has one user a line, "name:bcrypt-hash:root" (blank lines and
-- lines starting with # are skipped); the root is a folder under -root, and a
-- line without one gets /NAME. The folder must exist. `luaftpd passwd FILE NAME`
-- adds a user (append ":/root" by hand) or changes a password;
-- crypto.bcrypt_hash("password") makes a hash too.
-- The file is read on every login, so edits count at once, without a reload.
--
-- A name that is not in the file is not this script's: the next provider is
-- asked (another script, then the users of -user and -users). A name that is
-- there with a wrong password is refused outright.

local crypto = require("crypto")
local file = require("file")
local log = require("log")

-- lookup returns the hash and root of user, or nil when the file lacks them.
local function lookup(user)
  local lines, err = file.lines("users.txt")
  if not lines then
    log.error("cannot read the users file", { err = err })
    return nil
  end
  for line in lines do
    line = line:match("^%s*(.-)%s*$")
    if line ~= "" and line:sub(1, 1) ~= "#" then
      local name, hash, root = line:match("^([^:]+):([^:]+):?(.*)$")
      if name == user then
        if root == "" then root = "/" .. name end
        return hash, root
      end
    end
  end
  return nil
end

ftp.auth(function(user, password, session)
  local hash, root = lookup(user)
  if not hash then
    return nil
  end
  if not crypto.bcrypt_verify(hash, password) then
    log.info("wrong password", { user = user, remote = session.remote_ip })
    return false
  end
  return { root = root }
end)
