// The JavaScript peers of benches/peers/run.sh: mingo and sift, the Mongo-query engines over
// plain JavaScript objects, on the same generated users and the same question as
// `roster bench --dialect mongo` (identity users) and `roster bench --profile chat` (seed
// 004's documents: arrays of strings and of objects, an open map; run with --key _id).
//
//   node mongo.js --engine mingo|sift --data users.jsonl --query JSON --sort JSON
//                 [--dates a,b] [--limit 300] [--reps 5]
//
// Every line of the data becomes one object (JSON.parse); the fields named by --dates become
// Dates, as a MongoDB driver would hand them over (the query's {"$date": ...} literals too).
// Loading is reported apart. After one untimed warm-up, the count (every match) and the page
// (matches sorted by --sort, first --limit) are each timed --reps times. mingo counts with
// Query.test over the array (its cursor has no count) and pages with its cursor's sort and
// limit; sift only filters, so its page is the filter, Array.prototype.sort with a
// comparator for --sort, then slice: the shortest correct program with sift. Prints one JSON
// object: medians in ms, every repetition, the match count, the page's ids (from the
// profile's primary key field, --key, default id), peak RSS (KiB).
"use strict";
const fs = require("fs");
const path = require("path");

// The installed version (packages may not export their package.json).
function versionOf(pkg) {
  return JSON.parse(fs.readFileSync(path.join(__dirname, "node_modules", pkg, "package.json"), "utf8")).version;
}

function args() {
  const a = { limit: 300, reps: 5, dates: "", key: "id" };
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 2) a[argv[i].replace(/^--/, "")] = argv[i + 1];
  a.limit = Number(a.limit);
  a.reps = Number(a.reps);
  a.dates = a.dates ? a.dates.split(",") : [];
  return a;
}

function revive(v) {
  if (Array.isArray(v)) return v.map(revive);
  if (v !== null && typeof v === "object") {
    const keys = Object.keys(v);
    if (keys.length === 1 && keys[0] === "$date") return new Date(v.$date);
    const o = {};
    for (const k of keys) o[k] = revive(v[k]);
    return o;
  }
  return v;
}

function load(path, dates) {
  const text = fs.readFileSync(path, "utf8");
  const docs = [];
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = text.length;
    if (end > start) {
      const d = JSON.parse(text.slice(start, end));
      for (const f of dates) if (typeof d[f] === "string") d[f] = new Date(d[f]);
      docs.push(d);
    }
    start = end + 1;
  }
  return docs;
}

// A comparator for a sort document over scalar fields (what the identity sort and the chat
// sort on createdAt and _id need; not arrays): nulls and missing first ascending, last
// descending, as MongoDB orders them.
function comparator(sort) {
  const keys = Object.entries(sort);
  const val = (d, k) => {
    const v = d[k];
    return v instanceof Date ? v.getTime() : v;
  };
  return (x, y) => {
    for (const [k, dir] of keys) {
      const a = val(x, k);
      const b = val(y, k);
      if (a === b) continue;
      if (a === null || a === undefined) return -dir;
      if (b === null || b === undefined) return dir;
      return (a < b ? -1 : 1) * dir;
    }
    return 0;
  };
}

function timed(fn, reps) {
  fn(); // warm-up, untimed
  const times = [];
  for (let i = 0; i < reps; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return times;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function main() {
  const a = args();
  const query = revive(JSON.parse(a.query));
  const sort = JSON.parse(a.sort);
  const t0 = process.hrtime.bigint();
  const docs = load(a.data, a.dates);
  const loadMs = Number(process.hrtime.bigint() - t0) / 1e6;
  let count;
  let page;
  let version;
  if (a.engine === "mingo") {
    const { Query } = require("mingo");
    version = versionOf("mingo");
    const q = new Query(query);
    count = () => {
      let n = 0;
      for (const d of docs) if (q.test(d)) n++;
      return n;
    };
    page = () => q.find(docs).sort(sort).limit(a.limit).all();
  } else if (a.engine === "sift") {
    const sift = require("sift");
    const make = sift.default || sift;
    version = versionOf("sift");
    const test = make(query);
    const cmp = comparator(sort);
    count = () => {
      let n = 0;
      for (const d of docs) if (test(d)) n++;
      return n;
    };
    page = () => docs.filter(test).sort(cmp).slice(0, a.limit);
  } else {
    throw new Error(`unknown engine ${a.engine}`);
  }
  const countTimes = timed(count, a.reps);
  const pageTimes = timed(page, a.reps);
  const result = {
    engine: a.engine,
    version,
    node: process.version,
    threads: 1,
    load_ms: loadMs,
    documents: docs.length,
    count: { times_ms: countTimes, median_ms: median(countTimes), matches: count() },
    page: { times_ms: pageTimes, median_ms: median(pageTimes), ids: page().map((d) => d[a.key]) },
    peak_rss_kib: process.resourceUsage().maxRSS,
  };
  process.stdout.write(JSON.stringify(result, null, 1) + "\n");
}

main();
