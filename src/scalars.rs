//! Plain-value scalars that inputs and outputs share and services may use:
//! `Date` (YYYY-MM-DD; async-graphql calls chrono's date `NaiveDate`) and
//! `BigInt` (64-bit integers such as database ids, as strings).

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};
use chrono::NaiveDate;

/// A calendar date, YYYY-MM-DD, read as a UTC day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date(pub NaiveDate);

/// A calendar date in ISO 8601 form, YYYY-MM-DD (UTC days).
#[Scalar(name = "Date")]
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

/// A 64-bit signed integer, such as a database id. Written as a string
/// ("9007199254740993"), because a JSON number read by JavaScript loses
/// integers above 2^53; read from a string or an integer.
#[Scalar(name = "BigInt")]
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
    fn dates_are_iso_days() {
        let day = <Date as ScalarType>::parse(Value::from("2026-11-29")).unwrap();
        assert_eq!(day.to_value(), Value::from("2026-11-29"));
        assert!(<Date as ScalarType>::parse(Value::from("29/11/2026")).is_err());
    }
}
