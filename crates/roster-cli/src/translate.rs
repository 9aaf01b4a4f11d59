//! `roster translate`: a query in one dialect, printed in another.
//!
//! The query is parsed and checked against the profile first, and the *typed* query is
//! printed, so a translation means exactly what the original means on Roster's engines (the
//! printers are exact: see `roster_check::filter_to_odata` and `roster_check::filter_to_mongo`).
//! What the target dialect cannot say (a field compared with a field, a function of a field
//! in Mongo) is an error naming the construct, exit status 2; nothing is approximated.
//!
//! The output is one JSON object whose keys are the target API's own parameter names:
//!
//! - OData: `$filter`, `$orderby`, `$select`, `$top`, `$skip` (text values, as one would put
//!   them in a URL before percent-encoding);
//! - Mongo (the `chat` seed's parameters): `query`, `sort`, `fields` (JSON documents), `count`,
//!   `offset`.
//!
//! A part appears only when the query has it: the sort when it is more than the primary-key
//! tie-breaker every Roster order ends with, the projection when it is not every field in
//! schema order, the page when it has a limit or an offset.

use roster_ast::Direction;
use roster_check::{TypedQuery, filter_to_mongo, filter_to_odata, sort_to_mongo, sort_to_odata};
use roster_schema::Schema;
use serde_json::{Map, Value as Json, json};

use crate::args::{QueryArgs, TranslateTarget};
use crate::commands::{build, profile};
use crate::error::CliError;

/// Runs `roster translate`.
pub fn run(q: &QueryArgs, to: TranslateTarget) -> Result<(), CliError> {
    let p = profile(&q.profile)?;
    let typed = build(q, &p.schema)?;
    let out = translate(&p.schema, &typed, to)?;
    crate::commands::outln!("{out}");
    Ok(())
}

/// The typed query in the target dialect, as a JSON object of the target's parameters.
pub fn translate(schema: &Schema, typed: &TypedQuery, to: TranslateTarget) -> Result<Json, CliError> {
    let pk = schema.primary_key;
    let sorted = !(typed.sort.len() == 1 && typed.sort[0].field == pk && typed.sort[0].direction == Direction::Asc);
    let all: Vec<_> = schema.ids().collect();
    let projected = typed.projection != all;
    let mut out = Map::new();
    match to {
        TranslateTarget::Odata => {
            out.insert("$filter".into(), json!(filter_to_odata(schema, &typed.filter)));
            if sorted {
                out.insert("$orderby".into(), json!(sort_to_odata(schema, typed)));
            }
            if projected {
                let names: Vec<&str> = typed.projection.iter().map(|&f| schema.get(f).name.as_str()).collect();
                out.insert("$select".into(), json!(names.join(",")));
            }
            if let Some(limit) = typed.limit {
                out.insert("$top".into(), json!(limit));
            }
            if typed.offset > 0 {
                out.insert("$skip".into(), json!(typed.offset));
            }
        }
        TranslateTarget::Mongo => {
            let query = filter_to_mongo(schema, &typed.filter).map_err(|e| CliError::Usage(e.to_string()))?;
            out.insert("query".into(), query);
            if sorted {
                out.insert("sort".into(), sort_to_mongo(schema, typed));
            }
            if projected {
                // An inclusion projection; the primary key (Mongo's `_id`) comes along unless
                // it is excluded, so say so when the projection leaves it out.
                let mut fields = Map::new();
                for &f in &typed.projection {
                    fields.insert(schema.get(f).name.clone(), json!(1));
                }
                if !typed.projection.contains(&pk) {
                    fields.insert(schema.get(pk).name.clone(), json!(0));
                }
                out.insert("fields".into(), Json::Object(fields));
            }
            if let Some(limit) = typed.limit {
                out.insert("count".into(), json!(limit));
            }
            if typed.offset > 0 {
                out.insert("offset".into(), json!(typed.offset));
            }
        }
    }
    Ok(Json::Object(out))
}
