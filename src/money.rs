//! Exact amounts: [`Money`] is a `Decimal` that the database stores as a scaled
//! 64-bit integer (ten-thousandths), and that GraphQL shows as a `Decimal` string.
//!
//! Why scaled integers: sea-orm reads SQLite decimals through `f64`, so a plain
//! decimal column is lossy there. A BIGINT of ten-thousandths is exact on both
//! backends, and the database can still sort, filter and `SUM` it exactly.
//! Amounts, quantities and percentages all use it: every input is limited to four
//! decimals (more is refused, never silently rounded), and every computed amount is
//! rounded half away from zero to four decimals before it is stored.

use std::fmt;
use std::str::FromStr;

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};
use rust_decimal::{Decimal, RoundingStrategy};
use sea_orm::sea_query::{ArrayType, ColumnType, Nullable, ValueType, ValueTypeErr};
use sea_orm::{ColIdx, QueryResult, TryGetError, TryGetable};

/// Decimal places kept in storage.
pub const SCALE: u32 = 4;
const FACTOR: i64 = 10_000;

/// An exact decimal amount with at most four decimal places.
///
/// Its range is that of `i64` ten-thousandths: about ±922 trillion, far beyond
/// any order total, and checked on every conversion (see [`Money::try_new`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Money(Decimal);

/// Why a decimal cannot be a [`Money`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    /// More than four decimal places: storing it would round it.
    #[error("at most {SCALE} decimal places are allowed")]
    TooPrecise,
    /// Outside the range of the scaled 64-bit storage.
    #[error("the amount is too large")]
    OutOfRange,
    /// Not a decimal number at all.
    #[error("not a decimal number")]
    NotANumber,
}

impl Money {
    /// Zero.
    pub const ZERO: Money = Money(Decimal::ZERO);

    /// Accepts `value` only if it is stored exactly: at most four decimals, in range.
    pub fn try_new(value: Decimal) -> Result<Self, MoneyError> {
        let normalized = value.normalize();
        if normalized.scale() > SCALE {
            return Err(MoneyError::TooPrecise);
        }
        Self::scaled_of(normalized)?;
        Ok(Money(normalized))
    }

    /// Rounds a computed value half away from zero to four decimals (the pricing
    /// rule of DESIGN.md), failing only when it is out of range.
    pub fn round(value: Decimal) -> Result<Self, MoneyError> {
        Self::try_new(value.round_dp_with_strategy(SCALE, RoundingStrategy::MidpointAwayFromZero))
    }

    /// The exact decimal value.
    pub fn decimal(self) -> Decimal {
        self.0
    }

    /// The stored representation: the amount in ten-thousandths.
    pub fn scaled(self) -> i64 {
        // try_new/round/from_scaled checked the range, so this cannot fail.
        Self::scaled_of(self.0).unwrap_or_default()
    }

    /// Rebuilds an amount from its stored ten-thousandths.
    pub fn from_scaled(scaled: i64) -> Self {
        Money(Decimal::new(scaled, SCALE).normalize())
    }

    fn scaled_of(value: Decimal) -> Result<i64, MoneyError> {
        let scaled = value
            .checked_mul(Decimal::from(FACTOR))
            .ok_or(MoneyError::OutOfRange)?;
        <i64 as TryFrom<Decimal>>::try_from(scaled.trunc()).map_err(|_| MoneyError::OutOfRange)
    }

    /// Text for clients: at least two decimals and at most four, no trailing noise
    /// ("300.00", "203.775", "3.4438").
    pub fn to_display_string(self) -> String {
        let mut value = self.0.normalize();
        if value.scale() < 2 {
            value.rescale(2);
        }
        value.to_string()
    }

    /// Text as Ruby's `BigDecimal#to_s("F")` writes it, which seed 003's
    /// samples print: at least one decimal, no trailing zeros beyond it
    /// ("190.0", "9.5", "203.775", "3.4438", "0.0"). Exact, like
    /// [`Money::to_display_string`].
    pub fn to_bigdecimal_string(self) -> String {
        let mut value = self.0.normalize();
        if value.scale() < 1 {
            value.rescale(1);
        }
        value.to_string()
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_display_string())
    }
}

impl FromStr for Money {
    type Err = MoneyError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let trimmed = s.trim();
        // Scientific notation ("1e3") is accepted too: some JSON encoders emit it.
        let value = Decimal::from_str_exact(trimmed)
            .or_else(|_| Decimal::from_scientific(trimmed))
            .map_err(|_| MoneyError::NotANumber)?;
        Money::try_new(value)
    }
}

impl TryFrom<Decimal> for Money {
    type Error = MoneyError;

    fn try_from(value: Decimal) -> Result<Self, Self::Error> {
        Money::try_new(value)
    }
}

impl From<i64> for Money {
    fn from(units: i64) -> Self {
        Money(Decimal::from(units))
    }
}

impl From<Money> for Decimal {
    fn from(value: Money) -> Self {
        value.0
    }
}

impl serde::Serialize for Money {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_display_string())
    }
}

/// Read like the GraphQL scalar (order files of `ordergraph import` go through
/// serde): a string, or a number taken by its shortest round-trip text.
impl<'de> serde::Deserialize<'de> for Money {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;

        impl serde::de::Visitor<'_> for Visitor {
            type Value = Money;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a decimal number or a string holding one")
            }

            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Money, E> {
                text.parse::<Money>()
                    .map_err(|e| E::custom(format!("invalid Decimal \"{text}\": {e}")))
            }

            fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<Money, E> {
                self.visit_str(&n.to_string())
            }

            fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<Money, E> {
                self.visit_str(&n.to_string())
            }

            fn visit_f64<E: serde::de::Error>(self, n: f64) -> Result<Money, E> {
                // Rust prints the shortest text that reads back as the same
                // double, as serde_json does for the GraphQL scalar.
                self.visit_str(&n.to_string())
            }
        }

        deserializer.deserialize_any(Visitor)
    }
}

/// An exact decimal number: an amount, quantity or percentage. Written as a
/// string of digits with a point and two to four decimals ("30.5663",
/// "19.00", "-4.50"), never in exponent form; read from such a string (the
/// safe choice) or a JSON number. At most four decimals are stored: more is
/// refused, not rounded. Map it to a decimal type (`decimal.js`, `BigDecimal`,
/// Python `Decimal`), never to a binary float. Totals keep four decimals;
/// round them for display half away from zero to the currency's minor unit
/// (`30.5663` EUR shows as `30.57`), and compute with the four-decimal value.
#[Scalar(
    name = "Decimal",
    specified_by_url = "https://speleotrove.com/decimal/daconvs.html#refnumsyn"
)]
impl ScalarType for Money {
    fn parse(value: Value) -> InputValueResult<Self> {
        let text = match &value {
            Value::String(s) => s.clone(),
            // JSON numbers keep their shortest round-trip text ("0.1", not
            // 0.1000000000000000055...), so parsing that text is exact.
            Value::Number(n) => n.to_string(),
            _ => return Err(InputValueError::expected_type(value)),
        };
        text.parse::<Money>()
            .map_err(|e| InputValueError::custom(format!("invalid Decimal \"{text}\": {e}")))
    }

    fn to_value(&self) -> Value {
        Value::String(self.to_display_string())
    }
}

// ---- sea-orm: stored as BIGINT ten-thousandths -------------------------------

impl From<Money> for sea_orm::Value {
    fn from(value: Money) -> Self {
        sea_orm::Value::BigInt(Some(value.scaled()))
    }
}

impl TryGetable for Money {
    fn try_get_by<I: ColIdx>(res: &QueryResult, index: I) -> Result<Self, TryGetError> {
        i64::try_get_by(res, index).map(Money::from_scaled)
    }
}

impl ValueType for Money {
    fn try_from(v: sea_orm::Value) -> Result<Self, ValueTypeErr> {
        <i64 as ValueType>::try_from(v).map(Money::from_scaled)
    }

    fn type_name() -> String {
        "Money".to_owned()
    }

    fn array_type() -> ArrayType {
        ArrayType::BigInt
    }

    fn column_type() -> ColumnType {
        ColumnType::BigInteger
    }
}

impl Nullable for Money {
    fn null() -> sea_orm::Value {
        sea_orm::Value::BigInt(None)
    }
}

impl sea_orm::IntoActiveValue<Money> for Money {
    fn into_active_value(self) -> sea_orm::ActiveValue<Money> {
        sea_orm::ActiveValue::Set(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(s: &str) -> Money {
        s.parse().unwrap()
    }

    #[test]
    fn display_keeps_two_to_four_decimals_without_noise() {
        assert_eq!(m("300").to_string(), "300.00");
        assert_eq!(m("203.775").to_string(), "203.775");
        assert_eq!(m("3.4438").to_string(), "3.4438");
        assert_eq!(m("2.50").to_string(), "2.50");
        assert_eq!(m("-0.1").to_string(), "-0.10");
        assert_eq!(m("0").to_string(), "0.00");
    }

    #[test]
    fn bigdecimal_text_keeps_one_to_four_decimals_like_seed_003() {
        for (given, text) in [
            ("190", "190.0"),
            ("9.50", "9.5"),
            ("203.775", "203.775"),
            ("3.4438", "3.4438"),
            ("0", "0.0"),
            ("-0.10", "-0.1"),
            ("2170.0000", "2170.0"),
            ("99999999999.9999", "99999999999.9999"),
        ] {
            assert_eq!(m(given).to_bigdecimal_string(), text, "{given}");
        }
    }

    #[test]
    fn more_than_four_decimals_is_refused_not_rounded() {
        assert_eq!("0.00001".parse::<Money>(), Err(MoneyError::TooPrecise));
        // Trailing zeros are not precision.
        assert_eq!(m("1.500000").to_string(), "1.50");
    }

    #[test]
    fn rounding_is_half_away_from_zero_at_four_decimals() {
        assert_eq!(Money::round(Decimal::new(344375, 5)).unwrap(), m("3.4438"));
        assert_eq!(
            Money::round(Decimal::new(-344375, 5)).unwrap(),
            m("-3.4438")
        );
        assert_eq!(Money::round(Decimal::new(344374, 5)).unwrap(), m("3.4437"));
    }

    #[test]
    fn scaled_round_trip_is_exact_at_the_extremes() {
        for s in [
            "0.0001",
            "99999999999.9999",
            "-99999999999.9999",
            "0.3",
            "3.4438",
        ] {
            let v = m(s);
            assert_eq!(Money::from_scaled(v.scaled()), v, "{s}");
        }
        assert_eq!(m("99999999999.9999").scaled(), 999_999_999_999_999);
    }

    #[test]
    fn out_of_range_and_garbage_are_refused() {
        assert_eq!("1e20".parse::<Money>(), Err(MoneyError::OutOfRange));
        assert_eq!("abc".parse::<Money>(), Err(MoneyError::NotANumber));
        assert_eq!("".parse::<Money>(), Err(MoneyError::NotANumber));
    }

    #[test]
    fn graphql_numbers_parse_without_float_noise() {
        let parsed = <Money as ScalarType>::parse(Value::from(0.1_f64)).unwrap();
        assert_eq!(parsed, m("0.1"));
        let parsed = <Money as ScalarType>::parse(Value::from(29.99_f64)).unwrap();
        assert_eq!(parsed.to_string(), "29.99");
    }
}
