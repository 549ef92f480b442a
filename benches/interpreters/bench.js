// Interpreter workload for quickjs.wasm (benches/interpreters/README.md).
// Same algorithm as bench.lua: recursion, string building, object (dictionary) churn,
// closures and a comparator sort; every figure is an integer kept below 2^31 so that
// both languages compute the same values. Argument: rounds (default 1).
// The value of the last expression statement is the script's result.
var rounds = scriptArgs.length > 0 ? parseInt(scriptArgs[0], 10) : 1;
var M = 1000000007;

// recursion
function fib(n) {
  if (n < 2) return n;
  return fib(n - 1) + fib(n - 2);
}

function ack(m, n) {
  if (m === 0) return n + 1;
  if (n === 0) return ack(m - 1, 1);
  return ack(m - 1, ack(m, n - 1));
}

// string building: pieces, concatenation, formatting, char-code hashing
function strings(r) {
  var parts = [];
  for (var i = 1; i <= 2000; i++) {
    parts.push("k" + i + ":" + ((i * 7 + r) % 13));
  }
  var s = parts.join(",");
  var acc = "";
  for (var i = 1; i <= 300; i++) {
    acc = acc + `${i % 97}-${"x".repeat(i % 5)};`;
  }
  s = s + acc;
  var h = 0;
  for (var i = 0; i < s.length; i++) {
    h = (h * 31 + s.charCodeAt(i)) % M;
  }
  var upper = s.substring(0, 64).toUpperCase();
  for (var i = 0; i < upper.length; i++) {
    h = (h * 33 + upper.charCodeAt(i)) % M;
  }
  return (h + s.length) % M;
}

// object (dictionary) churn: string keys inserted, updated and deleted
function dicts(r) {
  var counts = {};
  var live = 0;
  var x = r + 1;
  for (var i = 1; i <= 20000; i++) {
    x = (x * 16807) % 2147483647;
    var key = "w" + (x % 3001);
    var c = counts[key];
    if (c === undefined) {
      counts[key] = 1;
      live++;
    } else if (c >= 3) {
      delete counts[key];
      live--;
    } else {
      counts[key] = c + 1;
    }
  }
  var sum = 0;
  for (var k in counts) {
    sum = (sum + counts[k] * k.length) % M;
  }
  var arr = [];
  for (var i = 1; i <= 3000; i++) arr.push((i * 7919) % 10007);
  for (var i = 1; i <= 3000; i += 3) arr.pop();
  for (var i = 0; i < arr.length; i++) sum = (sum + arr[i] * (i + 1)) % M;
  return (sum * 4099 + live) % M;
}

// closures: counters, adders, composition, map/filter/reduce
function closures(r) {
  function counter(step) {
    var n = 0;
    return function () { n += step; return n; };
  }
  function adder(k) { return function (v) { return v + k; }; }
  function compose(f, g) { return function (v) { return g(f(v)); }; }
  function map(t, f) { var o = []; for (var i = 0; i < t.length; i++) o.push(f(t[i])); return o; }
  function filter(t, p) { var o = []; for (var i = 0; i < t.length; i++) if (p(t[i])) o.push(t[i]); return o; }
  function reduce(t, f, a) { for (var i = 0; i < t.length; i++) a = f(a, t[i]); return a; }

  var total = 0;
  var fs = [];
  for (var i = 1; i <= 40; i++) fs.push(compose(adder(i), adder(r % 7)));
  for (var j = 1; j <= 50; j++) {
    var c = counter(j);
    var t = [];
    for (var i = 0; i < 40; i++) t.push(fs[i](c()));
    t = map(t, function (v) { return v * 3 + j; });
    t = filter(t, function (v) { return v % 4 !== 1; });
    total = (total + reduce(t, function (a, v) { return (a * 7 + v) % M; }, j)) % M;
  }
  return total;
}

// objects and a comparator sort (a total order: the result does not depend on the algorithm)
class Point {
  constructor(x, y) { this.x = x; this.y = y; }
  norm1() { return Math.abs(this.x) + Math.abs(this.y); }
}

function sorting(r) {
  var pts = [];
  var x = 12345 + r;
  for (var i = 1; i <= 1500; i++) {
    x = (x * 16807) % 2147483647;
    pts.push(new Point(x % 1000 - 500, Math.floor(x / 1000) % 1000 - 500));
  }
  pts.sort(function (a, b) {
    var na = a.norm1(), nb = b.norm1();
    if (na !== nb) return na - nb;
    if (a.x !== b.x) return a.x - b.x;
    return a.y - b.y;
  });
  var h = 0;
  for (var i = 0; i < pts.length; i += 7) {
    h = (h * 131 + pts[i].x + 500 + 1000 * (pts[i].y + 500)) % M;
  }
  return h;
}

var f = 0, a = 0, s = 0, d = 0, c = 0, o = 0;
for (var r = 1; r <= rounds; r++) {
  f = (f + fib(20 + r % 3)) % M;
  a = (a + ack(2, 200 + r % 5)) % M;
  s = (s + strings(r)) % M;
  d = (d + dicts(r)) % M;
  c = (c + closures(r)) % M;
  o = (o + sorting(r)) % M;
}
var check = (f + a * 3 + s * 5 + d * 7 + c * 11 + o * 13) % M;
`rounds=${rounds} fib=${f} ack=${a} str=${s} dict=${d} clos=${c} sort=${o} checksum=${check}`;
