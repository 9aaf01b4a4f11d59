//! The built-in profiles, one per seed API. Each has a schema and a deterministic generator:
//! the same `(users, seed)` always yields the same records, on every platform.

use crate::rng::Rng;
use crate::{Record, Schema};

pub mod accounts;
pub mod admin;
pub mod chat;
pub mod directory;
pub mod identity;
mod names;

/// A built-in profile.
#[derive(Debug, Clone)]
pub struct Profile {
    /// Its name on the command line and in docs.
    pub name: &'static str,
    /// The seed API it implements.
    pub endpoint: &'static str,
    /// Its schema.
    pub schema: Schema,
    make: fn(&Schema, &mut Rng, u64) -> Record,
}

impl Profile {
    /// `count` generated records for `seed`; record `i` depends only on `(seed, i)`.
    pub fn generate(&self, count: u64, seed: u64) -> impl Iterator<Item = Record> + '_ {
        (0..count).map(move |i| {
            let mut rng = Rng::new(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ i);
            (self.make)(&self.schema, &mut rng, i)
        })
    }
}

/// The names of the built-in profiles.
pub const NAMES: &[&str] = &["identity", "directory", "admin", "accounts"];

/// The built-in document profiles (MongoDB semantics, [`crate::document`]): their schemas
/// and generators live in their modules (`chat::schema`, `chat::generate`).
pub const DOCUMENT_NAMES: &[&str] = &["chat"];

/// A built-in profile by name.
pub fn by_name(name: &str) -> Option<Profile> {
    match name {
        "identity" => Some(Profile {
            name: "identity",
            endpoint: "GET /identity/v1/users",
            schema: identity::schema(),
            make: identity::make,
        }),
        "directory" => Some(Profile {
            name: "directory",
            endpoint: "GET /api/v2/users/download",
            schema: directory::schema(),
            make: directory::make,
        }),
        "admin" => Some(Profile {
            name: "admin",
            endpoint: "POST /adminui/user-management/v1/users/download",
            schema: admin::schema(),
            make: admin::make,
        }),
        "accounts" => Some(Profile {
            name: "accounts",
            endpoint: "GET /api/v3/users",
            schema: accounts::schema(),
            make: accounts::make,
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{FieldType, Value, decode_record, encode_record};

    /// Every profile: deterministic, records fit the schema and survive the JSON round trip,
    /// primary keys are unique, and every nullable field holds both nulls and values.
    #[test]
    fn every_profile_generates_valid_varied_records() {
        for name in NAMES {
            let p = by_name(name).unwrap();
            let a: Vec<_> = p.generate(1500, 9).collect();
            assert_eq!(a, p.generate(1500, 9).collect::<Vec<_>>(), "{name}: not deterministic");
            let all: Vec<_> = p.schema.ids().collect();
            let mut keys = std::collections::HashSet::new();
            for r in &a {
                let text = serde_json::to_string(&encode_record(&p.schema, r, &all)).unwrap();
                assert_eq!(&decode_record(&p.schema, &text).unwrap(), r, "{name}: {text}");
                assert!(keys.insert(format!("{:?}", r.get(p.schema.primary_key))), "{name}: duplicate key");
            }
            for (i, f) in p.schema.fields.iter().enumerate() {
                if f.nullable {
                    assert!(a.iter().any(|r| r.0[i] == Value::Null), "{name}.{}: never null", f.name);
                    assert!(a.iter().any(|r| r.0[i] != Value::Null), "{name}.{}: always null", f.name);
                }
                if let FieldType::Enum(e) = &f.ty {
                    for c in 0..e.values.len() {
                        assert!(a.iter().any(|r| r.0[i] == Value::Enum(c as u16)), "{name}.{}: value {c}", f.name);
                    }
                }
                if f.ty == FieldType::Bool {
                    assert!(a.iter().any(|r| r.0[i] == Value::Bool(true)), "{name}.{}", f.name);
                    assert!(a.iter().any(|r| r.0[i] == Value::Bool(false)), "{name}.{}", f.name);
                }
                if f.ty == FieldType::StringArray {
                    assert!(
                        a.iter().any(|r| r.0[i] == Value::StrArray(Vec::new()))
                            || name == &"admin"
                            || f.name == "groups"
                            || f.name == "user_defined_properties",
                        "{name}.{}: never empty",
                        f.name
                    );
                    assert!(
                        a.iter().any(|r| matches!(&r.0[i], Value::StrArray(v) if v.len() > 1)),
                        "{name}.{}",
                        f.name
                    );
                }
            }
        }
    }
}
