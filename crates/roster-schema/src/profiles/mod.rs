//! The built-in profiles, one per seed API. Each has a schema and a deterministic generator:
//! the same `(users, seed)` always yields the same records, on every platform.

use crate::rng::Rng;
use crate::{Record, Schema};

pub mod identity;

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
pub const NAMES: &[&str] = &["identity"];

/// A built-in profile by name.
pub fn by_name(name: &str) -> Option<Profile> {
    match name {
        "identity" => Some(Profile {
            name: "identity",
            endpoint: "GET /identity/v1/users",
            schema: identity::schema(),
            make: identity::make,
        }),
        _ => None,
    }
}
