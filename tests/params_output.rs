//! Snapshots of what the REST endpoints write: the `directory` CSV (in UTC, in Asia/Kolkata,
//! and in America/New_York across both daylight-saving changes of 2021), the `admin` CSV
//! with its preamble, and the `accounts` envelope with both timestamp formats. Inputs are
//! fixed (generated users with a fixed seed, and hand-made records for the DST case), so the
//! snapshots are exact. Review every new snapshot.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use roster_params::{Caller, TimestampFormat};
use roster_render::endpoint::{AdminCsv, AdminPreamble, DirectoryCsv, EpochStyle, in_zone, write_accounts};
use roster_schema::{Record, Timestamp, Value};

fn run(
    profile: &str,
    params: &str,
    body: Option<&str>,
    users: u64,
) -> (roster_params::Request, roster_check::TypedQuery, Vec<Record>, u64) {
    let p = roster_schema::profiles::by_name(profile).unwrap();
    let req = roster_params::parse(profile, params, body, &Caller::default()).unwrap();
    let typed = roster_check::check(&req.query, &p.schema).unwrap();
    let table = roster_eval::Table::from_records(&p.schema, p.generate(users, 3)).unwrap();
    let plan = roster_eval::compile(&p.schema, &typed);
    let total = plan.count(&table) as u64;
    (req, typed, plan.records(&table), total)
}

fn directory_csv(params: &str, users: u64) -> String {
    let schema = roster_schema::profiles::directory::schema();
    let (req, typed, records, _) = run("directory", params, None, users);
    let mut out = Vec::new();
    let mut w = DirectoryCsv::new(&mut out, &schema, &typed.projection, &req.time_zone).unwrap();
    for r in &records {
        w.write(r).unwrap();
    }
    w.finish().unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn directory_csv_in_utc_and_in_kolkata() {
    let params = "sort=loginName:asc&_fields=userid,fullname,status,lastloggedin,mfa,createdat,tags,phone";
    let utc = directory_csv(params, 6);
    let kolkata = directory_csv(&format!("{params}&timezone=Asia/Kolkata"), 6);
    insta::assert_snapshot!("directory_csv_utc", utc);
    insta::assert_snapshot!("directory_csv_kolkata", kolkata);
    // Same users, same order; only the offsets differ, by 5:30 everywhere.
    assert_eq!(utc.lines().count(), kolkata.lines().count());
    assert!(kolkata.contains("+05:30") && !kolkata.contains("+00:00"));
}

#[test]
fn directory_csv_with_every_column_default_order() {
    insta::assert_snapshot!("directory_csv_all_columns", directory_csv("sort=name:asc&timezone=Europe/London", 4));
}

#[test]
fn times_across_daylight_saving_changes_in_new_york() {
    // 2021-03-14 02:00 EST the clocks went forward; 2021-11-07 02:00 EDT they went back.
    let zone = jiff::tz::TimeZone::get("America/New_York").unwrap();
    let t = |s: &str| Timestamp::parse(s).unwrap();
    let cases = [
        ("2021-03-14T06:59:59.999Z", "2021-03-14T01:59:59.999-05:00"),
        ("2021-03-14T07:00:00Z", "2021-03-14T03:00:00.000-04:00"),
        ("2021-11-07T05:30:00Z", "2021-11-07T01:30:00.000-04:00"),
        ("2021-11-07T06:30:00Z", "2021-11-07T01:30:00.000-05:00"),
    ];
    for (utc, local) in cases {
        assert_eq!(in_zone(t(utc), &zone), local, "{utc}");
    }
    // And through the CSV writer, from records.
    let schema = roster_schema::profiles::directory::schema();
    let id = |n: &str| schema.field(n).unwrap().0;
    let fields = [id("userid"), id("lastloggedin"), id("createdat"), id("tags")];
    let mut out = Vec::new();
    let mut w = DirectoryCsv::new(&mut out, &schema, &fields, &zone).unwrap();
    for (i, (utc, _)) in cases.iter().enumerate() {
        let mut values = vec![Value::Null; schema.fields.len()];
        values[id("userid").index()] = Value::Str(format!("dst.user{i}"));
        values[id("lastloggedin").index()] = Value::Timestamp(t(utc));
        values[id("createdat").index()] = Value::Timestamp(t("2021-01-15T12:00:00Z"));
        values[id("tags").index()] = Value::StrArray(vec!["a, b".into(), "q\"uote".into()]);
        w.write(&Record(values)).unwrap();
    }
    w.finish().unwrap();
    insta::assert_snapshot!("directory_csv_new_york_dst", String::from_utf8(out).unwrap());
}

#[test]
fn admin_csv_with_the_seed_preamble() {
    let schema = roster_schema::profiles::admin::schema();
    let body = r#"{"limit": 5, "offset": 0, "sortFilter": {"username": "ASC"}, "filter": {"role": "READER"}}"#;
    let (req, typed, records, _) = run("admin", "format=CSV&timezone=Asia%2FKolkata", Some(body), 200);
    assert_eq!(records.len(), 5);
    let preamble = AdminPreamble {
        generated_at: Timestamp::parse("2025-02-25T06:53:24.062Z").unwrap(),
        zone: req.time_zone.clone(),
        records: records.len() as u64,
        account: ["Acme", "California", "USA", "205656"].map(str::to_owned),
        requester: ["John Doe", "quays_wy40"].map(str::to_owned),
    };
    let mut out = Vec::new();
    let mut w = AdminCsv::new(&mut out, &schema, &typed.projection, &preamble).unwrap();
    for r in &records {
        w.write(r).unwrap();
    }
    w.finish().unwrap();
    let text = String::from_utf8(out).unwrap();
    // The seed's first five lines, exactly (the generation time in Kolkata).
    let head: Vec<&str> = text.lines().take(5).collect();
    assert_eq!(
        head,
        [
            r#""Note: User download is having limit of 1000 records. Try Using pagination API.""#,
            r#""User Data","2025-02-25T12:23:24.062+05:30","5""#,
            r#""Acme","California","USA","205656""#,
            r#""John Doe","quays_wy40""#,
            r#""USERNAME","First Name","Last Name","Email Address","MODULE","Roles","Tags","STATUS","External ID","Super User","SAML Status""#,
        ]
    );
    insta::assert_snapshot!("admin_csv_seed_example", text);
}

fn accounts(params: &str, body: Option<&str>) -> String {
    let schema = roster_schema::profiles::accounts::schema();
    let (req, typed, records, total) = run("accounts", params, body, 30);
    let style = match req.timestamp_format {
        TimestampFormat::Int => EpochStyle::Int,
        TimestampFormat::Str => EpochStyle::Str,
    };
    let mut out = Vec::new();
    write_accounts(&mut out, &schema, &typed.projection, &records, total, &req.page_echo, style, req.pretty).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn accounts_envelope_int_and_str_timestamps() {
    let int = accounts("pretty=true", Some(r#"{"per":"2","page":"2"}"#));
    let str = accounts("pretty=true&per=2&page=2&timestamp_format=str", None);
    insta::assert_snapshot!("accounts_json_int", int);
    insta::assert_snapshot!("accounts_json_str", str);
    // The seed echoes a page given as a string as a string, and a number as a number.
    assert!(int.contains("\"page\": \"2\""), "{int}");
    assert!(str.contains("\"page\": 2,"), "{str}");
    let compact = accounts("per=1&field_list=user_key,tags,created_at", None);
    let v: serde_json::Value = serde_json::from_str(&compact).unwrap();
    let user = &v["users"][0];
    assert_eq!(user.as_object().unwrap().keys().collect::<Vec<_>>(), ["user_key", "tags", "created_at"]);
    assert!(user["created_at"].is_i64());
    assert!(!compact.trim_end().contains('\n'), "not pretty");
}
