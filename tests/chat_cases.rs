//! The chat profile's data-driven cases (`tests/cases/chat/cases.txt` over
//! `tests/cases/chat/docs.jsonl`): each MongoDB rule, with the expected ids worked out by
//! hand, must hold in memory, on SQLite and on PostgreSQL; error cases must fail with the
//! named diagnostic code. `ROSTER_SKIP_POSTGRES=1` leaves PostgreSQL out (said loudly).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "chat_common.rs"]
mod common;

use common::{Engines, check, fixture_cases, fixture_docs};

#[test]
fn every_chat_case_holds_on_every_engine() {
    let e = Engines::new(fixture_docs());
    let cases = fixture_cases();
    assert!(cases.len() >= 50, "the case file lost cases: {}", cases.len());
    let mut failures = Vec::new();
    for c in &cases {
        let checked = check(&e.schema, &c.request);
        match (&c.error, checked) {
            (Some(code), Err(msg)) => {
                if !msg.starts_with(&format!("{code}:")) {
                    failures.push(format!("{}: expected error {code}, got {msg}", c.name));
                }
            }
            (Some(code), Ok(_)) => failures.push(format!("{}: expected error {code}, but it checked", c.name)),
            (None, Err(msg)) => failures.push(format!("{}: {msg}", c.name)),
            (None, Ok(q)) => {
                let expect = c.expect.clone().unwrap_or_default();
                let mem = e.memory(&q);
                if mem != expect {
                    failures.push(format!("{} ({}): memory gave {mem:?}, expected {expect:?}", c.name, c.rule));
                }
                let lite = e.sqlite(&q);
                if lite != expect {
                    failures.push(format!("{}: SQLite gave {lite:?}, expected {expect:?}", c.name));
                }
                if let Some(pg) = e.postgres(&q)
                    && pg != expect
                {
                    failures.push(format!("{}: PostgreSQL gave {pg:?}, expected {expect:?}", c.name));
                }
                if !c.output.is_empty() && e.output(&q) != c.output {
                    failures.push(format!("{}: output {:?}, expected {:?}", c.name, e.output(&q), c.output));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{} of {} cases failed:\n{}", failures.len(), cases.len(), failures.join("\n"));
}
