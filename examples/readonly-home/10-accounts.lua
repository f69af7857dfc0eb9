-- readonly-home: accounts with their own root, start folder and mode.
--
-- Usage: luaftpd -scripts examples/readonly-home
--
-- ACCOUNTS below says, for each user, the bcrypt hash of the password, the
-- root (the part of the server's tree the user sees; default the whole of
-- it), the home (the folder the session starts in, inside the root), and
-- whether the user may only read. A read-only user gets "550" for every
-- command that writes: APPE, DELE, MKD, RMD, RNFR, SITE CHMOD... ("553"
-- for STOR, STOU and RNTO, whose RFC 959 replies have no 550).
-- Make a hash with crypto.bcrypt_hash("password") or `luaftpd passwd`.
-- Names not listed here go to the next provider (-user, -users).
--
-- The demo accounts: alice ("wonderland") may read and write everything and
-- starts in /home/alice; guest ("guest-pass") sees only /public, read-only;
-- auditor ("lookbutdonttouch") reads everything and starts in /reports.
-- Replace them.

local crypto = require("crypto")

local ACCOUNTS = {
  alice = {
    hash = "$2a$10$k0CnDPeZjBDcBuDj4DDIF.xIdNqfI6a77J/38XGM0VER8yZMvd2z6",
    home = "/home/alice",
  },
  guest = {
    hash = "$2a$10$U6SD5mX9/Zx/EroWAnV12OVaSTNYxxSL3rkJzPj1LI8zNxWDHWeca",
    root = "/public",
    readonly = true,
  },
  auditor = {
    hash = "$2a$10$XsYUuZaBL2VlcpPK1g2U5e1G8E0kJD0btMnwXlmyZETgHSdhjt8q.",
    home = "/reports",
    readonly = true,
  },
}

ftp.auth(function(user, password)
  local a = ACCOUNTS[user]
  if a == nil then
    return nil
  end
  if not crypto.bcrypt_verify(a.hash, password) then
    return false
  end
  return { root = a.root, home = a.home, readonly = a.readonly == true }
end)
