-- Lua errors for lua.wasm (benches/interpreters/README.md): error/pcall/xpcall, which
-- Lua implements with setjmp/longjmp, so in Wasm with exception handling (exnref).
-- Errors raised in a loop with string, number, table and nil objects; runtime errors;
-- error() thrown across many Lua frames and across C frames (string.gsub callbacks,
-- table.sort comparators, metamethods called from C, the C-stack limit); nested
-- pcall/xpcall, rethrows, errors in message handlers, to-be-closed variables closed
-- while unwinding. Returns a few sample messages and a checksum line (every figure
-- below 2^31, independent of addresses). Argument: rounds (default 1).
local rounds = tonumber((...)) or 1
local M = 1000000007

local h, caught = 0, 0
local function mix(s)
  s = tostring(s)
  for i = 1, #s do
    h = (h * 31 + s:byte(i)) % M
  end
  h = (h * 31 + #s) % M
end

-- "path/errors.lua:12: msg" -> "12: msg" (the chunk name depends on how it was run)
local function strip(msg)
  if type(msg) ~= "string" then return msg end
  return (msg:gsub("^[^:]*errors%.lua:", "", 1))
end

local function expect_error(f, ...)
  local ok, e = pcall(f, ...)
  assert(not ok, "expected an error")
  caught = caught + 1
  return e
end

local samples = {}
local function sample(name, msg)
  if rounds == 1 or #samples < 16 then samples[#samples + 1] = name .. ": " .. strip(msg) end
end

-- 1. error objects of every kind, in a loop
local function raise(i)
  local k = i % 5
  if k == 0 then error("plain " .. i, 0)
  elseif k == 1 then error("with position " .. i)
  elseif k == 2 then error({ code = i, tag = "t" .. (i % 7) })
  elseif k == 3 then error(i * 3)
  else error() end
end

local function loop(n)
  for i = 1, n do
    local ok, e = pcall(raise, i)
    assert(not ok)
    caught = caught + 1
    if type(e) == "table" then mix(e.code) mix(e.tag)
    elseif e == nil then mix("nil")
    else mix(strip(e)) end
  end
end

-- 2. runtime errors raised by the VM and by C library functions
local runtime = {
  { "arith", function() local x; return x + 1 end },
  { "index", function() local t; return t.field end },
  { "call", function() local f = 42; return f() end },
  { "concat", function() return "a" .. {} end },
  { "compare", function() return {} < {} end },
  { "argcheck", function() return string.rep() end },
  { "format", function() return string.format("%d", 1.5) end },
  { "tointeger", function() return 1 // 0 end },
  { "assert", function() assert(false, "assertion text") end },
  { "assert-table", function() assert(nil, { why = "table" }) end },
  { "setmetatable", function() return setmetatable(1, {}) end },
  { "utf8", function() return utf8.char(-1) end },
}

-- 3. error() across many Lua frames
local function deep(n, obj)
  if n == 0 then error(obj, 0) end
  local r = deep(n - 1, obj)
  return r + 1 -- not a tail call
end

-- 4. errors across C frames
local function gsub_error(s)
  return (s:gsub("%w+", function(w)
    if w == "boom" then error("gsub callback saw " .. w, 0) end
    return w:upper()
  end))
end

local function sort_error(n)
  local t = {}
  for i = 1, n do t[i] = (i * 7919) % n end
  local calls = 0
  table.sort(t, function(a, b)
    calls = calls + 1
    if calls == n then error({ calls = calls }) end
    return a < b
  end)
  return t
end

-- a metamethod called from C (tostring -> __tostring, __index from rawequal-free code)
local Bad = setmetatable({}, {
  __tostring = function() error("no string for you", 0) end,
  __index = function(_, k) error("no field " .. k, 0) end,
  __concat = function() error({ op = "concat" }) end,
})

-- recursion through C: each level is pcall -> Lua -> string.gsub -> callback
local function c_recurse(n)
  local r
  ("x"):gsub("x", function() r = n == 0 and 0 or c_recurse(n - 1) + 1 end)
  return r
end

-- 5. nested pcall, rethrow, xpcall handlers
local function nested(depth, i)
  if depth == 0 then error({ level = 0, i = i }) end
  local ok, e = pcall(nested, depth - 1, i)
  assert(not ok)
  e.level = e.level + 1
  if depth % 2 == 0 then error(e) end -- rethrow the same table
  error({ level = e.level, i = e.i, wrapped = true })
end

-- 6. to-be-closed variables closed during unwinding
local closed = {}
local function closer(name)
  return setmetatable({}, { __close = function(_, err)
    closed[#closed + 1] = name .. "<" .. tostring(type(err) == "string" and strip(err) or err) .. ">"
  end })
end
local function with_close(n)
  local a <close> = closer("a" .. n)
  do
    local b <close> = closer("b" .. n)
    if n % 2 == 0 then error("closing " .. n, 0) end
  end
  local c <close> = closer("c" .. n)
  error(n)
end

local pcalls_ok = 0
for r = 1, rounds do
  loop(200 + r)

  for _, case in ipairs(runtime) do
    local e = expect_error(case[2])
    if type(e) == "table" then e = "table why=" .. e.why end
    mix(strip(e))
    if r == 1 then sample(case[1], e) end
  end

  for d = 1, 60 do
    local e = expect_error(deep, d * 5, { depth = d })
    mix(e.depth)
  end
  local e = expect_error(deep, 150, "deep string")
  mix(e)

  -- Lua stack overflow (a stack of ~200000 Lua frames, caught)
  local function inf(n) return 1 + inf(n + 1) end
  e = expect_error(inf, 1)
  mix(strip(e):match("stack overflow") or "no overflow message")
  if r == 1 then sample("lua stack overflow", strip(e):match("^%d+: [^(]*")) end

  -- gsub callback
  mix(gsub_error("fine words " .. r))
  e = expect_error(gsub_error, "some boom here")
  mix(e)
  if r == 1 then sample("gsub", e) end

  -- sort comparator
  for n = 10, 200, 19 do
    e = expect_error(sort_error, n)
    mix(e.calls)
  end
  e = expect_error(table.sort, { 3, 1, 2 }, function(a, b) return a.x < b end)
  mix(strip(e))
  if r == 1 then sample("sort", e) end
  -- an inconsistent comparator: Lua itself may raise "invalid order function"
  local ok = pcall(table.sort, { 5, 4, 3, 2, 1, 9, 8, 7, 6, 0, 11, 10 }, function() return true end)
  mix(tostring(ok))

  -- metamethods called from C
  e = expect_error(tostring, Bad)
  mix(e)
  e = expect_error(function() return Bad.missing end)
  mix(e)
  e = expect_error(function() return Bad .. "x" end)
  mix(e.op)
  if r == 1 then sample("__index", "no field missing") end

  -- C-stack limit: recursion through gsub callbacks until "C stack overflow"
  mix(c_recurse(50))
  e = expect_error(c_recurse, 1000)
  mix(strip(e):match("stack overflow") or "no overflow message")
  if r == 1 then sample("c stack overflow", strip(e):match("[^:]*stack overflow")) end

  -- nested pcall
  for i = 1, 40 do
    e = expect_error(nested, i % 9 + 1, i)
    mix(e.level) mix(e.i) mix(tostring(e.wrapped))
  end
  local ok1, ok2, v = pcall(pcall, error, "inner")
  mix(tostring(ok1) .. tostring(ok2) .. v)
  local n = select("#", pcall(error))
  mix(n)
  local okv, a, b = pcall(function(x, y) return x + y, x * y end, 6, 7)
  if okv then pcalls_ok = pcalls_ok + 1 end
  mix(a) mix(b)

  -- xpcall with a message handler; an error in the handler
  local okx, hx = xpcall(deep, function(m) return "handled: " .. m.depth end, 20, { depth = r })
  mix(hx)
  if r == 1 then sample("xpcall", hx) end
  okx, hx = xpcall(error, function(m) error("handler fails") end, "x")
  mix(tostring(okx)) mix(type(hx))
  if r == 1 then sample("handler error", tostring(hx)) end
  okx, hx = xpcall(function(...) return select("#", ...), ... end, print, 1, 2, 3)
  mix(tostring(okx)) mix(hx)

  -- to-be-closed variables
  for n = 1, 6 do
    e = expect_error(with_close, n)
    mix(e)
  end
end
for _, c in ipairs(closed) do mix(c) end
if rounds == 1 then sample("closed", table.concat(closed, " ", 1, 5)) end

local out = {}
for _, s in ipairs(samples) do out[#out + 1] = s end
out[#out + 1] = string.format("rounds=%d caught=%d closed=%d ok=%d checksum=%d",
  rounds, caught, #closed, pcalls_ok, h)
return table.concat(out, "\n")
