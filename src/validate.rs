//! Checks every input shares: text lengths, e-mail addresses, percentages, and
//! the trimming of optional text. Pure: problems are collected as
//! [`FieldError`]s with their paths, so a caller reports all of them at once.

use crate::error::FieldError;
use crate::money::Money;

/// Longest accepted short text (names, codes, address lines).
pub const MAX_SHORT: usize = 255;
/// Longest accepted long text (notes, URLs, messages).
pub const MAX_LONG: usize = 10_000;

/// The longest search term: a name, an e-mail or a number is far shorter, and
/// SQLite refuses LIKE patterns past 50,000 bytes.
pub const MAX_SEARCH_CHARS: usize = 200;

/// Reports a text longer than `max` characters at `path`.
pub fn check_len(value: Option<&str>, max: usize, path: &str, errors: &mut Vec<FieldError>) {
    if let Some(v) = value
        && v.chars().count() > max
    {
        errors.push(FieldError::new(
            path,
            format!("must be at most {max} characters"),
        ));
    }
}

/// Reports a percentage (VAT, discount) outside 0–100 at `path`.
pub fn check_percentage(value: Option<Money>, path: &str, errors: &mut Vec<FieldError>) {
    if let Some(v) = value
        && (v < Money::ZERO || v > Money::from(100))
    {
        errors.push(FieldError::new(path, "must be between 0 and 100"));
    }
}

/// A trimmed, lower-cased e-mail address, or `None` when it cannot be one.
pub fn normalize_email(raw: &str) -> Option<String> {
    let email = raw.trim().to_lowercase();
    let (local, domain) = email.split_once('@')?;
    let plausible = !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email.chars().any(char::is_whitespace)
        && email.len() <= MAX_SHORT;
    plausible.then_some(email)
}

/// Trimmed text, `None` when absent or blank.
pub fn clean(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

/// Whether optional text is absent or blank.
pub fn blank(value: &Option<String>) -> bool {
    value.as_deref().is_none_or(|v| v.trim().is_empty())
}

/// A path below `prefix` (`orders.3` + `lines` = `orders.3.lines`); the bare
/// field when there is no prefix.
pub fn at(prefix: &str, field: &str) -> String {
    if prefix.is_empty() {
        field.to_owned()
    } else {
        format!("{prefix}.{field}")
    }
}

/// The path (below `path`) of the first string or object key in `value` that
/// holds a NUL character. PostgreSQL cannot store one in text or JSON, so every
/// entry point refuses it alike, on both databases.
pub fn nul_path(value: &serde_json::Value, path: &str) -> Option<String> {
    use serde_json::Value;
    match value {
        Value::String(s) if s.contains('\0') => Some(path.to_owned()),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, item)| nul_path(item, &at(path, &i.to_string()))),
        Value::Object(members) => members.iter().find_map(|(key, item)| {
            if key.contains('\0') {
                Some(at(path, &key.replace('\0', "\\u0000")))
            } else {
                nul_path(item, &at(path, key))
            }
        }),
        _ => None,
    }
}

/// The error for a NUL character at `path`.
pub fn nul_path_error(path: String) -> FieldError {
    FieldError::new(path, "must not contain a NUL (\\u0000) character")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_trimmed_lowercased_and_plausible() {
        assert_eq!(
            normalize_email("  Ann@Example.COM ").as_deref(),
            Some("ann@example.com")
        );
        for bad in [
            "ann",
            "ann@",
            "@example.com",
            "ann@example",
            "a b@example.com",
        ] {
            assert_eq!(normalize_email(bad), None, "{bad}");
        }
    }

    #[test]
    fn lengths_count_characters_not_bytes() {
        let mut errors = Vec::new();
        check_len(Some("ééé"), 3, "name", &mut errors);
        assert!(errors.is_empty());
        check_len(Some("éééé"), 3, "name", &mut errors);
        assert_eq!(errors[0].path, "name");
    }

    #[test]
    fn paths_join_below_a_prefix() {
        assert_eq!(at("", "total"), "total");
        assert_eq!(at("orders.3", "total"), "orders.3.total");
    }
}
