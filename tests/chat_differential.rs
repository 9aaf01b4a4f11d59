//! The chat profile's differential test: random Mongo queries, sorts and pages over
//! generated documents must give identical ids in identical order in memory, on SQLite and
//! on a throwaway PostgreSQL. `ROSTER_CHAT_DIFF_CASES` sets the number of cases (default
//! 400); a mismatch prints the query, sort and page to reproduce it with `roster query
//! --profile chat --dialect mongo`. `ROSTER_SKIP_POSTGRES=1` leaves PostgreSQL out.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "chat_common.rs"]
mod common;

use common::{Engines, Pools, SORT_KEYS, check, random_request};
use roster_schema::rng::Rng;

#[test]
fn memory_sqlite_and_postgres_agree_on_random_mongo_queries() {
    let cases: u64 = std::env::var("ROSTER_CHAT_DIFF_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(400);
    common::ENGINE_PATTERNS.store(true, std::sync::atomic::Ordering::Relaxed);
    let docs: Vec<_> = roster_schema::profiles::chat::generate(1500, 4).collect();
    let e = Engines::new(docs);
    let pools = Pools::of(&e.schema, &e.docs);
    let (mut nonempty, mut rejected) = (0, 0);
    for i in 0..cases {
        let mut rng = Rng::new(0xC4A7_D1FF ^ i);
        let r = random_request(&mut rng, &pools, SORT_KEYS);
        let repro = format!(
            "--filter '{}' --sort '{}' --limit {:?} --offset {}",
            r.filter,
            r.sort.as_deref().unwrap_or("{}"),
            r.limit,
            r.offset
        );
        let q = match check(&e.schema, &r) {
            Ok(q) => q,
            Err(msg) => {
                // The generator stays within what the schema accepts, except `$gt` and
                // friends with booleans; anything else is a bug.
                assert!(msg.starts_with("operator-not-applicable"), "case {i}: {msg}\n{repro}");
                rejected += 1;
                continue;
            }
        };
        let mem = e.memory(&q);
        nonempty += usize::from(!mem.is_empty());
        assert_eq!(mem, e.sqlite(&q), "case {i}: memory vs SQLite\n{repro}");
        if let Some(pg) = e.postgres(&q) {
            assert_eq!(mem, pg, "case {i}: memory vs PostgreSQL\n{repro}");
        }
    }
    eprintln!("chat differential: {cases} cases, {nonempty} non-empty, {rejected} rejected by the checker");
    assert!(nonempty as u64 > cases / 4, "too few cases select anything: {nonempty} of {cases}");
}
