//! In-memory count, page (filter + sort createdAt desc, id + limit 300) and CSV export
//! (Asia/Kolkata) over 1M generated identity users (`ROSTER_BENCH_USERS` to change), each
//! next to the hand-written baseline over plain column vectors (`vanilla`).
//!
//! Roster runs on one thread unless the case says `2threads`; `index` and `scan` force an
//! access path, `auto` lets the plan choose.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use roster_benches::{Columns, FILTER, KOLKATA, LIMIT, SORT, typed};
use roster_eval::{Access, Table, Zone, compile};

fn users() -> u64 {
    std::env::var("ROSTER_BENCH_USERS").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000)
}

fn engine(c: &mut Criterion) {
    let profile = roster_schema::profiles::by_name("identity").unwrap();
    let schema = &profile.schema;
    let records: Vec<_> = profile.generate(users(), 1).collect();
    let table = Table::from_records(schema, records.iter().cloned()).unwrap();
    table.build_indexes();
    let columns = Columns::new(&records);
    drop(records);
    let vanilla_index = columns.sorted_index();

    let count_q = typed(schema, FILTER, None, None).unwrap();
    let page_q = typed(schema, FILTER, Some(SORT), Some(LIMIT)).unwrap();
    let mut export_q = typed(schema, FILTER, None, None).unwrap();
    export_q.sort.clear();
    let count_plan = compile(schema, &count_q);
    let page_plan = compile(schema, &page_q);
    let export_plan = compile(schema, &export_q);

    // The engines agree before they are timed.
    assert_eq!(count_plan.count(&table), columns.count());
    assert_eq!(page_plan.rows(&table), columns.page_heap());
    assert_eq!(columns.page_index(&vanilla_index), columns.page_heap());

    let mut g = c.benchmark_group("count");
    g.bench_function("vanilla", |b| b.iter(|| black_box(&columns).count()));
    let scan = count_plan.clone().with_access(Access::Scan);
    g.bench_function("roster_scan", |b| b.iter(|| scan.count(&table)));
    let scan2 = count_plan.clone().with_access(Access::Scan).with_threads(2);
    g.bench_function("roster_scan_2threads", |b| b.iter(|| scan2.count(&table)));
    g.bench_function("roster_auto", |b| b.iter(|| count_plan.count(&table)));
    g.finish();

    let mut g = c.benchmark_group("page");
    g.bench_function("vanilla_heap", |b| b.iter(|| black_box(&columns).page_heap()));
    g.bench_function("vanilla_index", |b| b.iter(|| black_box(&columns).page_index(&vanilla_index)));
    let scan = page_plan.clone().with_access(Access::Scan);
    g.bench_function("roster_scan", |b| b.iter(|| scan.rows(&table)));
    let scan2 = page_plan.clone().with_access(Access::Scan).with_threads(2);
    g.bench_function("roster_scan_2threads", |b| b.iter(|| scan2.rows(&table)));
    let index = page_plan.clone().with_access(Access::Index);
    g.bench_function("roster_index", |b| b.iter(|| index.rows(&table)));
    g.bench_function("roster_auto", |b| b.iter(|| page_plan.rows(&table)));
    g.finish();

    let zone = Zone::fixed(KOLKATA);
    let mut out = Vec::with_capacity(200 << 20);
    let mut g = c.benchmark_group("export");
    g.sample_size(10);
    g.bench_function("vanilla", |b| b.iter(|| columns.export(&mut out)));
    g.bench_function("roster", |b| {
        b.iter(|| {
            out.clear();
            export_plan.write_csv(&table, &zone, &mut out).unwrap()
        })
    });
    let export2 = export_plan.clone().with_threads(2);
    g.bench_function("roster_2threads", |b| {
        b.iter(|| {
            out.clear();
            export2.write_csv(&table, &zone, &mut out).unwrap()
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3));
    targets = engine
}
criterion_main!(benches);
