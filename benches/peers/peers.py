"""The peer side of Roster's benchmark harness (benches/peers/run.sh runs it).

One engine per process, so that each reports its own peak RSS (VmHWM):

    peers.py duckdb  --data users.jsonl --threads N --export OUT.csv --reps R
    peers.py polars  --data users.jsonl --threads N --export OUT.csv --reps R
    peers.py sqlite  --db users.db --roster-sql F --reps R   (hand-written and Roster's SQL)
    peers.py postgres --db CONNINFO --roster-sql F --reps R  (the same on PostgreSQL)
    peers.py odata   --reps R                          (odata-query parse, + SQLAlchemy compile)
    node mongo.js    --engine mingo|sift ...           (the JavaScript peers, identity and chat; see mongo.js)
    peers.py report  --dir DIR                         (the table of ratios, from the JSON files)

Each engine answers the same three questions as `roster bench` on the same generated users:
count and page (sort createdAt desc, id; 300) of the filter
`userStatus <> 'UNVERIFIED' AND createdAt > 2021-06-01T00:00:00Z`, and a CSV export of every
match with timestamps in Asia/Kolkata. Load time is reported apart and not in the medians;
one untimed warm-up precedes the timed repetitions. The page's ids are printed so the run can
check every engine returned the same page. `report` fails (exit 1, after writing results.md)
when mingo or sift disagree with Roster on a Mongo leg's count or page ids (identity or chat).
"""

import argparse
import importlib.metadata
import json
import os
import statistics
import sys
import time

FILTER_ODATA = "userStatus ne 'UNVERIFIED' and createdAt gt 2021-06-01T00:00:00Z"
AFTER_MICROS = 1_622_505_600_000_000
LIMIT = 300
ZONE = "Asia/Kolkata"


def peak_rss_kib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return None


def timed(fn, reps):
    fn()  # warm-up, untimed
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1e3)
    return times


def workload(times, **extra):
    return {"times_ms": times, "median_ms": statistics.median(times), **extra}


def emit(result):
    result["peak_rss_kib"] = peak_rss_kib()
    json.dump(result, sys.stdout, indent=1)
    sys.stdout.write("\n")


def duckdb_run(a):
    import duckdb

    con = duckdb.connect()
    con.execute(f"SET threads = {a.threads}")
    start = time.perf_counter()
    # Timestamps as TIMESTAMPTZ (UTC instants), like Roster's i64 microseconds.
    con.execute(
        f"""CREATE TABLE users AS SELECT id, username, userStatus,
            CAST(createdAt AS TIMESTAMPTZ) AS createdAt, CAST(updatedAt AS TIMESTAMPTZ) AS updatedAt,
            CAST(lastLogin AS TIMESTAMPTZ) AS lastLogin
        FROM read_json('{a.data}', format = 'newline_delimited',
            columns = {{id: 'VARCHAR', username: 'VARCHAR', userStatus: 'VARCHAR', createdAt: 'VARCHAR',
                        updatedAt: 'VARCHAR', lastLogin: 'VARCHAR'}})"""
    )
    load_ms = (time.perf_counter() - start) * 1e3
    where = "userStatus <> 'UNVERIFIED' AND createdAt > TIMESTAMPTZ '2021-06-01 00:00:00+00'"
    count = con.execute(f"SELECT count(*) FROM users WHERE {where}").fetchone()[0]
    page_sql = f"SELECT id FROM users WHERE {where} ORDER BY createdAt DESC, id LIMIT {LIMIT}"
    ids = [r[0] for r in con.execute(page_sql).fetchall()]
    con.execute(f"SET TimeZone = '{ZONE}'")
    fmt = "'%Y-%m-%dT%H:%M:%S.%f%z'"
    export_sql = f"""COPY (SELECT id, username, userStatus, strftime(createdAt, {fmt}) AS createdAt,
        strftime(updatedAt, {fmt}) AS updatedAt, strftime(lastLogin, {fmt}) AS lastLogin
        FROM users WHERE {where}) TO '{a.export}' (HEADER, DELIMITER ',')"""
    emit({
        "engine": "duckdb", "version": duckdb.__version__, "threads": a.threads, "load_ms": load_ms,
        "count": workload(timed(lambda: con.execute(f"SELECT count(*) FROM users WHERE {where}").fetchone(), a.reps),
                          matches=count),
        "page": workload(timed(lambda: con.execute(page_sql).fetchall(), a.reps), ids=ids),
        "export": workload(timed(lambda: con.execute(export_sql), a.reps), path=a.export),
    })


def polars_run(a):
    # The thread pool is sized when polars is imported.
    os.environ["POLARS_MAX_THREADS"] = str(a.threads)
    import polars as pl

    start = time.perf_counter()
    ts = pl.Datetime("us", "UTC")
    df = pl.read_ndjson(a.data).with_columns(
        pl.col("createdAt").str.to_datetime(time_unit="us", time_zone="UTC"),
        pl.col("updatedAt").str.to_datetime(time_unit="us", time_zone="UTC"),
        pl.col("lastLogin").str.to_datetime(time_unit="us", time_zone="UTC"),
        pl.col("userStatus").cast(pl.Categorical),
    )
    load_ms = (time.perf_counter() - start) * 1e3
    after = pl.lit(AFTER_MICROS).cast(ts)
    cond = (pl.col("userStatus") != "UNVERIFIED") & (pl.col("createdAt") > after)

    def count():
        # Lazy, so that Polars counts without materialising the filtered frame.
        return df.lazy().filter(cond).select(pl.len()).collect().item()

    def page():
        return df.lazy().filter(cond).sort(["createdAt", "id"], descending=[True, False]).head(LIMIT).select("id").collect()

    def export():
        df.lazy().filter(cond).with_columns(
            pl.col("createdAt", "updatedAt", "lastLogin").dt.convert_time_zone(ZONE)
        ).collect().write_csv(a.export)

    emit({
        "engine": "polars", "version": pl.__version__, "threads": pl.thread_pool_size(), "load_ms": load_ms,
        "count": workload(timed(count, a.reps), matches=count()),
        "page": workload(timed(page, a.reps), ids=page()["id"].to_list()),
        "export": workload(timed(export, a.reps), path=a.export),
    })


def sqlite_run(a):
    """Hand-written SQL and Roster's compiled SQL, through the same driver and SQLite library.

    Roster's page statement and values are what `roster sql --backend sqlite` prints (file
    --roster-sql: the SQL on the first line, the JSON values on the second); its count
    statement is `SELECT COUNT(*)` over the same FROM and WHERE. Hand-written: the obvious
    statement, and for the count also `+createdAt` (the unary plus keeps SQLite off the
    index: a full scan, which may beat its own choice of a range search when half the table
    matches; `NOT INDEXED` is ignored on this WITHOUT ROWID table); the faster is "best".
    """
    import sqlite3

    con = sqlite3.connect(a.db)
    cols = "id, username, userStatus, createdAt, updatedAt, lastLogin"
    where = "userStatus <> 'UNVERIFIED' AND createdAt > ?"
    hand = {
        "count": [("plain", f"SELECT count(*) FROM identity_users WHERE {where}", [AFTER_MICROS]),
                  ("full scan", "SELECT count(*) FROM identity_users WHERE userStatus <> 'UNVERIFIED' AND +createdAt > ?",
                   [AFTER_MICROS])],
        "page": [("plain", f"SELECT {cols} FROM identity_users WHERE {where} ORDER BY createdAt DESC, id LIMIT {LIMIT}",
                  [AFTER_MICROS])],
    }
    with open(a.roster_sql) as f:
        page_sql, values = f.readline().strip(), json.loads(f.readline())
    from_where = page_sql[page_sql.index(" FROM "):page_sql.index(" ORDER BY ")]
    count_values = values[:-1]  # the LIMIT is the last value
    ours = {"count": (f"SELECT COUNT(*){from_where}", count_values), "page": (page_sql, values)}

    def plan(sql, params):
        return [r[-1] for r in con.execute("EXPLAIN QUERY PLAN " + sql, params)]

    def run(sql, params):
        return con.execute(sql, params).fetchall()

    result = {"engine": "sqlite", "version": sqlite3.sqlite_version, "threads": 1, "db": a.db}
    for w in ("count", "page"):
        variants = []
        for name, sql, params in hand[w]:
            times = timed(lambda: run(sql, params), a.reps)
            variants.append({"variant": name, "sql": sql, "plan": plan(sql, params), **workload(times)})
        best = min(variants, key=lambda v: v["median_ms"])
        sql, params = ours[w]
        roster_times = timed(lambda: run(sql, params), a.reps)
        rows = run(best["sql"], hand[w][0][2])
        extra = {"matches": rows[0][0]} if w == "count" else {"ids": [r[0] for r in rows]}
        result[w] = {**workload(best["times_ms"]), "best": best["variant"], "variants": variants, **extra,
                     "roster": {"sql": sql, "values": params, "plan": plan(sql, params), **workload(roster_times)}}
    emit(result)


def postgres_run(a):
    """Hand-written SQL and Roster's compiled SQL on PostgreSQL, through one client (psycopg,
    PostgreSQL's own `$n` placeholders). Roster's page statement and values are what `roster
    sql --backend postgres` prints (--roster-sql); its count is `SELECT COUNT(*)` over the
    same FROM and WHERE. Hand-written: the obvious statements."""
    import psycopg

    con = psycopg.connect(a.db, autocommit=True)
    cur = psycopg.RawCursor(con)
    cols = '"id", "username", "userStatus", "createdAt", "updatedAt", "lastLogin"'
    where = "\"userStatus\" <> 'UNVERIFIED' AND \"createdAt\" > $1"
    hand = {
        "count": ("plain", f"SELECT count(*) FROM identity_users WHERE {where}", [AFTER_MICROS]),
        "page": ("plain", f'SELECT {cols} FROM identity_users WHERE {where} ORDER BY "createdAt" DESC, "id" LIMIT {LIMIT}',
                 [AFTER_MICROS]),
    }
    with open(a.roster_sql) as f:
        page_sql, values = f.readline().strip(), json.loads(f.readline())
    from_where = page_sql[page_sql.index(" FROM "):page_sql.index(" ORDER BY ")]
    ours = {"count": (f"SELECT COUNT(*){from_where}", values[:-1]), "page": (page_sql, values)}

    def run(sql, params):
        cur.execute(sql, params)
        return cur.fetchall()

    def plan(sql, params):
        cur.execute("EXPLAIN " + sql, params)
        return [r[0] for r in cur.fetchall()]

    version = run("SHOW server_version", [])[0][0]
    result = {"engine": "postgres", "version": version, "threads": 1, "db": "postgres"}
    for w in ("count", "page"):
        name, sql, params = hand[w]
        times = timed(lambda: run(sql, params), a.reps)
        rows = run(sql, params)
        extra = {"matches": rows[0][0]} if w == "count" else {"ids": [r[0] for r in rows]}
        rsql, rparams = ours[w]
        roster_times = timed(lambda: run(rsql, rparams), a.reps)
        result[w] = {**workload(times), "best": name, "variants": [{"variant": name, "sql": sql, "plan": plan(sql, params),
                                                                   **workload(times)}], **extra,
                     "roster": {"sql": rsql, "values": rparams, "plan": plan(rsql, rparams), **workload(roster_times)}}
    emit(result)


def odata_run(a):
    from odata_query.grammar import ODataLexer, ODataParser
    from odata_query.sqlalchemy import apply_odata_core
    from sqlalchemy import BigInteger, Column, MetaData, String, Table, select
    from sqlalchemy.dialects import postgresql

    meta = MetaData()
    users = Table("identity_users", meta, Column("id", String, primary_key=True), Column("username", String),
                  Column("userStatus", String), Column("createdAt", BigInteger), Column("updatedAt", BigInteger),
                  Column("lastLogin", BigInteger))
    lexer, parser = ODataLexer(), ODataParser()
    dialect = postgresql.dialect()

    def parse():
        return parser.parse(lexer.tokenize(FILTER_ODATA))

    def to_sql():
        return str(apply_odata_core(select(users), FILTER_ODATA).compile(dialect=dialect))

    n = 2000

    def per_call(fn):
        start = time.perf_counter()
        for _ in range(n):
            fn()
        return (time.perf_counter() - start) * 1e6 / n

    per_call(parse)
    per_call(to_sql)
    emit({
        "engine": "odata-query", "version": importlib.metadata.version("odata-query"), "threads": 1,
        "parse_us": statistics.median(per_call(parse) for _ in range(a.reps)),
        "parse_compile_us": statistics.median(per_call(to_sql) for _ in range(a.reps)),
        "sql": to_sql(),
    })


def fmt(ms):
    if ms is None:
        return "—"
    return f"{ms * 1000:.1f} µs" if ms < 1 else f"{ms:.2f} ms" if ms < 1000 else f"{ms / 1000:.2f} s"


def scan_line(plan):
    return next((line.strip().lstrip("-> ").split("  (")[0] for line in plan if "Scan" in line), plan[0] if plan else "")


def median_of(r, w):
    return r.get(w, {}).get("median_ms")


def ratio(x, base):
    return f"{x / base:.2f}×" if x is not None and base else "—"


def rss(r):
    return f"{r['peak_rss_kib'] / 1024:.0f} MiB" if r.get("peak_rss_kib") else "—"


def report(a):
    def load(name):
        path = os.path.join(a.dir, name)
        return json.load(open(path)) if os.path.exists(path) else None

    out = []
    roster = {t: load(f"roster-memory-{t}.json") for t in (1, 2)}
    files = sorted(os.listdir(a.dir))
    peers = [load(n) for n in files if n.startswith("peer-") and n.endswith(".json")]
    wl = ("count", "page", "export")

    out.append("### Identity users: count, page, CSV export (Asia/Kolkata)")
    out.append("")
    out.append(f"Filter `{FILTER_ODATA}`; page sorted `createdAt desc, id`, {LIMIT} rows; export of every match. "
               "Ratios: the engine's median over Roster's in-memory median at the same thread count "
               "(above 1×: Roster is faster).")
    out.append("")
    out.append("| engine | threads | count | page | export | count ÷ Roster | page ÷ Roster | export ÷ Roster | peak RSS | load |")
    out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")

    def line(name, r, base, threads=None):
        cells = [fmt(median_of(r, w)) for w in wl]
        ratios = [ratio(median_of(r, w), median_of(base, w)) for w in wl]
        t = threads if threads is not None else r.get("threads")
        out.append(f"| {name} | {t} | " + " | ".join(cells) + " | " + " | ".join(ratios)
                   + f" | {rss(r)} | {fmt(r.get('load_ms'))} |")

    for t in (1, 2):
        if roster[t]:
            line("Roster (memory)", roster[t], roster[t])
    for p in peers:
        if p["engine"] in ("duckdb", "polars"):
            line(f"{p['engine']} {p['version']}", p, roster[min(p["threads"], 2)])
    out.append("")

    out.append("### SQL on SQLite: Roster's compiled SQL against the best hand-written SQL (count and page)")
    out.append("")
    out.append("Both statements run through Python's sqlite3 (the same SQLite library and driver); "
               "`roster bench --engine sqlite` (rusqlite's bundled SQLite, records decoded) is the end-to-end row.")
    out.append("")
    out.append("| database | workload | Roster SQL | best hand-written | Roster ÷ hand-written | `roster bench --engine sqlite` | ÷ Roster memory (1 thread) | Roster's plan | best hand-written plan |")
    out.append("|---|---|---:|---:|---:|---:|---:|---|---|")
    for kind in ("indexed", "plain"):
        bench = load(f"roster-sqlite-{kind}.json") or {}
        hand = next((p for p in peers if p["engine"] == "sqlite" and p["db"].endswith(f"{kind}.db")), None)
        if not hand:
            continue
        for w in ("count", "page"):
            h = hand[w]
            best = next(v for v in h["variants"] if v["variant"] == h["best"])
            out.append(f"| {kind} | {w} | {fmt(h['roster']['median_ms'])} | {fmt(h['median_ms'])} ({h['best']}) | "
                       f"{ratio(h['roster']['median_ms'], h['median_ms'])} | {fmt(median_of(bench, w))} | "
                       f"{ratio(median_of(bench, w), median_of(roster[1], w))} | "
                       f"{'; '.join(h['roster']['plan'])} | {'; '.join(best['plan'])} |")
    if peers and any(p["engine"] == "sqlite" for p in peers):
        v = next(p for p in peers if p["engine"] == "sqlite")["version"]
        out.append("")
        out.append(f"SQLite {v} (Python's sqlite3) for the SQL comparison.")
    out.append("")

    pg = next((p for p in peers if p["engine"] == "postgres"), None)
    if pg:
        bench = load("roster-postgres.json") or {}
        out.append(f"### SQL on PostgreSQL {pg['version']}: Roster's compiled SQL against hand-written SQL (Roster's indexes, analysed)")
        out.append("")
        out.append("| workload | Roster SQL | hand-written | Roster ÷ hand-written | `roster bench --engine postgres` | Roster's plan (its scan) | hand-written plan (its scan) |")
        out.append("|---|---:|---:|---:|---:|---|---|")
        for w in ("count", "page"):
            h = pg[w]
            out.append(f"| {w} | {fmt(h['roster']['median_ms'])} | {fmt(h['median_ms'])} | "
                       f"{ratio(h['roster']['median_ms'], h['median_ms'])} | {fmt(median_of(bench, w))} | "
                       f"{scan_line(h['roster']['plan'])} | {scan_line(h['variants'][0]['plan'])} |")
        out.append("")

    disagreements = []

    def mongo_table(profile, title, label):
        ours = load(f"roster-mongo-{profile}.json")
        js = [load(f"js-{e}-{profile}.json") for e in ("mingo", "sift")]
        js = [j for j in js if j]
        if not ours and not js:
            return []
        lines = [f"### {title}", ""]
        if ours:
            docs = next((j["documents"] for j in js if "documents" in j), None)
            lines.append(f"Query `{ours['filter']}`, sort `{ours['sort']}`, {ours['limit']} rows"
                         + (f", over {docs:,} documents" if docs else "") + ". Ratios: the engine's median over Roster's "
                         "(above 1×: Roster is faster).")
            why = ours.get("export", {}).get("why") if ours.get("export", {}).get("applicable") is False else None
            if why:
                lines.append(f"No export column: {why}.")
            lines.append("")
        lines += ["| engine | threads | count | page | count ÷ Roster | page ÷ Roster | matches | peak RSS | load |",
                  "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
        rows = ([(label, ours)] if ours else []) + [
            (f"{j['engine']} {j['version']} (node {j['node']})", j) for j in js]
        for name, r in rows:
            lines.append(f"| {name} | {r.get('threads', 1)} | {fmt(median_of(r, 'count'))} | {fmt(median_of(r, 'page'))} | "
                         f"{ratio(median_of(r, 'count'), median_of(ours or {}, 'count'))} | "
                         f"{ratio(median_of(r, 'page'), median_of(ours or {}, 'page'))} | "
                         f"{r['count']['matches']} | {rss(r)} | {fmt(r.get('load_ms'))} |")
        if ours:
            verdicts = []
            for j in js:
                same_count = j["count"]["matches"] == ours["count"]["matches"]
                same_page = j["page"]["ids"] == ours["page"]["ids"]
                verdicts.append(f"{j['engine']}: count {'same' if same_count else 'DIFFERENT'}, "
                                f"page ids {'same' if same_page else 'DIFFERENT'}")
                if not (same_count and same_page):
                    disagreements.append(f"{profile}: {j['engine']}")
            lines.append("")
            lines.append(f"Compared with Roster ({len(ours['page']['ids'])} page ids in order): {'; '.join(verdicts)}.")
        lines.append("")
        return lines

    out += mongo_table("identity", "Mongo query on identity users: Roster's Mongo front end, mingo, sift",
                       "Roster (memory, Mongo dialect)")
    chat = mongo_table("chat", "Mongo query on chat users (seed 004 documents): Roster's document evaluator, mingo, sift",
                       "Roster (memory, document evaluator)")
    skipped = os.path.join(a.dir, "chat-skipped.txt")
    if chat:
        out += chat
    else:
        why = open(skipped).read().strip() if os.path.exists(skipped) else "not run"
        out += ["No chat figures in this run: " + " ".join(why.split()), ""]

    out.append("### Agreement")
    out.append("")
    want = roster[1]["page"]["ids"] if roster[1] else None
    counts = {}
    pages = {}
    for name in files:
        if not name.endswith(".json") or "chat" in name or name.startswith("roster-frontend"):
            continue
        r = load(name)
        if "count" in r and "matches" in r["count"]:
            counts[name] = r["count"]["matches"]
        if "page" in r and r["page"].get("ids") is not None:
            pages[name] = r["page"]["ids"] == want
    out.append(f"Match counts (identity): {json.dumps(counts)}.")
    out.append(f"Same page ids as Roster memory (1 thread): {json.dumps(pages)}.")
    out.append("")

    out.append("### Parse + compile of the filter to SQL text")
    out.append("")
    crit = load("roster-frontend-estimates.json")
    ours_us = crit["median"]["point_estimate"] / 1000 if crit else None
    for p in peers:
        if p["engine"] == "odata-query":
            out.append(f"python odata-query {p['version']}: parse {p['parse_us']:.1f} µs; parse + SQLAlchemy compile "
                       f"to PostgreSQL text {p['parse_compile_us']:.1f} µs (median of per-call means of 2,000 calls).")
            if ours_us:
                out.append(f"Roster parse + check + SQL (PostgreSQL), criterion median: {ours_us:.2f} µs; odata-query's "
                           f"parse + compile is {p['parse_compile_us'] / ours_us:.0f}× that, its parse alone "
                           f"{p['parse_us'] / ours_us:.0f}×.")
    text = "\n".join(out) + "\n"
    open(os.path.join(a.dir, "results.md"), "w").write(text)
    sys.stdout.write(text)
    if disagreements:
        sys.stderr.write(f"DISAGREEMENT with Roster's count or page: {', '.join(disagreements)} (see results.md)\n")
        sys.exit(1)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("engine", choices=["duckdb", "polars", "sqlite", "postgres", "odata", "report"])
    p.add_argument("--data")
    p.add_argument("--db")
    p.add_argument("--dir")
    p.add_argument("--export")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--reps", type=int, default=10)
    p.add_argument("--roster-sql", help="sqlite: a file with Roster's page SQL and its JSON values (roster sql)")
    a = p.parse_args()
    {"duckdb": duckdb_run, "polars": polars_run, "sqlite": sqlite_run, "postgres": postgres_run, "odata": odata_run,
     "report": report}[a.engine](a)


if __name__ == "__main__":
    main()
