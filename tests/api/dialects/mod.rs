//! The vendor dialects, each replayed with its seed's own sample requests
//! (`../shared/seeds/`), compared with the seed's sample answers: keys, types,
//! status codes and numbers. Helpers shared by the dialects' tests.

mod fulfilment;
mod hub;
mod reviews;
mod services;
mod wholesale;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::*;

/// A new API key of `role` (`INTEGRATION`, `STAFF`, `ADMIN`) named `name`.
pub async fn api_key(app: &TestApp, name: &str, role: &str) -> String {
    app.admin(
        &format!("mutation {{ createApiKey(name: \"{name}\", role: {role}) {{ key }} }}"),
        json!({}),
    )
    .await["createApiKey"]["key"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// How a request authenticates.
pub enum Auth<'a> {
    None,
    ApiKey(&'a str),
    Bearer(&'a str),
    Basic(&'a str, &'a str),
}

/// Sends `body` (JSON, when given) to `path`; the status and the JSON answer
/// (`Value::Null` when the body is not JSON).
pub async fn call(
    app: &TestApp,
    method: Method,
    path: &str,
    auth: Auth<'_>,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = app.client.request(method, app.url(path));
    request = match auth {
        Auth::None => request,
        Auth::ApiKey(key) => request.header("x-api-key", key),
        Auth::Bearer(token) => request.bearer_auth(token),
        Auth::Basic(user, password) => request.basic_auth(user, Some(password)),
    };
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// The JSON types of `value`'s keys, recursively (`"string"`, `"number"`,
/// ...), for comparing an answer's shape with a seed's sample.
pub fn shape(value: &Value) -> Value {
    match value {
        Value::Null => json!("null"),
        Value::Bool(_) => json!("boolean"),
        Value::Number(_) => json!("number"),
        Value::String(_) => json!("string"),
        Value::Array(items) => json!(items.iter().map(shape).collect::<Vec<_>>()),
        Value::Object(members) => {
            Value::Object(members.iter().map(|(k, v)| (k.clone(), shape(v))).collect())
        }
    }
}

/// The keys of a JSON object, in order.
pub fn keys(value: &Value) -> Vec<&str> {
    value
        .as_object()
        .map(|o| o.keys().map(String::as_str).collect())
        .unwrap_or_default()
}
