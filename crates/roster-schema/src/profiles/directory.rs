//! Profile `directory` (seed 000, `GET /api/v2/users/download`): per-field query parameters,
//! a `sort` array of `field:asc|desc`, `_fields`, CSV output in a requested time zone.
//!
//! The field names are the seed's CSV column names (its `_fields` list), so `_fields` names
//! fields directly; the query parameters map onto them in `roster-params` (`name` is
//! `fullname`, `loginName` is `userid`, `mail` is `email`, `accountStatus` is `status`). The
//! fields the seed filters or sorts on but never exports (`whenchanged`, `orgid`, `groups`,
//! `siteid`) are not returned.

use crate::profiles::names::{self, DOMAINS, FIRST, LAST};
use crate::rng::Rng;
use crate::{EnumType, Field, FieldId, FieldType, Record, Schema, Timestamp, Value};

/// The `accountStatus` values, exactly as the seed lists them (case-sensitive).
pub const STATUSES: [&str; 4] = ["Enabled", "Disabled", "Enabled*", "Disabled*"];
/// Tags users carry.
pub const TAGS: &[&str] = &["contractor", "vpn", "finance", "engineering", "sales", "remote", "hr", "admin"];
/// Groups users belong to.
pub const GROUPS: &[&str] = &["Everyone", "Developers", "Finance Team", "Support", "Managers", "Interns"];
/// Organisation ids.
pub const ORGS: &[&str] = &["org-1001", "org-1002", "org-2001"];
/// Site ids.
pub const SITES: &[&str] = &["site-pune", "site-london", "site-nyc", "site-sydney"];
const AUTH_DOMAINS: &[&str] = &["LOCAL", "corp.acme.com", "AzureAD"];
const ACCESS_ZONES: &[&str] = &["Asia/Kolkata", "America/New_York", "Europe/London", "UTC"];

/// The directory schema. `userid` (the login name) is the primary key.
pub fn schema() -> Schema {
    let mut whenchanged = Field::new("whenchanged", FieldType::Timestamp);
    whenchanged.projectable = false;
    Schema {
        name: "directory_users".into(),
        fields: vec![
            Field::new("firstname", FieldType::String),
            Field::new("lastname", FieldType::String),
            Field::new("fullname", FieldType::String),
            Field::new("userid", FieldType::String),
            Field::new("email", FieldType::String),
            Field::new(
                "status",
                FieldType::Enum(EnumType {
                    values: STATUSES.iter().map(|s| (*s).to_owned()).collect(),
                    case_sensitive: true,
                }),
            ),
            Field::new("lastloggedin", FieldType::Timestamp).nullable(),
            Field::new("passwordexpiry", FieldType::Timestamp).nullable(),
            Field::new("phone", FieldType::String).nullable(),
            Field::new("authdomain", FieldType::String),
            Field::new("mfa", FieldType::Bool),
            Field::new("emailverified", FieldType::Bool),
            Field::new("createdat", FieldType::Timestamp),
            Field::new("scheduleaccessstart", FieldType::Timestamp).nullable(),
            Field::new("scheduleaccessend", FieldType::Timestamp).nullable(),
            Field::new("scheduleaccesstimezone", FieldType::String).nullable(),
            array("tags"),
            whenchanged,
            Field::new("orgid", FieldType::String).filter_only(),
            array("groups").filter_only(),
            Field::new("siteid", FieldType::String).filter_only(),
        ],
        primary_key: FieldId(3),
    }
}

/// A filterable, returned, unsortable string-array field.
pub(crate) fn array(name: &str) -> Field {
    let mut f = Field::new(name, FieldType::StringArray);
    f.sortable = false;
    f
}

/// 2016-01-01T00:00:00Z .. 2025-06-01T00:00:00Z, in microseconds.
const CREATED_FROM: i64 = 1_451_606_400_000_000;
const CREATED_TO: i64 = 1_748_736_000_000_000;
/// Activity up to 2025-11-01T00:00:00Z.
const ACTIVE_TO: i64 = 1_761_955_200_000_000;
const DAY: i64 = 86_400_000_000;

pub(crate) fn make(_schema: &Schema, rng: &mut Rng, i: u64) -> Record {
    let first = *rng.pick(FIRST);
    let last = *rng.pick(LAST);
    let login = format!("{}.{}{i}", names::ascii_lower(first), names::ascii_lower(last));
    let email = match rng.below(5) {
        0 => format!("{}{}@{}", names::ascii_lower(first).to_uppercase(), i, rng.pick(DOMAINS)),
        _ => format!("{login}@{}", rng.pick(DOMAINS)),
    };
    let status = rng.weighted(&[60, 20, 12, 8]) as u16;
    // Whole seconds, as directory services keep them; a few share a day boundary.
    let created = rng.range_i64(CREATED_FROM, CREATED_TO) / 1_000_000 * 1_000_000;
    let created = if rng.below(20) == 0 { created - created.rem_euclid(DAY) } else { created };
    let changed = rng.range_i64(created, ACTIVE_TO) / 1_000 * 1_000;
    let never = rng.chance(if status == 0 { 10 } else { 35 });
    let last_login = if never { Value::Null } else { ts(rng.range_i64(created, ACTIVE_TO) / 1_000 * 1_000) };
    let expiry = if rng.chance(15) {
        Value::Null
    } else {
        ts(rng.range_i64(created, ACTIVE_TO + 365 * DAY) / 1_000_000 * 1_000_000)
    };
    let (start, end, zone) = if rng.chance(30) {
        let s = rng.range_i64(created, ACTIVE_TO) / 60_000_000 * 60_000_000;
        let e = s + rng.range_i64(DAY, 400 * DAY) / 60_000_000 * 60_000_000;
        (ts(s), ts(e), Value::Str((*rng.pick(ACCESS_ZONES)).to_owned()))
    } else {
        (Value::Null, Value::Null, Value::Null)
    };
    let phone = if rng.chance(25) { Value::Null } else { Value::Str(format!("+91{}", names::phone(rng, 10))) };
    let tag_count = rng.weighted(&[25, 35, 25, 15]);
    let group_count = 1 + rng.weighted(&[50, 35, 15]);
    Record(vec![
        Value::Str(first.to_owned()),
        Value::Str(last.to_owned()),
        Value::Str(format!("{first} {last}")),
        Value::Str(login),
        Value::Str(email),
        Value::Enum(status),
        last_login,
        expiry,
        phone,
        Value::Str((*rng.pick(AUTH_DOMAINS)).to_owned()),
        Value::Bool(rng.chance(40)),
        Value::Bool(rng.chance(75)),
        ts(created),
        start,
        end,
        zone,
        Value::StrArray(names::subset(rng, TAGS, tag_count)),
        ts(changed),
        Value::Str((*rng.pick(ORGS)).to_owned()),
        Value::StrArray(names::subset(rng, GROUPS, group_count)),
        Value::Str((*rng.pick(SITES)).to_owned()),
    ])
}

fn ts(micros: i64) -> Value {
    Value::Timestamp(Timestamp(micros))
}
