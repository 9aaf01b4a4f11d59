//! Name pools shared by the generators: realistic, with the case, accent and apostrophe
//! variety that case-insensitive matching has to cope with.

use crate::rng::Rng;

pub(crate) const FIRST: &[&str] = &[
    "John",
    "Jane",
    "Bill",
    "Jack",
    "Mike",
    "Priya",
    "Rahul",
    "Anita",
    "Daniel",
    "Maria",
    "José",
    "Zoë",
    "Li",
    "Olivia",
    "Noah",
    "Emma",
    "Liam",
    "Sofia",
    "Arjun",
    "Fatima",
    "Chen",
    "Anne-Marie",
    "Kofi",
    "Ingrid",
];
pub(crate) const LAST: &[&str] = &[
    "Doe",
    "Smith",
    "Timberly",
    "Potter",
    "Sharma",
    "Patel",
    "García",
    "Müller",
    "O'Neil",
    "McDonald",
    "Nguyen",
    "Kowalski",
    "Ito",
    "Khan",
    "Okafor",
    "Johansson",
    "de la Cruz",
    "Rossi",
];
pub(crate) const DOMAINS: &[&str] = &["acme.com", "acme.co.in", "example.org", "yahoo.com", "gmail.com"];

/// ASCII letters of `s`, lower-cased (for login names and e-mail addresses).
pub(crate) fn ascii_lower(s: &str) -> String {
    s.chars()
        .filter_map(|c| match c {
            'é' | 'è' => Some('e'),
            'ë' => Some('e'),
            'í' => Some('i'),
            'ü' => Some('u'),
            c if c.is_ascii_alphabetic() => Some(c.to_ascii_lowercase()),
            _ => None,
        })
        .collect()
}

/// A phone number of `digits` digits, the first not zero.
pub(crate) fn phone(rng: &mut Rng, digits: usize) -> String {
    let mut s = String::with_capacity(digits);
    s.push(char::from(b'1' + rng.below(9) as u8));
    for _ in 1..digits {
        s.push(char::from(b'0' + rng.below(10) as u8));
    }
    s
}

/// `n` distinct elements of `pool`, in pool order.
pub(crate) fn subset(rng: &mut Rng, pool: &[&str], n: usize) -> Vec<String> {
    let mut chosen = vec![false; pool.len()];
    let mut left = n.min(pool.len());
    while left > 0 {
        let i = rng.below(pool.len() as u64) as usize;
        if !chosen[i] {
            chosen[i] = true;
            left -= 1;
        }
    }
    pool.iter().zip(chosen).filter(|(_, c)| *c).map(|(s, _)| (*s).to_owned()).collect()
}

/// `len` characters of `[0-9a-z]`.
pub(crate) fn key(rng: &mut Rng, len: usize) -> String {
    const ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    (0..len).map(|_| char::from(*rng.pick(ALPHABET))).collect()
}
