-- 20-transfer-log.lua: one log line per finished transfer.
--
-- Every upload (STOR, APPE, STOU) and download (RETR) that ends, well or
-- not, is logged at info level with the user, the path, the bytes moved and
-- whether it succeeded. Turn it off with the engine's Disable option, or
-- replace it with a file of the same name in the scripts folder.
local log = require("log")

local function logger(kind)
  return function(ev)
    local s = ev.session
    log.info("transfer", {
      kind = kind,
      user = s and s.user or "",
      path = ev.path,
      bytes = ev.bytes,
      ok = ev.ok,
    })
  end
end

ftp.on("upload", logger("upload"))
ftp.on("download", logger("download"))
