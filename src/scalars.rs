//! Plain-value scalars that inputs and outputs share and services may use:
//! `Date` (YYYY-MM-DD; async-graphql calls chrono's date `NaiveDate`),
//! `DateTime` (an instant, RFC 3339), `BigInt` (64-bit integers such as
//! database ids, as strings) and `JSON`. Ours rather than async-graphql's
//! built-ins so each carries a description a client developer can act on and
//! `@specifiedBy` a public specification.

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};
use chrono::NaiveDate;

/// A calendar date, YYYY-MM-DD, read as a UTC day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date(pub NaiveDate);

/// A calendar date, YYYY-MM-DD (RFC 3339 `full-date`), read as a UTC day: a
/// filter `dateTo: "2026-11-30"` includes all of that day in UTC. Map it to a
/// plain string or a date-only type (`LocalDate`, `Temporal.PlainDate`), never
/// to a JavaScript `Date`, which would shift it by the browser's time zone.
#[Scalar(
    name = "Date",
    specified_by_url = "https://www.rfc-editor.org/rfc/rfc3339#section-5.6"
)]
impl ScalarType for Date {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
                .map(Date)
                .map_err(|_| {
                    InputValueError::custom(format!("invalid Date \"{s}\": expected YYYY-MM-DD"))
                }),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.format("%Y-%m-%d").to_string())
    }
}

/// A 64-bit integer such as a database id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BigInt(pub i64);

/// A 64-bit signed integer, such as a database id. Written as a string of
/// decimal digits ("9007199254740993"), because a JSON number read by
/// JavaScript loses integers above 2^53; read from such a string or an
/// integer. Map it to a string (or `bigint`), never to a JavaScript number.
#[Scalar(
    name = "BigInt",
    specified_by_url = "https://speleotrove.com/decimal/daconvs.html#refnumsyn"
)]
impl ScalarType for BigInt {
    fn parse(value: Value) -> InputValueResult<Self> {
        let parsed = match &value {
            Value::String(s) => s.trim().parse::<i64>().ok(),
            Value::Number(n) => n.as_i64(),
            _ => return Err(InputValueError::expected_type(value)),
        };
        parsed.map(BigInt).ok_or_else(|| {
            InputValueError::custom(format!("invalid BigInt {value}: expected a 64-bit integer"))
        })
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.to_string())
    }
}

/// An instant, in UTC. Read by serde (order files of `ordergraph import`)
/// like the scalar: RFC 3339 with an offset.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Deserialize)]
#[serde(transparent)]
pub struct DateTime(pub chrono::DateTime<chrono::Utc>);

impl From<chrono::DateTime<chrono::Utc>> for DateTime {
    fn from(instant: chrono::DateTime<chrono::Utc>) -> Self {
        DateTime(instant)
    }
}

/// An instant: an RFC 3339 date-time with its offset, e.g.
/// "2026-11-30T09:15:00.123456+00:00". Written in UTC (offset `+00:00`) with
/// as many fractional digits as it has (none to nine); read with any offset,
/// which is converted to UTC. A date-time without an offset is refused: it
/// does not name an instant. Map it to `Date`/`Instant`/`datetime` types that
/// keep the offset.
#[Scalar(
    name = "DateTime",
    specified_by_url = "https://scalars.graphql.org/andimarek/date-time"
)]
impl ScalarType for DateTime {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => chrono::DateTime::parse_from_rfc3339(s.trim())
                .map(|t| DateTime(t.with_timezone(&chrono::Utc)))
                .map_err(|_| {
                    InputValueError::custom(format!(
                        "invalid DateTime \"{s}\": expected RFC 3339 with an offset, e.g. 2026-11-30T09:15:00Z"
                    ))
                }),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.to_rfc3339())
    }
}

/// Any JSON value.
#[derive(Clone, Debug, PartialEq, serde::Deserialize)]
#[serde(transparent)]
pub struct Json(pub serde_json::Value);

/// Any JSON value (RFC 8259): an object, array, string, number, boolean or
/// null, given inline in the query or as a variable. Used for free-form data
/// the API stores as given (order metadata, custom fields, event payloads).
#[Scalar(
    name = "JSON",
    specified_by_url = "https://www.rfc-editor.org/rfc/rfc8259"
)]
impl ScalarType for Json {
    fn parse(value: Value) -> InputValueResult<Self> {
        value
            .into_json()
            .map(Json)
            .map_err(|e| InputValueError::custom(format!("invalid JSON: {e}")))
    }

    fn to_value(&self) -> Value {
        Value::from_json(self.0.clone()).unwrap_or(Value::Null)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn big_ints_are_strings_out_and_strings_or_numbers_in() {
        let big = BigInt(9_007_199_254_740_993);
        assert_eq!(big.to_value(), Value::from("9007199254740993"));
        assert_eq!(
            <BigInt as ScalarType>::parse(Value::from("9007199254740993")).unwrap(),
            big
        );
        assert_eq!(
            <BigInt as ScalarType>::parse(Value::from(42)).unwrap(),
            BigInt(42)
        );
        assert!(<BigInt as ScalarType>::parse(Value::from("4.2")).is_err());
    }

    #[test]
    fn date_times_need_an_offset_and_come_out_in_utc() {
        let t = <DateTime as ScalarType>::parse(Value::from("2026-11-30T10:15:00+01:00")).unwrap();
        assert_eq!(t.to_value(), Value::from("2026-11-30T09:15:00+00:00"));
        let err = <DateTime as ScalarType>::parse(Value::from("2026-11-30T10:15:00")).unwrap_err();
        assert!(
            err.into_server_error(Default::default())
                .message
                .contains("offset")
        );
    }

    #[test]
    fn dates_are_iso_days() {
        let day = <Date as ScalarType>::parse(Value::from("2026-11-29")).unwrap();
        assert_eq!(day.to_value(), Value::from("2026-11-29"));
        assert!(<Date as ScalarType>::parse(Value::from("29/11/2026")).is_err());
    }
}
