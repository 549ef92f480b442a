-- Interpreter workload for lua.wasm (benches/interpreters/README.md).
-- Same algorithm as bench.js: recursion, string building, table churn, closures and
-- a comparator sort; every figure is an integer kept below 2^31 so that both
-- languages compute the same values. Argument: rounds (default 1).
local rounds = tonumber((...)) or 1
local M = 1000000007

-- recursion
local function fib(n)
  if n < 2 then return n end
  return fib(n - 1) + fib(n - 2)
end

local function ack(m, n)
  if m == 0 then return n + 1 end
  if n == 0 then return ack(m - 1, 1) end
  return ack(m - 1, ack(m, n - 1))
end

-- string building: pieces, concatenation, formatting, byte hashing
local function strings(r)
  local parts = {}
  for i = 1, 2000 do
    parts[#parts + 1] = "k" .. i .. ":" .. ((i * 7 + r) % 13)
  end
  local s = table.concat(parts, ",")
  local acc = ""
  for i = 1, 300 do
    acc = acc .. string.format("%d-%s;", i % 97, string.rep("x", i % 5))
  end
  s = s .. acc
  local h = 0
  for i = 1, #s do
    h = (h * 31 + string.byte(s, i)) % M
  end
  local upper = string.upper(string.sub(s, 1, 64))
  for i = 1, #upper do
    h = (h * 33 + string.byte(upper, i)) % M
  end
  return (h + #s) % M
end

-- table (dictionary) churn: string keys inserted, updated and deleted
local function dicts(r)
  local counts = {}
  local live = 0
  local x = r + 1
  for i = 1, 20000 do
    x = (x * 16807) % 2147483647
    local key = "w" .. (x % 3001)
    local c = counts[key]
    if c == nil then
      counts[key] = 1
      live = live + 1
    elseif c >= 3 then
      counts[key] = nil
      live = live - 1
    else
      counts[key] = c + 1
    end
  end
  local sum = 0
  for k, v in pairs(counts) do
    sum = (sum + v * #k) % M
  end
  local arr = {}
  for i = 1, 3000 do arr[i] = (i * 7919) % 10007 end
  for i = 1, 3000, 3 do table.remove(arr) end
  for i = 1, #arr do sum = (sum + arr[i] * i) % M end
  return (sum * 4099 + live) % M
end

-- closures: counters, adders, composition, map/filter/reduce
local function closures(r)
  local function counter(step)
    local n = 0
    return function() n = n + step; return n end
  end
  local function adder(k) return function(v) return v + k end end
  local function compose(f, g) return function(v) return g(f(v)) end end
  local function map(t, f) local o = {}; for i = 1, #t do o[i] = f(t[i]) end; return o end
  local function filter(t, p) local o = {}; for i = 1, #t do if p(t[i]) then o[#o + 1] = t[i] end end; return o end
  local function reduce(t, f, a) for i = 1, #t do a = f(a, t[i]) end; return a end

  local total = 0
  local fs = {}
  for i = 1, 40 do fs[i] = compose(adder(i), adder(r % 7)) end
  for j = 1, 50 do
    local c = counter(j)
    local t = {}
    for i = 1, 40 do t[i] = fs[i](c()) end
    t = map(t, function(v) return v * 3 + j end)
    t = filter(t, function(v) return v % 4 ~= 1 end)
    total = (total + reduce(t, function(a, v) return (a * 7 + v) % M end, j)) % M
  end
  return total
end

-- objects and a comparator sort (a total order: the result does not depend on the algorithm)
local Point = {}
Point.__index = Point
function Point.new(x, y) return setmetatable({x = x, y = y}, Point) end
function Point:norm1() return math.abs(self.x) + math.abs(self.y) end

local function sorting(r)
  local pts = {}
  local x = 12345 + r
  for i = 1, 1500 do
    x = (x * 16807) % 2147483647
    pts[i] = Point.new(x % 1000 - 500, (x // 1000) % 1000 - 500)
  end
  table.sort(pts, function(a, b)
    local na, nb = a:norm1(), b:norm1()
    if na ~= nb then return na < nb end
    if a.x ~= b.x then return a.x < b.x end
    return a.y < b.y
  end)
  local h = 0
  for i = 1, #pts, 7 do
    h = (h * 131 + pts[i].x + 500 + 1000 * (pts[i].y + 500)) % M
  end
  return h
end

local f, a, s, d, c, o = 0, 0, 0, 0, 0, 0
for r = 1, rounds do
  f = (f + fib(20 + r % 3)) % M
  a = (a + ack(2, 200 + r % 5)) % M
  s = (s + strings(r)) % M
  d = (d + dicts(r)) % M
  c = (c + closures(r)) % M
  o = (o + sorting(r)) % M
end
local check = (f + a * 3 + s * 5 + d * 7 + c * 11 + o * 13) % M
return string.format("rounds=%d fib=%d ack=%d str=%d dict=%d clos=%d sort=%d checksum=%d",
  rounds, f, a, s, d, c, o, check)
