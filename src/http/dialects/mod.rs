//! The vendor dialects: each seed's REST API served over the same services as
//! GraphQL, with the seed's paths, shapes, status codes and errors. What they
//! share lives here: credentials, query strings that refuse parameters the
//! endpoint does not know, and JSON bodies whose unknown keys are accepted
//! but reported back (integration platforms send extra fields; nothing is
//! dropped silently).

pub mod exports;
pub mod fulfilment;
pub mod hub;
pub mod reviews;
pub mod services;
pub mod wholesale;

use std::net::SocketAddr;

use axum::http::HeaderMap;
use serde::de::DeserializeOwned;

use super::HttpState;
use super::access::Access;
use crate::auth::{Principal, Role};
use crate::error::{AppError, FieldError};

/// The caller of a dialect request, checked against `roles`: UNAUTHENTICATED
/// without valid credentials (API key in `X-API-Key` or `Authorization:
/// Bearer`, a JWT, or HTTP Basic customer credentials), FORBIDDEN for another
/// role.
pub async fn principal(
    state: &HttpState,
    headers: &HeaderMap,
    peer: SocketAddr,
    access: &Access,
    roles: &[Role],
) -> Result<Principal, AppError> {
    let caller = state.app.auth.from_headers(headers, peer.ip()).await;
    access.caller(&caller);
    let principal = caller.principal()?.clone();
    principal.require(roles)?;
    Ok(principal)
}

/// A query string read against the parameters an endpoint understands.
#[derive(Debug, Default)]
pub struct Params {
    pairs: Vec<(String, String)>,
}

impl Params {
    /// Parses `raw`; any parameter not in `known` is refused, naming it (a
    /// filter the server does not understand must never widen the answer).
    /// A list parameter is known as `name[]` and also accepted bare.
    pub fn parse(raw: Option<&str>, known: &[&str]) -> Result<Params, AppError> {
        let pairs: Vec<(String, String)> =
            form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
                .into_owned()
                .collect();
        let mut errors = Vec::new();
        for (key, value) in &pairs {
            if key.contains('\0') || value.contains('\0') {
                errors.push(crate::validate::nul_path_error(
                    key.replace('\0', "\\u0000"),
                ));
            } else if !known
                .iter()
                .any(|k| k == key || k.strip_suffix("[]") == Some(key.as_str()))
            {
                let mut names: Vec<&str> = known.to_vec();
                names.sort_unstable();
                errors.push(FieldError::new(
                    key.clone(),
                    format!(
                        "is not a parameter of this endpoint; it takes {}",
                        if names.is_empty() {
                            "none".to_owned()
                        } else {
                            names.join(", ")
                        }
                    ),
                ));
            }
        }
        if errors.is_empty() {
            Ok(Params { pairs })
        } else {
            Err(AppError::invalid(errors))
        }
    }

    /// The value of a single-valued parameter (blank counts as absent); given
    /// twice is refused, as the two could disagree.
    pub fn one(&self, name: &str) -> Result<Option<&str>, AppError> {
        let mut values = self
            .pairs
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.trim());
        let first = values.next();
        if values.next().is_some() {
            return Err(AppError::invalid_field(name, "is given more than once"));
        }
        Ok(first.filter(|v| !v.is_empty()))
    }

    /// Every value of a list parameter (`name[]=a&name[]=b`, or bare `name`).
    pub fn all(&self, name: &str) -> Vec<&str> {
        let bare = name.strip_suffix("[]").unwrap_or(name);
        self.pairs
            .iter()
            .filter(|(k, _)| k == name || k == bare)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
            .collect()
    }

    /// A positive whole number, or BAD_USER_INPUT naming the parameter.
    pub fn number(&self, name: &str) -> Result<Option<i64>, AppError> {
        self.one(name)?
            .map(|v| {
                v.parse::<i64>().ok().filter(|n| *n >= 1).ok_or_else(|| {
                    AppError::invalid_field(name, "must be a whole number of 1 or more")
                })
            })
            .transpose()
    }

    /// The raw pairs, for readers that take them as they are.
    pub fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }
}

/// A JSON body read into `T`, with the keys `T` does not know.
#[derive(Debug)]
pub struct Body<T> {
    pub value: T,
    /// Dotted paths of the keys that were accepted but not used
    /// (`products.0.colour`), in the order they came.
    pub ignored: Vec<String>,
}

/// Reads `bytes` as `T`. Keys `T` does not declare are collected in
/// [`Body::ignored`], not refused; a value of the wrong type, or a NUL
/// character anywhere (PostgreSQL cannot store one), is BAD_USER_INPUT naming
/// its path. `T` must not use `#[serde(flatten)]` or untagged enums above its
/// leaves: they buffer the input and hide ignored keys.
pub fn json_body<T: DeserializeOwned>(bytes: &[u8]) -> Result<Body<T>, AppError> {
    let json: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|err| AppError::invalid_field("body", format!("is not JSON: {err}")))?;
    from_json(json)
}

/// As [`json_body`], from a parsed value (a form field holding JSON).
pub fn from_json<T: DeserializeOwned>(json: serde_json::Value) -> Result<Body<T>, AppError> {
    if let Some(path) = crate::validate::nul_path(&json, "") {
        return Err(AppError::invalid(vec![crate::validate::nul_path_error(
            path,
        )]));
    }
    let mut ignored = Vec::new();
    let mut note = |path: serde_ignored::Path<'_>| ignored.push(ignored_path(&path));
    let deserializer = serde_ignored::Deserializer::new(json, &mut note);
    let value = serde_path_to_error::deserialize(deserializer).map_err(|err| {
        let path = dotted(err.path());
        let message = err.into_inner().to_string();
        AppError::invalid_field(if path.is_empty() { "body".into() } else { path }, message)
    })?;
    Ok(Body { value, ignored })
}

/// `items.0.sku`: serde_ignored's path without its marks for options and
/// newtypes (it shows `items.?.0.sku` for an `Option<Vec<_>>`).
fn ignored_path(path: &serde_ignored::Path<'_>) -> String {
    use serde_ignored::Path;
    let mut segments = Vec::new();
    let mut at = path;
    loop {
        at = match at {
            Path::Root => break,
            Path::Seq { parent, index } => {
                segments.push(index.to_string());
                parent
            }
            Path::Map { parent, key } => {
                segments.push(key.clone());
                parent
            }
            Path::Some { parent }
            | Path::NewtypeStruct { parent }
            | Path::NewtypeVariant { parent } => parent,
        };
    }
    segments.reverse();
    segments.join(".")
}

/// `products.0.price` for serde_path_to_error's `products[0].price`.
fn dotted(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    path.iter()
        .filter_map(|segment| match segment {
            Segment::Seq { index } => Some(index.to_string()),
            Segment::Map { key } => Some(key.clone()),
            Segment::Enum { variant } => Some(variant.clone()),
            Segment::Unknown => None,
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// Adds `ignored_fields` to a JSON answer when keys were ignored.
pub fn with_ignored(mut answer: serde_json::Value, ignored: &[String]) -> serde_json::Value {
    if !ignored.is_empty()
        && let Some(object) = answer.as_object_mut()
    {
        object.insert("ignored_fields".into(), serde_json::json!(ignored));
    }
    answer
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    struct Line {
        #[expect(dead_code, reason = "read to check the deserializer")]
        name: Option<String>,
        price: Option<rust_decimal::Decimal>,
    }

    #[derive(serde::Deserialize, Debug)]
    struct Order {
        #[expect(dead_code, reason = "read to check the deserializer")]
        number: String,
        lines: Vec<Line>,
    }

    #[test]
    fn unknown_keys_are_kept_with_their_paths_and_known_ones_read() {
        let body: Body<Order> = json_body(
            br#"{"number": "A1", "colour": "red", "lines": [{"name": "x", "price": "1.5"}, {"name": "y", "sku": {"a": 1}}]}"#,
        )
        .unwrap();
        assert_eq!(body.ignored, ["colour", "lines.1.sku"]);
        assert_eq!(
            body.value.lines[0].price,
            Some(rust_decimal::Decimal::new(15, 1))
        );
    }

    #[test]
    fn a_wrong_type_names_its_dotted_path() {
        let err =
            json_body::<Order>(br#"{"number": "A1", "lines": [{"price": "x"}, {"price": []}]}"#)
                .unwrap_err();
        let AppError::BadUserInput { fields, .. } = err else {
            panic!("bad input expected")
        };
        assert_eq!(fields[0].path, "lines.0.price");
    }

    #[test]
    fn a_nul_anywhere_is_refused_with_its_path() {
        let err = json_body::<Order>(b"{\"number\": \"A\\u00001\", \"lines\": []}").unwrap_err();
        let AppError::BadUserInput { fields, .. } = err else {
            panic!("bad input expected")
        };
        assert_eq!(fields[0].path, "number");
    }

    #[test]
    fn parameters_outside_the_list_are_refused_by_name() {
        let err = Params::parse(Some("id_eq=3&status_order_id_eq=5"), &["id_eq"]).unwrap_err();
        let AppError::BadUserInput { fields, .. } = err else {
            panic!("bad input expected")
        };
        assert_eq!(fields.len(), 1);
        assert_eq!(fields[0].path, "status_order_id_eq");
        assert!(fields[0].message.contains("id_eq"), "{}", fields[0].message);
    }

    #[test]
    fn list_parameters_come_with_or_without_brackets() {
        let params = Params::parse(Some("id_in%5B%5D=1&id_in[]=2&id_in=3"), &["id_in[]"]).unwrap();
        assert_eq!(params.all("id_in[]"), ["1", "2", "3"]);
        let twice = Params::parse(Some("page=1&page=2"), &["page"]).unwrap();
        assert!(twice.one("page").is_err());
        let blank = Params::parse(Some("page="), &["page"]).unwrap();
        assert_eq!(blank.one("page").unwrap(), None);
    }
}
