//! Profile `chat` (seed 004, `GET /api/v1/users.list`): documents filtered, projected and
//! sorted with Mongo `query`, `fields` and `sort` JSON, under MongoDB's semantics.
//!
//! Fields, as the seed shows them: `_id` (a 17-character Meteor id), `username`, `emails`
//! (array of `{address, verified}`, `verified` missing from some elements; `emails` missing
//! for bots and some users, sometimes empty),
//! `type`, `status`, `active`, `roles` (array of strings, always present, sometimes empty),
//! `name` and `nameInsensitive` (missing for some users), `lastLogin` (missing for users who
//! never logged in), `createdAt`, and `customFields`, an open map whose values mix types on
//! purpose (`level` is a number for most users, a string or a boolean for some), so that
//! MongoDB's type brackets matter.

use crate::Timestamp;
use crate::document::{Atom, Doc, DocField, DocSchema, DocType, Member, Scalar, Slot};
use crate::profiles::names::{self, DOMAINS, FIRST, LAST};
use crate::rng::Rng;

/// The `type` values.
pub const TYPES: [&str; 3] = ["user", "bot", "app"];
/// The `status` values.
pub const STATUSES: [&str; 4] = ["online", "offline", "away", "busy"];
/// Role names.
pub const ROLES: [&str; 6] = ["user", "admin", "bot", "anonymous", "moderator", "livechat-agent"];
/// `customFields.clearance` strings.
pub const CLEARANCES: [&str; 4] = ["High", "Medium", "Low", "high"];
/// `customFields.team` strings.
pub const TEAMS: [&str; 5] = ["Queen", "King", "Rook", "Bishop", "Pawn"];

/// The chat schema. `_id` is the primary key.
pub fn schema() -> DocSchema {
    DocSchema {
        name: "chat_users".into(),
        fields: vec![
            DocField::new("_id", DocType::Scalar(Scalar::String)).column("id"),
            DocField::new("username", DocType::Scalar(Scalar::String)),
            DocField::new(
                "emails",
                DocType::Objects(vec![
                    Member { name: "address".into(), ty: Scalar::String, required: true },
                    Member { name: "verified".into(), ty: Scalar::Bool, required: false },
                ]),
            )
            .optional(),
            DocField::new("type", DocType::Scalar(Scalar::String)),
            DocField::new("status", DocType::Scalar(Scalar::String)),
            DocField::new("active", DocType::Scalar(Scalar::Bool)),
            DocField::new("roles", DocType::Array(Scalar::String)),
            DocField::new("name", DocType::Scalar(Scalar::String)).optional(),
            DocField::new("nameInsensitive", DocType::Scalar(Scalar::String)).optional().column("name_insensitive"),
            DocField::new("lastLogin", DocType::Scalar(Scalar::Timestamp)).optional().column("last_login"),
            DocField::new("createdAt", DocType::Scalar(Scalar::Timestamp)).column("created_at"),
            DocField::new("customFields", DocType::Map).optional().column("custom_fields"),
        ],
        primary_key: 0,
    }
}

/// Meteor's id alphabet (no look-alike characters).
const ID_ALPHABET: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTWXYZabcdefghijkmnopqrstuvwxyz";

/// 2019-01-01 .. 2024-01-01 in seconds.
const CREATED_FROM: i64 = 1_546_300_800;
const CREATED_TO: i64 = 1_704_067_200;

/// `count` generated users for `seed`; user `i` depends only on `(seed, i)`.
pub fn generate(count: u64, seed: u64) -> impl Iterator<Item = Doc> {
    (0..count).map(move |i| {
        let mut rng = Rng::new(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ i ^ 0xC4A7);
        make(&mut rng, i)
    })
}

fn meteor_id(rng: &mut Rng, i: u64) -> String {
    // 11 random characters, then `i` in base 55 over 6 characters: unique by construction.
    let base = ID_ALPHABET.len() as u64;
    let mut id: String = (0..11).map(|_| char::from(*rng.pick(ID_ALPHABET))).collect();
    let mut n = i;
    let mut tail = [0u8; 6];
    for t in tail.iter_mut().rev() {
        *t = ID_ALPHABET[(n % base) as usize];
        n /= base;
    }
    id.extend(tail.iter().map(|&b| char::from(b)));
    id
}

fn make(rng: &mut Rng, i: u64) -> Doc {
    let id = meteor_id(rng, i);
    let ty = TYPES[rng.weighted(&[85, 10, 5])];
    let first = *rng.pick(FIRST);
    let last = *rng.pick(LAST);
    let username = match ty {
        "bot" => format!("{}.bot-{i}", names::ascii_lower(first)),
        _ if rng.chance(10) => format!("user-{i}"),
        _ => format!("{}.{}{i}", names::ascii_lower(first), names::ascii_lower(last)),
    };
    let emails = if ty == "bot" || rng.chance(8) {
        Slot::Missing
    } else if rng.chance(5) {
        Slot::Objects(Vec::new())
    } else {
        let n = 1 + rng.weighted(&[70, 25, 5]);
        let mut list = Vec::with_capacity(n);
        for k in 0..n {
            let local = if k == 0 { username.clone() } else { format!("{}{k}", names::ascii_lower(first)) };
            let address = Atom::Str(format!("{local}@{}", rng.pick(DOMAINS)));
            // Some addresses were added without a verification state.
            let verified = if rng.chance(8) { None } else { Some(Atom::Bool(rng.chance(60))) };
            list.push(vec![Some(address), verified]);
        }
        Slot::Objects(list)
    };
    let name = if rng.chance(85) { Some(format!("{first} {last}")) } else { None };
    let name_insensitive = match &name {
        Some(n) => Slot::Atom(Atom::Str(n.to_lowercase())),
        None if rng.chance(50) => Slot::Atom(Atom::Str(String::new())),
        None => Slot::Missing,
    };
    let roles = match ty {
        "bot" => vec!["bot".to_owned()],
        _ if rng.chance(4) => Vec::new(),
        _ => {
            let mut r = vec!["user".to_owned()];
            let extra = rng.weighted(&[50, 35, 15]);
            r.extend(names::subset(rng, &["admin", "moderator", "livechat-agent", "anonymous"], extra));
            if rng.chance(30) {
                r.reverse();
            }
            r
        }
    };
    let created = rng.range_i64(CREATED_FROM, CREATED_TO) * 1_000_000 + rng.range_i64(0, 1000) * 1000;
    let last_login = if rng.chance(20) {
        Slot::Missing
    } else {
        Slot::Atom(Atom::Time(Timestamp(
            created + rng.range_i64(0, 400 * 86_400) * 1_000_000 + rng.range_i64(0, 1000) * 1000,
        )))
    };
    let custom = if rng.chance(40) {
        Slot::Missing
    } else {
        let mut m = Vec::new();
        if rng.chance(70) {
            m.push(("clearance".to_owned(), Atom::Str((*rng.pick(&CLEARANCES)).to_owned())));
        }
        if rng.chance(60) {
            m.push(("team".to_owned(), Atom::Str((*rng.pick(&TEAMS)).to_owned())));
        }
        if rng.chance(70) {
            let level = match rng.weighted(&[60, 15, 15, 10]) {
                0 => Atom::Num(rng.range_i64(0, 6) as f64),
                1 => Atom::Num(rng.range_i64(0, 60) as f64 / 10.0),
                2 => Atom::Str(rng.range_i64(0, 6).to_string()),
                _ => Atom::Bool(rng.chance(50)),
            };
            m.push(("level".to_owned(), level));
        }
        if rng.chance(30) {
            m.push(("remote".to_owned(), Atom::Bool(rng.chance(50))));
        }
        Slot::Map(m)
    };
    Doc(vec![
        Slot::Atom(Atom::Str(id)),
        Slot::Atom(Atom::Str(username)),
        emails,
        Slot::Atom(Atom::Str(ty.to_owned())),
        Slot::Atom(Atom::Str((*rng.pick(&STATUSES)).to_owned())),
        Slot::Atom(Atom::Bool(rng.chance(90))),
        Slot::Array(roles.into_iter().map(Atom::Str).collect()),
        name.map_or(Slot::Missing, |n| Slot::Atom(Atom::Str(n))),
        name_insensitive,
        last_login,
        Slot::Atom(Atom::Time(Timestamp(created))),
        custom,
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::{decode_doc, encode_doc};

    #[test]
    fn generated_users_are_deterministic_valid_and_varied() {
        let s = schema();
        let a: Vec<Doc> = generate(2000, 7).collect();
        assert_eq!(a, generate(2000, 7).collect::<Vec<_>>());
        let mut ids = std::collections::HashSet::new();
        for d in &a {
            let text = serde_json::to_string(&encode_doc(&s, d, None)).unwrap();
            assert_eq!(&decode_doc(&s, &text).unwrap(), d, "{text}");
            assert!(ids.insert(d.id(&s).to_owned()));
            assert_eq!(d.id(&s).len(), 17);
        }
        let slot = |name: &str| s.field(name).unwrap().0;
        let some = |f: &dyn Fn(&Doc) -> bool| a.iter().any(f);
        for name in ["emails", "name", "nameInsensitive", "lastLogin", "customFields"] {
            assert!(some(&|d| d.0[slot(name)] == Slot::Missing), "{name} never missing");
            assert!(some(&|d| d.0[slot(name)] != Slot::Missing), "{name} always missing");
        }
        assert!(some(&|d| d.0[slot("emails")] == Slot::Objects(Vec::new())));
        assert!(some(&|d| matches!(&d.0[slot("emails")], Slot::Objects(v) if v.len() > 1)));
        assert!(some(&|d| matches!(&d.0[slot("emails")], Slot::Objects(v) if v.iter().any(|e| e[1].is_none()))));
        assert!(some(&|d| d.0[slot("roles")] == Slot::Array(Vec::new())));
        for bracket in 1..=3 {
            assert!(
                some(&|d| matches!(&d.0[slot("customFields")], Slot::Map(m)
                    if m.iter().any(|(k, v)| k == "level" && v.bracket() == bracket))),
                "customFields.level never of bracket {bracket}"
            );
        }
    }
}
