//! The leaves of seed 003's request bodies: ids, amounts and flags, each
//! accepted as a JSON number or as a string holding one (integration
//! platforms send both), and read from their text, never through a float.

use serde::Deserialize;

use crate::error::FieldError;
use crate::money::Money;

/// A whole number, such as a database id or a status id.
#[derive(Deserialize, Debug, Clone)]
#[serde(untagged)]
pub enum Int {
    Number(serde_json::Number),
    Text(String),
}

impl Int {
    /// The number, or a problem at `path`.
    pub fn parse(&self, path: &str, errors: &mut Vec<FieldError>) -> Option<i64> {
        let text = match self {
            Int::Number(n) => n.to_string(),
            Int::Text(s) => s.trim().to_owned(),
        };
        match text.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                errors.push(FieldError::new(
                    path,
                    format!("\"{text}\" is not a whole number"),
                ));
                None
            }
        }
    }
}

/// An amount or a quantity.
#[derive(Deserialize, Debug, Clone)]
#[serde(untagged)]
pub enum Amount {
    Number(serde_json::Number),
    Text(String),
}

impl Amount {
    /// The amount, or a problem at `path`.
    pub fn parse(&self, path: &str, errors: &mut Vec<FieldError>) -> Option<Money> {
        let text = match self {
            Amount::Number(n) => n.to_string(),
            Amount::Text(s) => s.clone(),
        };
        match text.parse::<Money>() {
            Ok(m) => Some(m),
            Err(e) => {
                errors.push(FieldError::new(
                    path,
                    format!("\"{text}\" is not an amount: {e}"),
                ));
                None
            }
        }
    }
}

/// A yes/no switch: `true`/`false`, `1`/`0`, or those as strings (the seed
/// documents `notify: 1` and `"notify": true`).
#[derive(Deserialize, Debug, Clone)]
#[serde(untagged)]
pub enum Flag {
    Bool(bool),
    Number(serde_json::Number),
    Text(String),
}

impl Flag {
    /// The switch, or a problem at `path`.
    pub fn parse(&self, path: &str, errors: &mut Vec<FieldError>) -> Option<bool> {
        let text = match self {
            Flag::Bool(b) => return Some(*b),
            Flag::Number(n) => n.to_string(),
            Flag::Text(s) => s.trim().to_ascii_lowercase(),
        };
        match text.as_str() {
            "1" | "true" => Some(true),
            "0" | "false" | "" => Some(false),
            _ => {
                errors.push(FieldError::new(
                    path,
                    format!("\"{text}\" is not a switch: use 1 or 0 (true or false)"),
                ));
                None
            }
        }
    }
}

/// `flag` at `path`, absent meaning false.
pub fn flag(flag: &Option<Flag>, path: &str, errors: &mut Vec<FieldError>) -> bool {
    flag.as_ref()
        .and_then(|f| f.parse(path, errors))
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read<T: serde::de::DeserializeOwned>(json: &str) -> T {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn numbers_and_their_strings_read_alike_and_exactly() {
        let mut errors = Vec::new();
        assert_eq!(read::<Int>("59").parse("id", &mut errors), Some(59));
        assert_eq!(read::<Int>("\" 59 \"").parse("id", &mut errors), Some(59));
        let price = read::<Amount>("100").parse("price", &mut errors).unwrap();
        assert_eq!(price.to_string(), "100.00");
        let price = read::<Amount>("0.1").parse("price", &mut errors).unwrap();
        assert_eq!(price.to_string(), "0.10");
        assert!(errors.is_empty());
        assert_eq!(read::<Int>("2.5").parse("id", &mut errors), None);
        assert_eq!(errors[0].path, "id");
    }

    #[test]
    fn switches_take_the_seeds_spellings() {
        let mut errors = Vec::new();
        for (json, value) in [
            ("1", true),
            ("0", false),
            ("true", true),
            ("false", false),
            ("\"1\"", true),
            ("\"TRUE\"", true),
        ] {
            assert_eq!(read::<Flag>(json).parse("notify", &mut errors), Some(value));
        }
        assert!(errors.is_empty());
        assert_eq!(read::<Flag>("2").parse("notify", &mut errors), None);
        assert_eq!(errors[0].path, "notify");
    }
}
