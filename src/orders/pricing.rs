//! Pure money arithmetic for lines and orders (DESIGN.md "Pricing"; seed 003's
//! sample responses are the test vectors). No I/O, no rounding until the end:
//! every stored amount is rounded half away from zero to four decimals, and the
//! order's VAT is summed from the exact line VATs, not the rounded ones.

use rust_decimal::Decimal;

use crate::entities::{order, order_line};
use crate::money::{Money, MoneyError};

const HUNDRED: Decimal = Decimal::ONE_HUNDRED;

/// What a line's amounts are computed from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LinePricing {
    /// How many.
    pub quantity: Money,
    /// Unit price before discount and VAT.
    pub price: Money,
    /// Line discount in percent (0–100).
    pub discount_percentage: Money,
    /// VAT in percent (0–100).
    pub vat_percentage: Money,
}

impl LinePricing {
    /// What a stored line is priced from.
    pub fn of(line: &order_line::Model) -> LinePricing {
        LinePricing {
            quantity: line.quantity,
            price: line.price,
            discount_percentage: line.discount_percentage,
            vat_percentage: line.vat_percentage,
        }
    }

    /// Stored lines with their amounts, ready for [`order_totals`].
    pub fn of_rows(
        lines: &[order_line::Model],
    ) -> Result<Vec<(LinePricing, LineAmounts)>, MoneyError> {
        lines
            .iter()
            .map(|line| {
                let pricing = LinePricing::of(line);
                pricing.amounts().map(|amounts| (pricing, amounts))
            })
            .collect()
    }
}

/// A line's amounts: exact values for order sums, rounded ones for storage.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineAmounts {
    /// `price × (1 − discount/100)`, rounded.
    pub final_price: Money,
    /// `finalPrice × quantity`, rounded.
    pub total_before_vat: Money,
    /// `totalBeforeVat × vat/100`, rounded.
    pub total_vat: Money,
    /// `totalBeforeVat + totalVat`, rounded.
    pub total_after_vat: Money,
    exact_gross: Decimal,
    exact_before_vat: Decimal,
    exact_vat: Decimal,
}

impl LinePricing {
    /// The line's amounts.
    pub fn amounts(&self) -> Result<LineAmounts, MoneyError> {
        let discount_factor = Decimal::ONE - self.discount_percentage.decimal() / HUNDRED;
        let final_price = self.price.decimal() * discount_factor;
        let before_vat = final_price * self.quantity.decimal();
        let vat = before_vat * self.vat_percentage.decimal() / HUNDRED;
        Ok(LineAmounts {
            final_price: Money::round(final_price)?,
            total_before_vat: Money::round(before_vat)?,
            total_vat: Money::round(vat)?,
            total_after_vat: Money::round(before_vat + vat)?,
            exact_gross: self.price.decimal() * self.quantity.decimal(),
            exact_before_vat: before_vat,
            exact_vat: vat,
        })
    }
}

/// What the order's totals are computed from besides its lines.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OrderPricing {
    /// Order discount in percent (0–100), applied to the products subtotal.
    pub discount_percentage: Money,
    /// Shipping, added after VAT.
    pub shipping_costs: Money,
}

/// An order's totals, all rounded to four decimals.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OrderTotals {
    /// Σ quantity.
    pub total_quantity: Money,
    /// Σ price × quantity: before any discount and VAT.
    pub products_before_discount: Money,
    /// The order discount in percent.
    pub discount_percentage: Money,
    /// Everything discounted, line and order discounts together:
    /// `productsBeforeDiscount − totalBeforeVat`.
    pub discount_total: Money,
    /// The products subtotal after line and order discounts.
    pub total_before_vat: Money,
    /// Σ exact line VAT, reduced by the order discount.
    pub total_vat: Money,
    /// Shipping as given.
    pub shipping_costs: Money,
    /// `totalBeforeVat + totalVat + shippingCosts`.
    pub gross_total: Money,
}

impl OrderTotals {
    /// The totals as `order` stores them.
    pub fn of(order: &order::Model) -> OrderTotals {
        OrderTotals {
            total_quantity: order.total_quantity,
            products_before_discount: order.products_before_discount,
            discount_percentage: order.discount_percentage,
            discount_total: order.discount_total,
            total_before_vat: order.total_before_vat,
            total_vat: order.total_vat,
            shipping_costs: order.shipping_costs,
            gross_total: order.gross_total,
        }
    }
}

/// Writes `totals` onto `order`, and the payment status its payments give
/// against the new total (see `payments::ledger::settle`): the one place
/// totals reach an order row.
pub fn apply_totals(order: &mut order::Model, totals: &OrderTotals) {
    order.total_quantity = totals.total_quantity;
    order.products_before_discount = totals.products_before_discount;
    order.discount_percentage = totals.discount_percentage;
    order.discount_total = totals.discount_total;
    order.total_before_vat = totals.total_before_vat;
    order.total_vat = totals.total_vat;
    order.shipping_costs = totals.shipping_costs;
    order.gross_total = totals.gross_total;
    crate::payments::ledger::settle(order);
}

/// The totals of an order with these lines.
pub fn order_totals(
    lines: &[(LinePricing, LineAmounts)],
    order: OrderPricing,
) -> Result<OrderTotals, MoneyError> {
    let mut quantity = Decimal::ZERO;
    let mut gross = Decimal::ZERO;
    let mut subtotal = Decimal::ZERO;
    let mut vat = Decimal::ZERO;
    for (pricing, amounts) in lines {
        quantity += pricing.quantity.decimal();
        gross += amounts.exact_gross;
        subtotal += amounts.exact_before_vat;
        vat += amounts.exact_vat;
    }
    let keep = Decimal::ONE - order.discount_percentage.decimal() / HUNDRED;
    let before_vat = subtotal * keep;
    let vat = vat * keep;
    let shipping = order.shipping_costs.decimal();
    Ok(OrderTotals {
        total_quantity: Money::round(quantity)?,
        products_before_discount: Money::round(gross)?,
        discount_percentage: order.discount_percentage,
        discount_total: Money::round(gross - before_vat)?,
        total_before_vat: Money::round(before_vat)?,
        total_vat: Money::round(vat)?,
        shipping_costs: order.shipping_costs,
        gross_total: Money::round(before_vat + vat + shipping)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(s: &str) -> Money {
        s.parse().unwrap()
    }

    fn line(quantity: &str, price: &str, discount: &str, vat: &str) -> (LinePricing, LineAmounts) {
        let pricing = LinePricing {
            quantity: m(quantity),
            price: m(price),
            discount_percentage: m(discount),
            vat_percentage: m(vat),
        };
        (pricing, pricing.amounts().unwrap())
    }

    fn shown(amounts: &LineAmounts) -> [String; 4] {
        [
            amounts.final_price.to_string(),
            amounts.total_before_vat.to_string(),
            amounts.total_vat.to_string(),
            amounts.total_after_vat.to_string(),
        ]
    }

    #[test]
    fn seed_003_create_sample_lines() {
        let (_, a) = line("5", "9.5", "0", "7.25");
        assert_eq!(shown(&a), ["9.50", "47.50", "3.4438", "50.9438"]);
        let (_, b) = line("10", "9.5", "0", "7.25");
        assert_eq!(shown(&b), ["9.50", "95.00", "6.8875", "101.8875"]);
    }

    #[test]
    fn seed_003_create_sample_order_sums_exact_line_vats() {
        let lines = [
            line("5", "9.5", "0", "7.25"),
            line("5", "9.5", "0", "7.25"),
            line("10", "9.5", "0", "7.25"),
        ];
        let totals = order_totals(&lines, OrderPricing::default()).unwrap();
        assert_eq!(totals.products_before_discount.to_string(), "190.00");
        assert_eq!(totals.total_before_vat.to_string(), "190.00");
        // The rounded line VATs add up to 13.7751; the exact ones to 13.775.
        assert_eq!(totals.total_vat.to_string(), "13.775");
        assert_eq!(totals.gross_total.to_string(), "203.775");
        assert_eq!(totals.total_quantity.to_string(), "20.00");
        assert_eq!(totals.discount_total, Money::ZERO);
    }

    #[test]
    fn seed_003_list_sample() {
        let lines = [line("200", "10.0", "0", "8.5")];
        assert_eq!(
            shown(&lines[0].1),
            ["10.00", "2000.00", "170.00", "2170.00"]
        );
        let totals = order_totals(&lines, OrderPricing::default()).unwrap();
        assert_eq!(totals.gross_total.to_string(), "2170.00");
    }

    #[test]
    fn seed_003_xml_sample() {
        let lines = [line("2", "3.0", "0", "20")];
        assert_eq!(shown(&lines[0].1), ["3.00", "6.00", "1.20", "7.20"]);
        let totals = order_totals(&lines, OrderPricing::default()).unwrap();
        assert_eq!(totals.gross_total.to_string(), "7.20");
    }

    #[test]
    fn seed_003_discounted_line() {
        let (_, a) = line("30", "3.0", "15", "25");
        assert_eq!(shown(&a), ["2.55", "76.50", "19.125", "95.625"]);
    }

    #[test]
    fn seed_002_auto_total() {
        let lines = [line("1", "150.00", "0", "0"), line("2", "75.00", "0", "0")];
        let totals = order_totals(&lines, OrderPricing::default()).unwrap();
        assert_eq!(totals.gross_total.to_string(), "300.00");
        assert_eq!(totals.total_vat.to_string(), "0.00");
    }

    #[test]
    fn order_discount_and_shipping() {
        // 100 at 10 % VAT, 20 % order discount, 4.95 shipping:
        // 80 before VAT, 8 VAT, 92.95 gross; 20 discounted in all.
        let lines = [line("1", "100", "0", "10")];
        let order = OrderPricing {
            discount_percentage: m("20"),
            shipping_costs: m("4.95"),
        };
        let totals = order_totals(&lines, order).unwrap();
        assert_eq!(totals.total_before_vat.to_string(), "80.00");
        assert_eq!(totals.total_vat.to_string(), "8.00");
        assert_eq!(totals.discount_total.to_string(), "20.00");
        assert_eq!(totals.gross_total.to_string(), "92.95");
    }

    #[test]
    fn line_and_order_discounts_both_count_in_discount_total() {
        let lines = [line("30", "3.0", "15", "25")];
        let order = OrderPricing {
            discount_percentage: m("10"),
            shipping_costs: Money::ZERO,
        };
        let totals = order_totals(&lines, order).unwrap();
        assert_eq!(totals.products_before_discount.to_string(), "90.00");
        assert_eq!(totals.total_before_vat.to_string(), "68.85");
        assert_eq!(totals.discount_total.to_string(), "21.15");
        assert_eq!(totals.total_vat.to_string(), "17.2125");
        assert_eq!(totals.gross_total.to_string(), "86.0625");
    }

    #[test]
    fn an_order_without_lines_totals_zero() {
        let totals = order_totals(&[], OrderPricing::default()).unwrap();
        assert_eq!(totals.gross_total, Money::ZERO);
    }
}
