//! Profile `admin` (seed 002, `POST /adminui/user-management/v1/users/download`): a JSON body
//! with `limit`, `offset`, `sortFilter` and a `role` filter; CSV with the seed's preamble.
//! The CSV column labels (`USERNAME`, `First Name`, ...) are the renderer's business
//! (`roster-render`); the fields here are named in the seed's JSON style.

use crate::profiles::directory::array;
use crate::profiles::names::{self, DOMAINS, FIRST, LAST};
use crate::rng::Rng;
use crate::{EnumType, Field, FieldId, FieldType, Record, Schema, Value};

/// The user statuses (case-sensitive).
pub const STATUSES: [&str; 4] = ["ACTIVE", "PENDING_ACTIVATION", "INACTIVE", "LOCKED"];
/// Modules, as the seed lists them.
pub const MODULES: &[&str] = &["QWEB_PC", "ITAM", "QWEB_VM", "ADMIN", "ASSET_MANAGEMENT", "PM", "CA", "UD", "TC"];
/// Roles, as the seed shows them (the `role` filter matches them exactly).
pub const ROLES: &[&str] = &[
    "READER",
    "SCANNER",
    "MANAGER",
    "Unified Dashboard User",
    "PC User",
    "Reporting Manager",
    "Reporting Reader",
    "VM User",
    "CSAM Job User",
    "PATCH USER",
];
/// Tags (business units).
pub const TAGS: &[&str] = &["Unassigned Business Unit", "Finance BU", "Engineering BU", "EMEA"];

/// The admin schema. `username` is the primary key.
pub fn schema() -> Schema {
    Schema {
        name: "admin_users".into(),
        fields: vec![
            Field::new("username", FieldType::String),
            Field::new("firstName", FieldType::String),
            Field::new("lastName", FieldType::String),
            Field::new("email", FieldType::String),
            array("modules"),
            array("roles"),
            array("tags"),
            Field::new(
                "status",
                FieldType::Enum(EnumType {
                    values: STATUSES.iter().map(|s| (*s).to_owned()).collect(),
                    case_sensitive: true,
                }),
            ),
            Field::new("externalId", FieldType::String).nullable(),
            Field::new("superUser", FieldType::Bool),
            Field::new("samlStatus", FieldType::Bool),
        ],
        primary_key: FieldId(0),
    }
}

pub(crate) fn make(_schema: &Schema, rng: &mut Rng, i: u64) -> Record {
    let first = *rng.pick(FIRST);
    let last = *rng.pick(LAST);
    let username = format!(
        "acme_{}{}{i}",
        names::ascii_lower(first).chars().next().unwrap_or('x'),
        names::ascii_lower(last).chars().next().unwrap_or('x')
    );
    let email = format!("{}.{}@{}", names::ascii_lower(first), names::ascii_lower(last), rng.pick(DOMAINS));
    let role_count = 1 + rng.weighted(&[40, 30, 20, 10]);
    let mut roles = names::subset(rng, ROLES, role_count);
    if rng.chance(30) && !roles.iter().any(|r| r == "READER") {
        roles.insert(0, "READER".to_owned());
    }
    let external = match rng.below(4) {
        0 => Value::Null,
        1 => Value::Str("-".into()),
        _ => Value::Str(names::phone(rng, 7)),
    };
    let module_count = 2 + rng.below(6) as usize;
    let modules = names::subset(rng, MODULES, module_count);
    let tag_count = 1 + rng.weighted(&[80, 20]);
    let tags = names::subset(rng, TAGS, tag_count);
    Record(vec![
        Value::Str(username),
        Value::Str(first.to_owned()),
        Value::Str(last.to_owned()),
        Value::Str(email),
        Value::StrArray(modules),
        Value::StrArray(roles),
        Value::StrArray(tags),
        Value::Enum(rng.weighted(&[55, 30, 10, 5]) as u16),
        external,
        Value::Bool(rng.chance(5)),
        Value::Bool(rng.chance(20)),
    ])
}
