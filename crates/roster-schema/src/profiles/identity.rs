//! Profile `identity` (seed 001, `GET /identity/v1/users`): filtered with OData `$filter`
//! over `id`, `username`, `userStatus`, `createdAt`, `updatedAt` and `lastLogin`.

use crate::rng::Rng;
use crate::{EnumType, Field, FieldId, FieldType, Record, Schema, Timestamp, Value};

/// The `userStatus` values, exactly as the seed lists them (case-sensitive).
pub const STATUSES: [&str; 6] = ["UNVERIFIED", "VERIFIED", "BLOCKED", "DELETE_IN_PROGRESS", "DELETED", "SUSPENDED"];

/// The identity schema. `id` is the primary key.
pub fn schema() -> Schema {
    Schema {
        name: "identity_users".into(),
        fields: vec![
            Field::new("id", FieldType::Uuid),
            Field::new("username", FieldType::String),
            Field::new(
                "userStatus",
                FieldType::Enum(EnumType {
                    values: STATUSES.iter().map(|s| (*s).to_owned()).collect(),
                    case_sensitive: true,
                }),
            ),
            Field::new("createdAt", FieldType::Timestamp),
            Field::new("updatedAt", FieldType::Timestamp),
            Field::new("lastLogin", FieldType::Timestamp).nullable(),
        ],
        primary_key: FieldId(0),
    }
}

const FIRST: &[&str] = &[
    "alice",
    "bob",
    "carol",
    "dave",
    "erin",
    "frank",
    "grace",
    "heidi",
    "ivan",
    "judy",
    "mallory",
    "niaj",
    "olivia",
    "peggy",
    "rupert",
    "sybil",
    "trent",
    "victor",
    "walter",
    "zoë",
    "José",
    "o'brien",
    "Anne-Marie",
    "li",
];
const LAST: &[&str] = &["smith", "jones", "García", "nguyen", "O'Neil", "müller", "kowalski", "ito", "khan", "doe"];
const DOMAINS: &[&str] = &["example.com", "acme.io", "mail.example.org", "corp.local"];

/// 2015-01-01T00:00:00Z .. 2025-06-01T00:00:00Z, in microseconds.
const CREATED_FROM: i64 = 1_420_070_400_000_000;
const CREATED_TO: i64 = 1_748_736_000_000_000;
/// Logins and updates happen up to 2025-11-01T00:00:00Z.
const ACTIVE_TO: i64 = 1_761_955_200_000_000;

pub(crate) fn make(_schema: &Schema, rng: &mut Rng, i: u64) -> Record {
    // A version-4, variant-1 UUID.
    let raw = (u128::from(rng.next_u64()) << 64) | u128::from(rng.next_u64());
    let id = (raw & !(0xF_u128 << 76) & !(0x3_u128 << 62)) | (0x4_u128 << 76) | (0x2_u128 << 62);
    let username = match rng.below(10) {
        0 => format!("user-{i}"),
        1 => format!("{}{i}", rng.pick(FIRST).to_uppercase()),
        _ => format!("{}.{}{i}@{}", rng.pick(FIRST), rng.pick(LAST), rng.pick(DOMAINS)),
    };
    let status = rng.weighted(&[15, 55, 8, 4, 10, 8]) as u16;
    let created = rng.range_i64(CREATED_FROM, CREATED_TO);
    // A few users share a creation instant with the previous id range, so sorts need the
    // tie-breaker: round every 16th to the whole day.
    let created = if rng.below(16) == 0 { created - created.rem_euclid(86_400_000_000) } else { created };
    let updated = rng.range_i64(created, ACTIVE_TO);
    let never = if status == 0 { rng.chance(90) } else { rng.chance(10) };
    let last_login = if never { Value::Null } else { Value::Timestamp(Timestamp(rng.range_i64(created, ACTIVE_TO))) };
    Record(vec![
        Value::Uuid(id),
        Value::Str(username),
        Value::Enum(status),
        Value::Timestamp(Timestamp(created)),
        Value::Timestamp(Timestamp(updated)),
        last_login,
    ])
}

#[cfg(test)]
mod tests {
    use crate::Value;
    use crate::profiles::by_name;

    #[test]
    fn deterministic_and_varied() {
        let p = by_name("identity").unwrap();
        let a: Vec<_> = p.generate(2000, 42).collect();
        let b: Vec<_> = p.generate(2000, 42).collect();
        assert_eq!(a, b);
        let c: Vec<_> = p.generate(10, 43).collect();
        assert_ne!(a[..10], c[..]);
        for s in 0..6u16 {
            assert!(a.iter().any(|r| r.0[2] == Value::Enum(s)), "status {s} never generated");
        }
        assert!(a.iter().any(|r| r.0[5] == Value::Null));
        assert!(a.iter().any(|r| matches!(r.0[5], Value::Timestamp(_))));
        for r in &a {
            let (Value::Timestamp(c), Value::Timestamp(u)) = (&r.0[3], &r.0[4]) else { panic!() };
            assert!(c <= u, "updatedAt before createdAt");
        }
    }
}
