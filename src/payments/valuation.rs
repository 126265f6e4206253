//! What refunded lines are worth, pure. A line's unit value is what one unit
//! cost the buyer: its price after the line discount, plus VAT, less the
//! order discount, exact (`price × (1 − discount/100) × (1 + vat/100) ×
//! (1 − orderDiscount/100)`). A refund line is worth unit value × quantity,
//! rounded half away from zero to four decimals as pricing rounds; the
//! rounding is done on the order's running value of refunded lines, and each
//! refund line takes the difference from the one before. So the amounts of
//! all refund lines of an order always add up to their exact value rounded
//! once, and refunding every unit of every line (in one refund or several)
//! comes to the gross total less shipping exactly, never a ten-thousandth
//! more (the seed 003 order: 50.9438 + 152.8312 = 203.775, where the rounded
//! line totals add up to 203.7751). No I/O.

use rust_decimal::Decimal;

use crate::money::{Money, MoneyError};

const HUNDRED: Decimal = Decimal::ONE_HUNDRED;

/// What one unit of a line cost the buyer, exact.
pub fn unit_value(
    price: Money,
    discount_percentage: Money,
    vat_percentage: Money,
    order_discount_percentage: Money,
) -> Decimal {
    price.decimal()
        * (Decimal::ONE - discount_percentage.decimal() / HUNDRED)
        * (Decimal::ONE + vat_percentage.decimal() / HUNDRED)
        * (Decimal::ONE - order_discount_percentage.decimal() / HUNDRED)
}

/// One line of a refund: its exact unit value and the quantity refunded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Item {
    pub unit: Decimal,
    pub quantity: Money,
}

/// The amount of each of `items`, in order, given `already`: the exact value
/// of what the order's lines had refunded before (Σ unit × refunded
/// quantity).
pub fn value(already: Decimal, items: &[Item]) -> Result<Vec<Money>, MoneyError> {
    let mut running = already;
    let mut shown = Money::round(running)?;
    let mut amounts = Vec::with_capacity(items.len());
    for item in items {
        running += item.unit * item.quantity.decimal();
        let next = Money::round(running)?;
        amounts.push(Money::try_new(next.decimal() - shown.decimal())?);
        shown = next;
    }
    Ok(amounts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(s: &str) -> Money {
        s.parse().unwrap()
    }

    /// A line of the seed 003 sample: 9.5 at 7.25 % VAT.
    fn seed_unit() -> Decimal {
        unit_value(m("9.5"), Money::ZERO, m("7.25"), Money::ZERO)
    }

    fn item(quantity: &str) -> Item {
        Item {
            unit: seed_unit(),
            quantity: m(quantity),
        }
    }

    fn shown(amounts: &[Money]) -> Vec<String> {
        amounts.iter().map(Money::to_string).collect()
    }

    #[test]
    fn the_unit_value_is_exact() {
        assert_eq!(seed_unit().normalize().to_string(), "10.18875");
        // 3.0 less 15 %, plus 25 % VAT, less a 10 % order discount.
        let unit = unit_value(m("3"), m("15"), m("25"), m("10"));
        assert_eq!(unit.normalize().to_string(), "2.86875");
    }

    #[test]
    fn refunding_the_seed_003_lines_one_refund_at_a_time_comes_to_the_gross_total() {
        let first = value(Decimal::ZERO, &[item("5")]).unwrap();
        assert_eq!(shown(&first), ["50.9438"]);
        let already = seed_unit() * Decimal::from(5);
        let rest = value(already, &[item("5"), item("10")]).unwrap();
        assert_eq!(shown(&rest), ["50.9437", "101.8875"]);
        let total = first
            .iter()
            .chain(&rest)
            .map(|a| a.decimal())
            .sum::<Decimal>();
        assert_eq!(Money::try_new(total).unwrap().to_string(), "203.775");
    }

    #[test]
    fn every_line_in_one_refund_comes_to_the_gross_total_too() {
        let amounts = value(Decimal::ZERO, &[item("5"), item("5"), item("10")]).unwrap();
        assert_eq!(shown(&amounts), ["50.9438", "50.9437", "101.8875"]);
    }

    #[test]
    fn part_of_a_line_is_its_units_rounded() {
        let amounts = value(Decimal::ZERO, &[item("2")]).unwrap();
        assert_eq!(shown(&amounts), ["20.3775"]);
        let third = value(Decimal::ZERO, &[item("0.3333")]).unwrap();
        // 10.18875 × 0.3333 = 3.395910375.
        assert_eq!(shown(&third), ["3.3959"]);
    }
}
