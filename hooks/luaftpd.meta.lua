---@meta
-- luaftpd's Lua API for the Lua language server (LuaLS): completion, hover and type checks for
-- ftp.*, ev, result, the session and the modules log, json, http, kv, crypto, time and file.
-- Definitions only: luaftpd never runs this file. The reference is hooks/README.md.

---@alias luaftpd.EventName
---| "connect"      # a client connected, before the banner
---| "login"        # a login succeeded, before 230
---| "login_failed" # a login failed
---| "upload"       # a STOR, APPE or STOU finished
---| "download"     # a RETR finished
---| "disconnect"   # the session ended

---A decision made by `ftp.deny` or `ftp.reply`, for a handler to return.
---@class luaftpd.Decision

---What an `ftp.auth` handler returns to accept a login.
---@class luaftpd.Account
---@field root? string the user's folder inside the server root (default: all of it)
---@field home? string the folder the session starts in, inside root (default "/")
---@field readonly? boolean refuse every command that writes

---@class luaftpd.HandlerOpts
---@field priority? number higher runs first (default 0); ties run in script, then registration order

---@class luaftpd.SiteOpts: luaftpd.HandlerOpts
---@field help? string a line for HELP SITE

---@class luaftpd.CommandOpts: luaftpd.HandlerOpts
---@field auth? boolean whether the command needs a login (default true)
---@field feat? string a line for FEAT
---@field help? string a line for HELP

---The session. Valid only during the handler call it was passed to.
---@class luaftpd.Session
---@field id string the session's id, as in the server log
---@field user string|nil the user name, nil before login
---@field remote_ip string the client's address
---@field tls boolean true once the control channel is protected
---@field cwd string the current folder
---@field root string the user's root
local Session = {}

---A value stored with `s:set`, or nil.
---```lua
---local n = ev.session:get("commands") or 0
---```
---@param key string
---@return string|number|boolean|table|nil
function Session:get(key) end

---Stores a value for the rest of the session (strings, numbers, booleans, tables of them); it is
---copied, never shared by reference.
---```lua
---ev.session:set("commands", n + 1)
---```
---@param key string
---@param value string|number|boolean|table|nil
function Session:set(key, value) end

---The event a handler gets. Valid only during the handler call it was passed to.
---@class luaftpd.Event
---@field command string the verb, upper case
---@field arg string the argument as the client sent it; writable: the command runs with the new one
---@field path string the absolute path inside the user's root the command acts on; writable, still confined to the root
---@field session luaftpd.Session the session
---@field bytes number upload and download events: the bytes moved
---@field ok boolean upload and download events: whether the transfer succeeded
local Event = {}

---For `ftp.command` and `ftp.site`: opens the data connection the client prepared, replies 150,
---sends `text`, closes it, replies 226.
---```lua
---local ok, err = ev:send("line one\r\nline two\r\n")
---```
---@param text string
---@return true|nil ok
---@return string? err
function Event:send(text) end

---What an `ftp.after` handler learns about the finished command. Read-only.
---@class luaftpd.Result
---@field code integer the reply code sent
---@field message string the reply text
---@field bytes number data moved by the command
---@field seconds number how long the command took
---@field error string|nil what went wrong, or nil
---@field path string the path the command acted on

---Registers handlers and makes decisions. A global; `require("ftp")` returns it too.
---@class luaftpd.ftp
ftp = {}

---Runs after the command is parsed and allowed, before it runs. Return nil to go on,
---`ftp.deny` to refuse it, `ftp.reply` to answer in place of the built-in.
---```lua
---ftp.before("STOR", function(ev)
---  if ev.path:match("%.exe$") then return ftp.deny(553, "No executables.") end
---end)
---```
---@param verb string a command such as "STOR", or "*" for every command
---@param fn fun(ev: luaftpd.Event): luaftpd.Decision?
---@param opts? luaftpd.HandlerOpts
function ftp.before(verb, fn, opts) end

---Runs after the reply is sent; observes only.
---```lua
---ftp.after("RETR", function(ev, result) log.info("sent", { bytes = result.bytes }) end)
---```
---@param verb string a command such as "RETR", or "*" for every command
---@param fn fun(ev: luaftpd.Event, result: luaftpd.Result)
---@param opts? luaftpd.HandlerOpts
function ftp.after(verb, fn, opts) end

---Runs on PASS. Return an account table to accept, false or `ftp.deny(530, msg)` to reject,
---nil to let the next provider decide.
---```lua
---ftp.auth(function(user, password, session)
---  if user == "guest" and password == "guest" then return { root = "/pub", readonly = true } end
---end)
---```
---@param fn fun(user: string, password: string, session: luaftpd.Session): luaftpd.Account|luaftpd.Decision|false|nil
---@param opts? luaftpd.HandlerOpts
function ftp.auth(fn, opts) end

---Adds `SITE NAME args`; `ev.arg` holds args. Return `ftp.reply`; nil means 200.
---```lua
---ftp.site("WHOAMI", function(ev) return ftp.reply(200, ev.session.user) end)
---```
---@param name string
---@param fn fun(ev: luaftpd.Event): luaftpd.Decision?
---@param opts? luaftpd.SiteOpts
function ftp.site(name, fn, opts) end

---Adds a new command, or replaces a built-in. Return `ftp.reply`.
---```lua
---ftp.command("XPING", function(ev) return ftp.reply(200, "pong") end, { feat = "XPING" })
---```
---@param verb string
---@param fn fun(ev: luaftpd.Event): luaftpd.Decision?
---@param opts? luaftpd.CommandOpts
function ftp.command(verb, fn, opts) end

---Runs on a session event: connect and login may return `ftp.deny` (connect also `ftp.reply`
---to set the banner); the others observe.
---```lua
---ftp.on("upload", function(ev) if ev.ok then kv.incr("bytes_in", ev.bytes) end end)
---```
---@param event luaftpd.EventName
---@param fn fun(ev: luaftpd.Event): luaftpd.Decision?
---@param opts? luaftpd.HandlerOpts
function ftp.on(event, fn, opts) end

---Refuses: the command does not run and this reply is sent.
---```lua
---return ftp.deny(550, "Nothing is ever deleted here.")
---```
---@param code integer 400 to 599
---@param msg? string|string[] one line, or one string per line
---@return luaftpd.Decision
function ftp.deny(code, msg) end

---Answers: the script handled the command, the built-in does not run.
---```lua
---return ftp.reply(214, { "Rules:", "Be nice." })
---```
---@param code integer 200 to 599
---@param msg? string|string[] one line, or one string per line
---@return luaftpd.Decision
function ftp.reply(code, msg) end

---To the server's log, tagged with the script and session. `local log = require("log")`
---@class luaftpd.log
local log = {}

---```lua
---log.debug("checking", { user = "bob" })
---```
---@param msg any
---@param fields? table<string, any>
function log.debug(msg, fields) end

---```lua
---log.info("upload done", { path = ev.path, bytes = ev.bytes })
---```
---@param msg any
---@param fields? table<string, any>
function log.info(msg, fields) end

---```lua
---log.warn("slow backend", { seconds = 2.5 })
---```
---@param msg any
---@param fields? table<string, any>
function log.warn(msg, fields) end

---```lua
---log.error("users API down", { status = res.status })
---```
---@param msg any
---@param fields? table<string, any>
function log.error(msg, fields) end

---JSON text to and from Lua values. `local json = require("json")`
---@class luaftpd.json
local json = {}

---Encodes a value. Keys 1..n make an array, other tables objects (sorted keys); `{}` is `{}`.
---Fails on cycles, functions, NaN, nesting over 100, output over 1 MiB.
---```lua
---json.encode({ user = "bob", ids = { 1, 2 } })  --> {"ids":[1,2],"user":"bob"}
---```
---@param value any
---@return string|nil text
---@return string? err
function json.encode(value) end

---Decodes JSON text (at most 1 MiB); null is nil.
---```lua
---local v, err = json.decode('{"ok":true}')
---```
---@param text string
---@return any value
---@return string? err
function json.decode(text) end

---Marks t (or a new table) as an array, so that it encodes as [] even when empty.
---```lua
---json.encode({ files = json.array() })  --> {"files":[]}
---```
---@generic T: table
---@param t? T
---@return T
function json.array(t) end

---Encodes as null.
---```lua
---json.encode({ quota = json.null })  --> {"quota":null}
---```
---@type userdata
json.null = nil

---@class luaftpd.HttpOpts
---@field headers? table<string, string|number> request headers (a Host entry sets the host)
---@field timeout? number seconds (default 30; the hook's budget still applies)

---@class luaftpd.HttpRequest: luaftpd.HttpOpts
---@field method? string default "GET"
---@field url string http:// or https://
---@field body? string

---@class luaftpd.HttpResponse
---@field status integer any status is a response, 404 included
---@field headers table<string, string> lower-case names; repeated headers joined with ", "
---@field body string at most 1 MiB (a larger one is an error)

---HTTP requests bounded by the hook's time budget. `local http = require("http")`
---@class luaftpd.http
local http = {}

---```lua
---local res, err = http.request{ method = "PUT", url = u, body = "x", timeout = 2 }
---```
---@param req luaftpd.HttpRequest
---@return luaftpd.HttpResponse|nil res
---@return string? err
function http.request(req) end

---```lua
---local res, err = http.get("http://127.0.0.1:8080/ok", { timeout = 0.5 })
---```
---@param url string
---@param opts? luaftpd.HttpOpts
---@return luaftpd.HttpResponse|nil res
---@return string? err
function http.get(url, opts) end

---```lua
---local res, err = http.post(u, json.encode(t), { headers = { ["Content-Type"] = "application/json" } })
---```
---@param url string
---@param body string
---@param opts? luaftpd.HttpOpts
---@return luaftpd.HttpResponse|nil res
---@return string? err
function http.post(url, body, opts) end

---One store for the whole server, shared by every session and script, atomic, kept across
---reloads. `local kv = require("kv")`
---@class luaftpd.kv
local kv = {}

---```lua
---if kv.get("banned:" .. ev.session.remote_ip) then return ftp.deny(421) end
---```
---@param key string
---@return string|number|boolean|nil
function kv.get(key) end

---Stores value (nil deletes); without a TTL the key stays until deleted.
---```lua
---kv.set("banned:" .. ip, true, 3600)
---```
---@param key string
---@param value string|number|boolean|nil
---@param ttl_seconds? number
function kv.set(key, value, ttl_seconds) end

---Adds delta (default 1) to a number (missing: 0); a TTL (re)starts the expiry.
---```lua
---local n = kv.incr("fail:" .. ip, 1, 600)
---```
---@param key string
---@param delta? number
---@param ttl_seconds? number
---@return number|nil value
---@return string? err
function kv.incr(key, delta, ttl_seconds) end

---```lua
---kv.delete("banned:" .. ip)
---```
---@param key string
function kv.delete(key) end

---Digests (lower-case hex) and bcrypt. `local crypto = require("crypto")`
---@class luaftpd.crypto
local crypto = {}

---```lua
---crypto.sha256("abc")  --> "ba7816bf..."
---```
---@param s string
---@return string hex
function crypto.sha256(s) end

---```lua
---crypto.md5("abc")  --> "900150983cd24fb0d6963f7d28e17f72"
---```
---@param s string
---@return string hex
function crypto.md5(s) end

---```lua
---local sig = crypto.hmac_sha256(secret, user .. ":" .. expires)
---```
---@param key string
---@param s string
---@return string hex
function crypto.hmac_sha256(key, s) end

---```lua
---local hash = crypto.bcrypt_hash("s3cret")  --> "$2a$10$..."
---```
---@param password string at most 72 bytes
---@param cost? integer 4 to 12 (default 10)
---@return string|nil hash
---@return string? err
function crypto.bcrypt_hash(password, cost) end

---```lua
---if crypto.bcrypt_verify(hash, password) then return { root = "/" .. user } end
---```
---@param hash string
---@param password string
---@return boolean|nil ok
---@return string? err
function crypto.bcrypt_verify(hash, password) end

---```lua
---local token = crypto.random_hex(16)  -- 32 hex digits
---```
---@param n integer bytes, 1 to 1024
---@return string hex
function crypto.random_hex(n) end

---Clock and formatting. `local time = require("time")`
---@class luaftpd.time
local time = {}

---Seconds since 1970-01-01 UTC, with a fraction.
---```lua
---local t0 = time.now()
---```
---@return number
function time.now() end

---Formats by a strftime layout (default "%Y-%m-%dT%H:%M:%SZ") in UTC or local time.
---```lua
---time.format(1700000000, "%F %T")  --> "2023-11-14 22:13:20"
---```
---@param seconds? number default now
---@param layout? string
---@param zone? "utc"|"local" default "utc"
---@return string
function time.format(seconds, layout, zone) end

---Read-only access to the scripts folder's data/ subfolder. `local file = require("file")`
---@class luaftpd.file
local file = {}

---```lua
---local text, err = file.read("motd.txt")
---```
---@param name string relative to data/
---@return string|nil text
---@return string? err
function file.read(name) end

---```lua
---for ip in file.lines("allow.txt") do allowed[ip] = true end
---```
---@param name string relative to data/
---@return (fun(): string?)|nil iterator
---@return string? err
function file.lines(name) end

---Finds ftp, the modules above and lib/NAME.lua.
---@overload fun(name: "ftp"): luaftpd.ftp
---@overload fun(name: "log"): luaftpd.log
---@overload fun(name: "json"): luaftpd.json
---@overload fun(name: "http"): luaftpd.http
---@overload fun(name: "kv"): luaftpd.kv
---@overload fun(name: "crypto"): luaftpd.crypto
---@overload fun(name: "time"): luaftpd.time
---@overload fun(name: "file"): luaftpd.file
---@param name string
---@return any
function require(name) end
