//! `/openapi.json`: an OpenAPI 3.1 document built from the same [`EndpointDoc`]s the router
//! registers, so the document cannot drift from the endpoints.

use serde_json::{Map, Value as Json, json};

/// One documented parameter.
#[derive(Debug, Clone)]
pub struct ParamDoc {
    /// Its name.
    pub name: &'static str,
    /// `query` or `header`.
    pub location: &'static str,
    /// Whether it must be given.
    pub required: bool,
    /// What it means.
    pub description: &'static str,
    /// Its JSON schema.
    pub schema: Json,
}

impl ParamDoc {
    /// An optional query parameter of a simple type with a default.
    pub fn query(name: &'static str, ty: &str, description: &'static str, default: Json) -> ParamDoc {
        ParamDoc {
            name,
            location: "query",
            required: false,
            description,
            schema: json!({"type": ty, "default": default}),
        }
    }

    /// An optional integer query parameter with bounds and a default.
    pub fn query_int(
        name: &'static str,
        description: &'static str,
        min: i64,
        max: Option<i64>,
        default: i64,
    ) -> ParamDoc {
        let mut schema = json!({"type": "integer", "minimum": min, "default": default});
        if let (Some(max), Some(obj)) = (max, schema.as_object_mut()) {
            obj.insert("maximum".into(), json!(max));
        }
        ParamDoc { name, location: "query", required: false, description, schema }
    }
}

/// One documented endpoint.
#[derive(Debug, Clone)]
pub struct EndpointDoc {
    /// `get`, `post`.
    pub method: &'static str,
    /// The path.
    pub path: &'static str,
    /// A title.
    pub summary: &'static str,
    /// What it does.
    pub description: &'static str,
    /// The security scheme name (`bearer`).
    pub security: &'static str,
    /// Its parameters.
    pub params: Vec<ParamDoc>,
    /// Status, description and optional JSON body schema of each response.
    pub responses: Vec<(u16, &'static str, Option<Json>)>,
    /// The media type of the success response (`application/json`, `text/csv`); errors are
    /// always JSON.
    pub ok_type: &'static str,
}

fn error_schema() -> Json {
    json!({
        "type": "object",
        "required": ["detail"],
        "properties": {"detail": {"oneOf": [
            {"type": "string"},
            {"type": "array", "items": {"type": "object", "required": ["loc", "msg", "type"], "properties": {
                "loc": {"type": "array", "items": {"type": "string"}},
                "msg": {"type": "string"},
                "type": {"type": "string"},
                "span": {"type": "object", "properties": {"start": {"type": "integer"}, "end": {"type": "integer"}}},
                "help": {"type": "string"}
            }}}
        ]}}
    })
}

/// The OpenAPI document of `endpoints`.
pub fn document(endpoints: &[EndpointDoc]) -> Json {
    let mut paths = Map::new();
    for e in endpoints {
        let params: Vec<Json> = e
            .params
            .iter()
            .map(|p| json!({"name": p.name, "in": p.location, "required": p.required, "description": p.description, "schema": p.schema}))
            .collect();
        let mut responses = Map::new();
        for (status, description, schema) in &e.responses {
            let schema = schema.clone().unwrap_or_else(error_schema);
            let media = if (200..300).contains(status) { e.ok_type } else { "application/json" };
            let mut content = Map::new();
            content.insert(media.to_owned(), json!({"schema": schema}));
            responses.insert(status.to_string(), json!({"description": description, "content": content}));
        }
        let op = json!({
            "summary": e.summary,
            "description": e.description,
            "security": [{ e.security: [] }],
            "parameters": params,
            "responses": responses,
        });
        let entry = paths.entry(e.path.to_owned()).or_insert_with(|| json!({}));
        if let Some(obj) = entry.as_object_mut() {
            obj.insert(e.method.to_owned(), op);
        }
    }
    json!({
        "openapi": "3.1.0",
        "info": {"title": "Roster reference server", "version": env!("CARGO_PKG_VERSION")},
        "paths": paths,
        "components": {"securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer"},
            "token": {"type": "apiKey", "in": "header", "name": "X-Auth-Token"}
        }},
    })
}
