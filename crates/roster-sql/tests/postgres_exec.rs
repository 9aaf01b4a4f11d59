//! Execution on a throwaway PostgreSQL (roster-testkit): loading, the hand-picked and random
//! queries checked against the oracle in `common`, in a C-locale database and in one whose
//! default collation is `C.UTF-8` (where only the columns' `COLLATE "C"` keeps `lower` ASCII-only
//! and `<` byte-wise).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use postgres::Client;
use roster_check::TypedQuery;
use roster_schema::{Record, Schema, Value};
use roster_sql::{SqlError, postgres as pg};
use roster_testkit::TempPostgres;

fn check(client: &mut Client, schema: &Schema, records: &[Record], name: &str, q: &TypedQuery) {
    let expected = answer(schema, records, q);
    let got = pg::query(client, schema, q).unwrap_or_else(|e| panic!("{name}: {e}\n{q:#?}"));
    assert_eq!(got, expected, "{name}: {q:#?}");
    // The streaming form reads the same records in the same order, and stops when asked.
    let mut streamed = Vec::new();
    pg::for_each(client, schema, q, |r| {
        streamed.push(r);
        true
    })
    .unwrap();
    assert_eq!(streamed, expected, "{name}: for_each");
    let mut first = Vec::new();
    pg::for_each(client, schema, q, |r| {
        first.push(r);
        false
    })
    .unwrap();
    assert_eq!(first, expected.iter().take(1).cloned().collect::<Vec<_>>(), "{name}: for_each stops");
    let total = records.iter().filter(|r| eval(schema, r, &q.filter) == Some(true)).count() as u64;
    assert_eq!(pg::count(client, schema, q).unwrap(), total, "{name}: count");
}

fn run_all(client: &mut Client, schema: &Schema, records: &[Record]) {
    pg::create(client, schema).unwrap();
    pg::create(client, schema).unwrap();
    // 210 records: one partial batch (multi-batch loads are checked below).
    assert_eq!(pg::load(client, schema, records).unwrap(), records.len() as u64);
    for (name, q) in named_queries() {
        check(client, schema, records, name, &q);
    }
    for (i, q) in fixed_random_queries(records, 300).iter().enumerate() {
        check(client, schema, records, &format!("random query #{i}"), q);
    }
    let (things, thing_records) = (nullable_schema(), nullable_records());
    pg::create(client, &things).unwrap();
    pg::load(client, &things, &thing_records).unwrap();
    for (i, q) in nullable_queries().iter().enumerate() {
        check(client, &things, &thing_records, &format!("nullable query #{i}"), q);
    }
}

#[test]
fn postgres_answers_match_the_oracle() {
    let server = TempPostgres::start().unwrap_or_else(|e| panic!("cannot start PostgreSQL: {e}"));
    let (schema, records) = (schema(), dataset());

    let mut client = pg::connect(&server.url()).unwrap();
    run_all(&mut client, &schema, &records);

    // A failed load rolls back entirely.
    let mut bad = records.clone();
    for r in &mut bad {
        r.0[0] = Value::Uuid(match r.0[0] {
            Value::Uuid(u) => u ^ 1,
            _ => unreachable!(),
        });
    }
    bad[120].0[1] = Value::Null;
    let err = pg::load(&mut client, &schema, &bad).unwrap_err();
    assert!(matches!(err, SqlError::Encode { record: 120, .. }), "{err}");
    let duplicate = [records[3].clone()];
    let err = pg::load(&mut client, &schema, &duplicate).unwrap_err();
    assert!(matches!(err, SqlError::Postgres(_)), "{err}");
    assert!(err.to_string().contains("duplicate key value violates unique constraint"), "{err}");
    let Err(refused) = pg::connect("host=127.0.0.1 port=1 user=postgres dbname=postgres") else {
        panic!("port 1 answered")
    };
    assert!(refused.to_string().contains("refused"), "{refused}");
    assert_eq!(pg::count(&mut client, &schema, &query(roster_check::Pred::Const(true))).unwrap(), 210);

    // More than one batch: 1,200 more users in batches of 500, 500 and 200.
    let profile = roster_schema::profiles::by_name("identity").unwrap();
    let more: Vec<Record> = profile.generate(1_200, 77).collect();
    assert_eq!(pg::load(&mut client, &schema, &more).unwrap(), 1_200);
    let all: Vec<Record> = records.iter().chain(&more).cloned().collect();
    for (name, q) in named_queries() {
        check(&mut client, &schema, &all, name, &q);
    }

    // The same answers in a database whose default collation is not "C".
    client.batch_execute("CREATE DATABASE utf8 TEMPLATE template0 ENCODING 'UTF8' LOCALE 'C.UTF-8'").unwrap();
    let mut utf8 = pg::connect(&server.url().replace("dbname=postgres", "dbname=utf8")).unwrap();
    let lower: String = utf8.query_one("SELECT lower('É')", &[]).unwrap().get(0);
    assert_eq!(lower, "é", "the database's own collation folds non-ASCII letters");
    run_all(&mut utf8, &schema, &records);
}
