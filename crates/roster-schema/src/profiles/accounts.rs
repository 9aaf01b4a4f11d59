//! Profile `accounts` (seed 003, `GET /api/v3/users`): `search` keywords over `user_key`,
//! the name, `tags` and `user_defined_properties`, `order_by`/`order`, `page`/`per`,
//! `field_list`, `is_oem` with `child_organisation_key`; a JSON envelope
//! `{total_count, page, users}`.
//!
//! `organisation_key` is the account a user belongs to: filter-only, it scopes a request to
//! the caller's account or, with `is_oem=true`, to a child account.

use crate::profiles::names::{self, DOMAINS, FIRST, LAST};
use crate::rng::Rng;
use crate::{EnumType, Field, FieldId, FieldType, Record, Schema, Timestamp, Value};

/// The `role` values.
pub const ROLES: [&str; 2] = ["admin", "normal"];
/// The caller's own account in the built-in data.
pub const PARENT_ORG: &str = "acme0org01";
/// Child accounts (for `is_oem=true&child_organisation_key=...`).
pub const CHILD_ORGS: &[&str] = &["chld0org01", "chld0org02"];
/// Tags.
pub const TAGS: &[&str] = &["pune-plant", "mumbai-plant", "maintenance", "quality", "night-shift", "supervisor"];
const CITIES: &[(&str, &str, &str)] = &[
    ("Baner", "Pune", "India"),
    ("Bandra Mumbai", "Mumbai", "India"),
    ("Andheri Mumbai", "Mumbai", "India"),
    ("Whitefield", "Bengaluru", "India"),
    ("Manhattan", "New York", "USA"),
    ("Camden", "London", "UK"),
];
const ZONES: &[&str] = &["Mumbai", "Kolkata", "Eastern Time (US & Canada)", "London"];

/// The accounts schema. `user_key` is the primary key.
pub fn schema() -> Schema {
    Schema {
        name: "accounts_users".into(),
        fields: vec![
            Field::new("address", FieldType::String),
            Field::new("city", FieldType::String),
            Field::new("confirmed_at", FieldType::Timestamp).nullable(),
            Field::new("country", FieldType::String),
            Field::new("email", FieldType::String),
            Field::new("first_name", FieldType::String).searchable(),
            Field::new("last_name", FieldType::String).searchable(),
            Field::new("phone", FieldType::String),
            Field::new(
                "role",
                FieldType::Enum(EnumType {
                    values: ROLES.iter().map(|s| (*s).to_owned()).collect(),
                    case_sensitive: true,
                }),
            ),
            Field::new("time_zone", FieldType::String),
            Field::new("user_key", FieldType::String).searchable(),
            Field::new("created_at", FieldType::Timestamp),
            Field::new("updated_at", FieldType::Timestamp),
            Field::new("role_name", FieldType::String),
            Field::new("role_key", FieldType::String),
            crate::profiles::directory::array("tags").searchable(),
            crate::profiles::directory::array("user_defined_properties").searchable(),
            Field::new("organisation_key", FieldType::String).filter_only(),
        ],
        primary_key: FieldId(10),
    }
}

/// 2015-01-01 .. 2025-06-01, in whole seconds (the API reports epoch seconds).
const CREATED_FROM: i64 = 1_420_070_400;
const CREATED_TO: i64 = 1_748_736_000;

pub(crate) fn make(_schema: &Schema, rng: &mut Rng, i: u64) -> Record {
    let first = *rng.pick(FIRST);
    let last = *rng.pick(LAST);
    let (address, city, country) = *rng.pick(CITIES);
    // Ten characters of [0-9a-z], unique by construction: the index in base 36 at the end.
    let mut user_key = names::key(rng, 4);
    let mut n = i;
    let mut tail = String::new();
    for _ in 0..6 {
        tail.insert(0, char::from(b"0123456789abcdefghijklmnopqrstuvwxyz"[(n % 36) as usize]));
        n /= 36;
    }
    user_key.push_str(&tail);
    let created = rng.range_i64(CREATED_FROM, CREATED_TO);
    let updated = created + rng.range_i64(0, 3 * 365 * 86_400);
    let confirmed = if rng.chance(15) {
        Value::Null
    } else {
        Value::Timestamp(Timestamp(created * 1_000_000 + rng.range_i64(0, 30 * 86_400_000) * 1_000))
    };
    let role = rng.weighted(&[25, 75]) as u16;
    let (role_name, role_key) = match (role, rng.below(2)) {
        (0, _) => ("Account Admin", "67e37d7bat"),
        (_, 0) => ("Read Only", "411a45tdc7"),
        _ => ("Operator", "52c9e0aa13"),
    };
    let org = if rng.chance(70) { PARENT_ORG } else { *rng.pick(CHILD_ORGS) };
    let mut props = vec![format!("plant={city}")];
    if rng.chance(50) {
        props.push(format!("shift={}", rng.pick(&["day", "night", "general"])));
    }
    if rng.chance(20) {
        props.push(format!("employee_id=E{}", names::phone(rng, 5)));
    }
    let tag_count = rng.weighted(&[20, 40, 30, 10]);
    let tags = names::subset(rng, TAGS, tag_count);
    Record(vec![
        Value::Str(address.to_owned()),
        Value::Str(city.to_owned()),
        confirmed,
        Value::Str(country.to_owned()),
        Value::Str(format!("{}{i}@{}", names::ascii_lower(first), rng.pick(DOMAINS))),
        Value::Str(first.to_owned()),
        Value::Str(last.to_owned()),
        Value::Str(names::phone(rng, 10)),
        Value::Enum(role),
        Value::Str((*rng.pick(ZONES)).to_owned()),
        Value::Str(user_key),
        Value::Timestamp(Timestamp(created * 1_000_000)),
        Value::Timestamp(Timestamp(updated * 1_000_000)),
        Value::Str(role_name.to_owned()),
        Value::Str(role_key.to_owned()),
        Value::StrArray(tags),
        Value::StrArray(props),
        Value::Str(org.to_owned()),
    ])
}
