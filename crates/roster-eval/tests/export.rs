//! `Plan::write_csv` against `roster_render::write_csv` over `Plan::records`: the same bytes
//! in UTC, on one thread or several; and the local form in other zones.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use roster_ast::{CmpOp, Direction};
use roster_check::{Operand, Pred, TypedQuery, TypedSortKey};
use roster_eval::{Table, Zone, compile};
use roster_schema::{EnumType, Field, FieldId, FieldType, Record, Schema, Timestamp, Value};

fn render(schema: &Schema, table: &Table, q: &TypedQuery) -> Vec<u8> {
    let mut want = Vec::new();
    roster_render::write_csv(&mut want, schema, &q.projection, &compile(schema, q).records(table)).unwrap();
    want
}

fn export(schema: &Schema, table: &Table, q: &TypedQuery, zone: &Zone, threads: usize) -> Vec<u8> {
    let mut got = Vec::new();
    compile(schema, q).with_threads(threads).write_csv(table, zone, &mut got).unwrap();
    got
}

#[test]
fn utc_export_equals_the_renderer_on_identity_users() {
    let profile = roster_schema::profiles::by_name("identity").unwrap();
    let schema = &profile.schema;
    // About 90,000 matches: several batches per worker, so the threaded pipeline runs.
    let table = Table::from_records(schema, profile.generate(120_000, 3)).unwrap();
    let status = schema.field("userStatus").unwrap().0;
    let q = TypedQuery {
        filter: Pred::Cmp { op: CmpOp::Ne, lhs: Operand::Field(status), rhs: Operand::Literal(Value::Enum(0)) },
        sort: vec![],
        projection: schema.ids().collect(),
        limit: None,
        offset: 0,
    };
    let want = render(schema, &table, &q);
    for threads in [1, 2, 3] {
        assert!(export(schema, &table, &q, &Zone::utc(), threads) == want, "{threads} thread(s)");
    }
    // A writer that fails part way: the error comes back, on every thread count, without
    // hanging on the workers.
    struct FailAfter(usize);
    impl std::io::Write for FailAfter {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if self.0 < buf.len() {
                return Err(std::io::Error::new(std::io::ErrorKind::BrokenPipe, "closed"));
            }
            self.0 -= buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    for threads in [1, 2, 3] {
        let err =
            compile(schema, &q).with_threads(threads).write_csv(&table, &Zone::utc(), &mut FailAfter(want.len() / 3));
        assert_eq!(err.unwrap_err().kind(), std::io::ErrorKind::BrokenPipe, "{threads} thread(s)");
    }
}

#[test]
fn quoting_nulls_and_every_type_match_the_renderer() {
    let kinds = EnumType { values: vec!["b,1".into(), "a".into()], case_sensitive: true };
    let schema = Schema {
        name: "t".into(),
        fields: vec![
            Field::new("id", FieldType::Int),
            Field::new("name", FieldType::String).nullable(),
            Field::new("flag", FieldType::Bool).nullable(),
            Field::new("kind", FieldType::Enum(kinds)).nullable(),
            Field::new("at", FieldType::Timestamp).nullable(),
            Field::new("uid", FieldType::Uuid).nullable(),
        ],
        primary_key: FieldId(0),
    };
    let names = ["plain", "a,b", "say \"hi\"", "line\nbreak", "cr\r", "", " spaced ", "zoë"];
    let records = (0..40i64).map(|i| {
        let n = names[i as usize % names.len()];
        Record(vec![
            Value::Int(i - 20),
            if i % 9 == 0 { Value::Null } else { Value::Str(n.into()) },
            if i % 5 == 0 { Value::Null } else { Value::Bool(i % 2 == 0) },
            if i % 7 == 0 { Value::Null } else { Value::Enum((i % 2) as u16) },
            if i % 4 == 0 { Value::Null } else { Value::Timestamp(Timestamp(i * 86_399_999_999 - 10_000_000)) },
            if i % 6 == 0 { Value::Null } else { Value::Uuid(u128::MAX / 40 * i as u128) },
        ])
    });
    let table = Table::from_records(&schema, records).unwrap();
    let all: Vec<FieldId> = schema.ids().collect();
    for projection in [all, vec![FieldId(1)], vec![FieldId(4), FieldId(0)]] {
        let q = TypedQuery {
            filter: Pred::Const(true),
            sort: vec![TypedSortKey { field: FieldId(4), direction: Direction::Desc }],
            projection,
            limit: Some(30),
            offset: 3,
        };
        let want = render(&schema, &table, &q);
        let got = export(&schema, &table, &q, &Zone::utc(), 1);
        assert_eq!(String::from_utf8(got).unwrap(), String::from_utf8(want).unwrap());
    }
}

#[test]
fn local_times_carry_their_offset() {
    let schema = Schema {
        name: "t".into(),
        fields: vec![Field::new("id", FieldType::Int), Field::new("at", FieldType::Timestamp)],
        primary_key: FieldId(0),
    };
    // 2021-03-14T06:59:59Z and 07:00:00Z, around New York's switch to daylight time.
    let before = 1_615_705_199_000_000;
    let records = [before, before + 1_000_000, 1_615_680_000_500_000]
        .into_iter()
        .enumerate()
        .map(|(i, at)| Record(vec![Value::Int(i as i64), Value::Timestamp(Timestamp(at))]));
    let table = Table::from_records(&schema, records).unwrap();
    let q =
        TypedQuery { filter: Pred::Const(true), sort: vec![], projection: vec![FieldId(1)], limit: None, offset: 0 };
    let new_york = Zone::with_transitions(-18_000, vec![(before + 1_000_000, -14_400)]);
    let got = String::from_utf8(export(&schema, &table, &q, &new_york, 1)).unwrap();
    assert_eq!(got, "at\n2021-03-14T01:59:59-05:00\n2021-03-14T03:00:00-04:00\n2021-03-13T19:00:00.500000-05:00\n");
    let kolkata = String::from_utf8(export(&schema, &table, &q, &Zone::fixed(19_800), 1)).unwrap();
    assert_eq!(kolkata.lines().nth(1), Some("2021-03-14T12:29:59+05:30"));
}
