//! Parse, check and SQL compile of typical identity filters, per filter (µs), and the three
//! together (the "parse + check + SQL compile under 2 µs" target of issue 8).

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use roster_benches::FILTERS;
use roster_sql::Backend;

fn frontend(c: &mut Criterion) {
    let schema = roster_schema::profiles::identity::schema();
    for (name, text) in FILTERS {
        let mut g = c.benchmark_group(format!("frontend/{name}"));
        g.bench_function("parse", |b| b.iter(|| roster_odata::parse_filter(black_box(text)).unwrap()));
        let ast = roster_ast::Query { filter: Some(roster_odata::parse_filter(text).unwrap()), ..Default::default() };
        g.bench_function("check", |b| b.iter(|| roster_check::check(black_box(&ast), &schema).unwrap()));
        let typed = roster_check::check(&ast, &schema).unwrap();
        g.bench_function("sql_postgres", |b| {
            b.iter(|| roster_sql::select(&schema, black_box(&typed), Backend::Postgres).unwrap())
        });
        g.bench_function("parse_check_sql", |b| {
            b.iter(|| {
                let filter = roster_odata::parse_filter(black_box(text)).unwrap();
                let q = roster_ast::Query { filter: Some(filter), ..Default::default() };
                let typed = roster_check::check(&q, &schema).unwrap();
                roster_sql::select(&schema, &typed, Backend::Postgres).unwrap()
            })
        });
        g.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(2));
    targets = frontend
}
criterion_main!(benches);
