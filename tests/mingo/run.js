// The peer of tests/mingo.rs: reads {docs, cases} as JSON on stdin, runs every case's query,
// sort, skip and limit with mingo over the documents, and prints one {ids} or {error} per
// case. Dates: the documents' `lastLogin` and `createdAt` strings and the queries'
// {"$date": "..."} literals become JavaScript Dates, as a MongoDB driver would send them.
"use strict";
const { Query } = require("mingo");

const input = JSON.parse(require("fs").readFileSync(0, "utf8"));
const DATE_FIELDS = ["lastLogin", "createdAt"];

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

const docs = input.docs.map((d) => {
  const o = Object.assign({}, d);
  for (const f of DATE_FIELDS) if (typeof o[f] === "string") o[f] = new Date(o[f]);
  return o;
});

const out = input.cases.map((c) => {
  try {
    let cursor = new Query(revive(c.filter)).find(docs).sort(c.sort);
    if (c.offset) cursor = cursor.skip(c.offset);
    if (c.limit !== null && c.limit !== undefined) cursor = cursor.limit(c.limit);
    return { ids: cursor.all().map((d) => d._id) };
  } catch (e) {
    return { error: String((e && e.message) || e) };
  }
});
process.stdout.write(JSON.stringify(out));
