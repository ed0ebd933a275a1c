//! The OpenAPI 3.1 document, served at `/api/v1/openapi.json`: its paths come from
//! [`ENDPOINTS`] (the table the router is built from), its schemas from here, beside the
//! shapes in `wire.rs` they describe.

use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Map, Value};

use super::problem;
use super::{ENDPOINTS, PREFIX};

pub async fn serve() -> Response {
    Json(document()).into_response()
}

fn nullable(ty: &str) -> Value {
    json!({ "type": [ty, "null"] })
}

fn time() -> Value {
    json!({ "type": "string", "format": "date-time" })
}

fn time_or_null() -> Value {
    json!({ "type": ["string", "null"], "format": "date-time" })
}

fn reference(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

fn object(properties: Value, required: &[&str]) -> Value {
    json!({ "type": "object", "properties": properties, "required": required })
}

fn schemas() -> Value {
    let user = object(
        json!({
            "id": { "type": "integer" },
            "name": { "type": "string" },
            "email": { "type": "string", "format": "email" },
            "role": { "enum": ["owner", "admin", "member"] },
            "status": { "enum": ["active", "reset_pending", "suspended", "invited"] },
            "last_sign_in_at": time_or_null(),
            "created_at": time(),
        }),
        &["id", "name", "email", "role", "status", "created_at"],
    );
    let reset = object(
        json!({
            "id": { "type": "integer", "description": "The reset's newest link." },
            "user_id": { "type": "integer" },
            "state": { "enum": ["pending", "link_expired", "cancelled"] },
            "link_expires_at": time_or_null(),
            "cancelled_at": time_or_null(),
        }),
        &["id", "user_id", "state"],
    );
    let mut detail = user.clone();
    if let Some(props) = detail["properties"].as_object_mut() {
        props.insert("title".into(), nullable("string"));
        props.insert("department".into(), nullable("string"));
        props.insert("password_changed_at".into(), time_or_null());
        props.insert(
            "reset".into(),
            json!({ "oneOf": [reference("Reset"), { "type": "null" }] }),
        );
        props.insert(
            "assets".into(),
            json!({ "type": "array", "items": object(json!({
                "id": { "type": "integer" }, "kind": { "type": "string" }, "name": { "type": "string" },
                "identifier": { "type": "string" }, "assigned_at": time(),
            }), &["id", "kind", "name", "identifier", "assigned_at"]) }),
        );
    }
    let filter = json!({
        "type": "object",
        "additionalProperties": false,
        "properties": {
            "status": { "enum": ["active", "reset_pending", "suspended", "invited"] },
            "role": { "enum": ["owner", "admin", "member"] },
            "search": { "type": "string" },
        },
    });
    let report = object(
        json!({
            "reset": { "type": "array", "items": { "type": "integer" } },
            "skipped": { "type": "array", "items": object(json!({
                "user_id": { "type": "integer" },
                "reason": { "enum": ["yourself", "no_permission", "suspended", "not_found", "invited"] },
                "detail": { "type": "string" },
            }), &["user_id", "reason", "detail"]) },
        }),
        &["reset", "skipped"],
    );
    let job = object(
        json!({
            "id": { "type": "integer" },
            "kind": { "const": "reset_password" },
            "state": { "enum": ["queued", "running", "succeeded", "failed"] },
            "total": { "type": "integer" },
            "done": { "type": "integer" },
            "created_at": time(),
            "started_at": time_or_null(),
            "finished_at": time_or_null(),
            "error": nullable("string"),
            "report": { "oneOf": [reference("ResetReport"), { "type": "null" }] },
        }),
        &["id", "kind", "state", "total", "done", "created_at"],
    );
    let activity = object(
        json!({
            "id": { "type": "integer" },
            "at": time(),
            "kind": { "type": "string" },
            "actor": nullable("string"),
            "user_id": nullable("integer"),
            "user_name": nullable("string"),
            "details": { "type": "string" },
            "ip": nullable("string"),
        }),
        &["id", "at", "kind", "details"],
    );
    let email = object(
        json!({
            "id": { "type": "integer" },
            "kind": { "enum": ["admin_reset", "forgot_password", "password_changed", "invitation"] },
            "subject": { "type": "string" },
            "state": { "enum": ["queued", "sending", "retrying", "sent", "failed"] },
            "attempts": { "type": "integer" },
            "queued_at": time(),
            "sent_at": time_or_null(),
            "next_attempt_at": time_or_null(),
            "last_error": nullable("string"),
        }),
        &["id", "kind", "subject", "state", "attempts", "queued_at"],
    );
    let page = |item: &str| {
        object(
            json!({
                "data": { "type": "array", "items": reference(item) },
                "next_cursor": nullable("string"),
            }),
            &["data", "next_cursor"],
        )
    };
    let problem_types: Vec<String> = problem::ALL
        .iter()
        .map(|k| format!("urn:orgdesk:problem:{}", k.slug))
        .collect();
    json!({
        "User": user,
        "UserDetail": detail,
        "UserPage": page("User"),
        "Reset": reset,
        "ResetReport": report,
        "Job": job,
        "Activity": activity,
        "ActivityPage": page("Activity"),
        "Email": email,
        "EmailList": object(json!({ "data": { "type": "array", "items": reference("Email") } }), &["data"]),
        "Filter": filter,
        "Count": object(json!({ "count": { "type": "integer" } }), &["count"]),
        "SignedOut": object(json!({ "sessions_ended": { "type": "integer" } }), &["sessions_ended"]),
        "NewUser": {
            "type": "object",
            "additionalProperties": false,
            "required": ["name", "email"],
            "properties": {
                "name": { "type": "string" },
                "email": { "type": "string", "format": "email" },
                "role": { "enum": ["owner", "admin", "member"], "default": "member" },
                "title": { "type": "string" },
                "department": { "type": "string" },
            },
        },
        "UserChange": {
            "type": "object",
            "additionalProperties": false,
            "description": "One of: status, role, or the profile (any of name, title and department; an absent field stays as it is, an empty title or department is cleared). The email can't be changed.",
            "properties": {
                "status": { "enum": ["suspended", "active"] },
                "role": { "enum": ["owner", "admin", "member"] },
                "name": { "type": "string", "minLength": 1, "maxLength": 200 },
                "title": { "type": "string", "maxLength": 200 },
                "department": { "type": "string", "maxLength": 200 },
            },
        },
        "BulkReset": {
            "type": "object",
            "additionalProperties": false,
            "description": "Either ids, or filter with expected_count (refused with count-changed unless the filter matches exactly that many).",
            "properties": {
                "ids": { "type": "array", "items": { "type": "integer" }, "maxItems": 100000 },
                "filter": reference("Filter"),
                "expected_count": { "type": "integer", "minimum": 1 },
            },
        },
        "Problem": {
            "type": "object",
            "description": "RFC 9457 problem details.",
            "required": ["type", "title", "status", "detail"],
            "properties": {
                "type": { "enum": problem_types },
                "title": { "type": "string" },
                "status": { "type": "integer" },
                "detail": { "type": "string" },
            },
        },
    })
}

/// The whole document.
pub fn document() -> Value {
    let mut paths = Map::new();
    for e in ENDPOINTS {
        let mut parameters: Vec<Value> = Vec::new();
        if e.path.contains("{id}") {
            parameters.push(json!({
                "name": "id", "in": "path", "required": true, "schema": { "type": "integer" }
            }));
        }
        for p in e.query {
            parameters.push(json!({
                "name": p.name, "in": "query", "required": false,
                "schema": { "type": p.schema }, "description": p.description,
            }));
        }
        let mut responses = Map::new();
        for (status, schema) in std::iter::once(e.ok).chain(e.also) {
            responses.insert(
                status.to_string(),
                json!({
                    "description": if status == 202 { "Accepted as a job" } else { "Success" },
                    "content": { "application/json": { "schema": reference(schema) } },
                }),
            );
        }
        responses.insert(
            "default".into(),
            json!({
                "description": "A problem (RFC 9457)",
                "content": { "application/problem+json": { "schema": reference("Problem") } },
            }),
        );
        let mut operation = json!({
            "operationId": e.operation_id,
            "summary": e.summary,
            "security": [{ "bearer": [e.scope.as_str()] }],
            "x-required-scope": e.scope.as_str(),
            "parameters": parameters,
            "responses": responses,
        });
        if let Some(body) = e.body {
            operation["requestBody"] = json!({
                "required": true,
                "content": { "application/json": { "schema": reference(body) } },
            });
        }
        if e.method == axum::http::Method::POST {
            if let Some(params) = operation["parameters"].as_array_mut() {
                params.push(json!({
                    "name": "Idempotency-Key", "in": "header", "required": false,
                    "schema": { "type": "string", "maxLength": 255 },
                    "description": "A retry with the same key within 24 hours gets the first answer and changes nothing.",
                }));
            }
        }
        let item = paths.entry(e.path.to_string()).or_insert_with(|| json!({}));
        item[e.method.as_str().to_ascii_lowercase()] = operation;
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Orgdesk automation API",
            "version": "1",
            "description": "Reset passwords, manage people and read activity with an organization's API token. See docs/api.md.",
        },
        "servers": [{ "url": PREFIX }],
        "components": {
            "securitySchemes": {
                "bearer": { "type": "http", "scheme": "bearer", "description": "An API token from Settings → API tokens (odk_…)." },
            },
            "schemas": schemas(),
        },
        "paths": paths,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reference_resolves() {
        let doc = document();
        let text = doc.to_string();
        let schemas = doc["components"]["schemas"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        for piece in text.split("#/components/schemas/").skip(1) {
            let name: String = piece.chars().take_while(|c| c.is_alphanumeric()).collect();
            assert!(
                schemas.contains_key(&name),
                "{name} is referenced but not defined"
            );
        }
    }

    #[test]
    fn every_endpoint_is_documented_once() {
        let doc = document();
        let mut count = 0;
        for (_, item) in doc["paths"].as_object().cloned().unwrap_or_default() {
            count += item.as_object().map_or(0, |ops| ops.len());
        }
        assert_eq!(count, ENDPOINTS.len());
    }
}
