//! Access configuration: who may call, with which token, in which workspace, with which
//! permissions, which records they may see (a scope per profile, written as an OData filter)
//! and which fields are hidden from them.
//!
//! ```json
//! {"principals": [{
//!   "name": "auditor", "token": "…", "workspace": "acme",
//!   "permissions": ["users:view_all"],
//!   "scopes": {"identity": "userStatus ne 'DELETED'"},
//!   "hidden_fields": {"identity": ["lastLogin"]}
//! }]}
//! ```
//!
//! A demo file is written on first start (with fresh random tokens, printed once).

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use serde::{Deserialize, Serialize};

/// The permission the identity endpoint requires (the seed's "view all users").
pub const VIEW_ALL: &str = "users:view_all";

/// One caller.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Principal {
    /// A name for logs.
    pub name: String,
    /// The secret token (compared in constant time).
    pub token: String,
    /// The workspace (rate limits are per workspace).
    pub workspace: String,
    /// Granted permissions.
    #[serde(default)]
    pub permissions: Vec<String>,
    /// Per profile, an OData filter every returned record must satisfy.
    #[serde(default)]
    pub scopes: BTreeMap<String, String>,
    /// Per profile, fields this caller can neither see nor filter, sort or project on.
    #[serde(default)]
    pub hidden_fields: BTreeMap<String, Vec<String>>,
    /// The caller's organisation key (`accounts` lists only its users, or with `is_oem` a
    /// child organisation's); default the generated data's `acme0org01`.
    #[serde(default)]
    pub organisation: Option<String>,
}

/// The whole access configuration.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AccessConfig {
    /// The callers.
    pub principals: Vec<Principal>,
}

impl AccessConfig {
    /// Reads a configuration file.
    pub fn load(path: &Path) -> Result<AccessConfig, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Writes it as pretty JSON.
    pub fn save(&self, path: &Path) -> Result<(), String> {
        let text = serde_json::to_string_pretty(self).map_err(|e| e.to_string())?;
        std::fs::write(path, text + "\n").map_err(|e| format!("{}: {e}", path.display()))
    }

    /// A demo configuration with fresh random tokens: an admin who sees everything, an
    /// auditor with a scope and a hidden field, and a guest without permissions.
    pub fn demo() -> Result<AccessConfig, String> {
        let principal = |name: &str, workspace: &str, permissions: &[&str]| -> Result<Principal, String> {
            Ok(Principal {
                name: name.into(),
                token: random_token()?,
                workspace: workspace.into(),
                permissions: permissions.iter().map(|p| (*p).to_owned()).collect(),
                scopes: BTreeMap::new(),
                hidden_fields: BTreeMap::new(),
                organisation: None,
            })
        };
        let admin = principal("admin", "acme", &[VIEW_ALL])?;
        let mut auditor = principal("auditor", "acme", &[VIEW_ALL])?;
        auditor
            .scopes
            .insert("identity".into(), "userStatus ne 'DELETED' and userStatus ne 'DELETE_IN_PROGRESS'".into());
        auditor.hidden_fields.insert("identity".into(), vec!["lastLogin".into()]);
        auditor.scopes.insert("chat".into(), r#"{"active": true}"#.into());
        auditor.hidden_fields.insert("chat".into(), vec!["customFields".into()]);
        let guest = principal("guest", "beta", &[])?;
        Ok(AccessConfig { principals: vec![admin, auditor, guest] })
    }

    /// The principal whose token is `token`. Every token is compared, in constant time per
    /// byte, so the time taken does not depend on which principal matches or how much of a
    /// token is right.
    pub fn authenticate(&self, token: &str) -> Option<&Principal> {
        let mut found = None;
        for p in &self.principals {
            if constant_time_eq(p.token.as_bytes(), token.as_bytes()) {
                found = Some(p);
            }
        }
        found
    }
}

/// Equality whose running time depends only on the lengths.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let mut diff = u8::from(a.len() != b.len());
    for i in 0..a.len().max(b.len()) {
        diff |= a.get(i).copied().unwrap_or(0) ^ b.get(i).copied().unwrap_or(0xFF);
    }
    diff == 0
}

/// 32 hex characters from the operating system's random source.
fn random_token() -> Result<String, String> {
    let mut bytes = [0u8; 16];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .map_err(|e| format!("cannot read /dev/urandom for a token: {e}"))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_match_exactly() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
        assert!(!constant_time_eq(b"", b"a"));
        let c = AccessConfig::demo().unwrap();
        let t = c.principals[1].token.clone();
        assert_eq!(c.authenticate(&t).map(|p| p.name.as_str()), Some("auditor"));
        assert_eq!(c.authenticate(&t[..31]), None);
        assert_eq!(t.len(), 32);
        assert_ne!(c.principals[0].token, c.principals[1].token);
    }
}
