//! GraphQL inputs of the order write path, and the enums they share.

use async_graphql::{Enum, ID, InputObject, Json};

use super::workflow::OrderStatus;
use crate::customers::types::AddressInput;
use crate::money::Money;

/// Where the money stands.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum PaymentStatus {
    /// Not paid yet.
    Pending,
    /// Paid in full.
    Paid,
    /// Paid and returned.
    Refunded,
    /// The payment failed.
    Failed,
}

impl PaymentStatus {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentStatus::Pending => "PENDING",
            PaymentStatus::Paid => "PAID",
            PaymentStatus::Refunded => "REFUNDED",
            PaymentStatus::Failed => "FAILED",
        }
    }

    /// The status a stored name (or a platform's lower-case one) stands for.
    pub fn parse(name: &str) -> Option<PaymentStatus> {
        match name.trim().to_ascii_uppercase().as_str() {
            "PENDING" => Some(PaymentStatus::Pending),
            "PAID" => Some(PaymentStatus::Paid),
            "REFUNDED" => Some(PaymentStatus::Refunded),
            "FAILED" => Some(PaymentStatus::Failed),
            _ => None,
        }
    }
}

/// One order line: a catalogue product (`productId` or `productCode`) or an
/// inline product (`name` and `price`). Given values win over the catalogue's.
#[derive(InputObject, Clone, Debug, Default)]
pub struct OrderLineInput {
    /// A catalogue product by id.
    pub product_id: Option<ID>,
    /// A catalogue product by code (seed 003's `product_code`).
    pub product_code: Option<String>,
    /// The product's id in the source system (seed 001's `external_id`).
    pub external_id: Option<String>,
    /// The product name; required when the line names no catalogue product.
    pub name: Option<String>,
    /// Stock keeping unit (seed 001's `reference`).
    pub sku: Option<String>,
    /// EAN-13 barcode.
    pub ean13: Option<String>,
    /// Manufacturer part number.
    pub mpn: Option<String>,
    /// UPC barcode.
    pub upc: Option<String>,
    /// Brand.
    pub brand: Option<String>,
    /// Category.
    pub category: Option<String>,
    /// Supplier.
    pub supplier: Option<String>,
    /// Image URL.
    pub image_url: Option<String>,
    /// Product page URL.
    pub url: Option<String>,
    /// How many; more than 0, at most 4 decimals.
    pub quantity: Money,
    /// Unit price before discount and VAT; 0 or more. Defaults to the
    /// catalogue price; required without a catalogue product. Giving it for a
    /// catalogue product marks the line `hasCustomPrice`.
    pub price: Option<Money>,
    /// Line discount in percent, 0 to 100; default 0.
    pub discount_percentage: Option<Money>,
    /// VAT in percent, 0 to 100; defaults to the catalogue VAT, else 0.
    pub vat_percentage: Option<Money>,
    /// A note on the line.
    pub note: Option<String>,
    /// Free key/value data (seed 001's `custom`): an object.
    pub custom: Option<Json<serde_json::Value>>,
    /// Where this line goes, when not to the order's shipping address (seed 003).
    pub address: Option<AddressInput>,
}

/// A new order. Totals are computed from the lines unless `total` is given.
#[derive(InputObject, Clone, Debug, Default)]
pub struct PlaceOrderInput {
    /// An existing customer.
    pub customer_id: Option<ID>,
    /// A customer by external id, created on first sight.
    pub customer_external_id: Option<String>,
    /// A customer by e-mail, created on first sight; also the order's e-mail.
    pub customer_email: Option<String>,
    /// The buyer's name on the order (and of a customer created for it).
    pub customer_name: Option<String>,
    /// The buyer's own reference, e.g. a purchase order number; unique per source.
    pub reference: Option<String>,
    /// Where the order comes from; default "api".
    pub source: Option<String>,
    /// ISO 4217 code, three letters; default from DEFAULT_CURRENCY.
    pub currency: Option<String>,
    /// The lines: 1 to 1,000.
    pub lines: Vec<OrderLineInput>,
    /// Where to ship.
    pub shipping_address: Option<AddressInput>,
    /// Where to bill.
    pub billing_address: Option<AddressInput>,
    /// Shipping, added after VAT; default 0.
    pub shipping_costs: Option<Money>,
    /// Order discount in percent on the products subtotal; default 0.
    pub discount_percentage: Option<Money>,
    /// The gross total as the client computed it; stored as given.
    pub total: Option<Money>,
    /// The VAT as the client computed it; stored as given.
    pub total_tax: Option<Money>,
    /// The initial status; default PENDING.
    pub status: Option<OrderStatus>,
    /// Payment status.
    pub payment_status: Option<PaymentStatus>,
    /// Payment method ("iDEAL", "creditcard").
    pub payment_method: Option<String>,
    /// Notes from the buyer.
    pub notes: Option<String>,
    /// Free data (an object).
    pub metadata: Option<Json<serde_json::Value>>,
    /// A test order: left out of statistics unless asked for.
    pub test: Option<bool>,
    /// The order's business date; default now.
    pub submitted_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// An order as a source platform has it, keyed by (`source`, `externalId`).
/// On update, absent fields stay as they are and given `lines` replace all
/// lines.
#[derive(InputObject, Clone, Debug, Default)]
pub struct UpsertOrderInput {
    /// The platform ("shopify", "woocommerce", "custom").
    pub source: String,
    /// The platform's order number.
    pub external_id: String,
    /// The platform's status, mirrored as given (no workflow check).
    pub status: Option<OrderStatus>,
    /// The buyer's own reference; unique per source.
    pub reference: Option<String>,
    /// An existing customer.
    pub customer_id: Option<ID>,
    /// A customer by external id, created on first sight.
    pub customer_external_id: Option<String>,
    /// A customer by e-mail, created on first sight.
    pub customer_email: Option<String>,
    /// The buyer's name.
    pub customer_name: Option<String>,
    /// ISO 4217 code.
    pub currency: Option<String>,
    /// The lines (0 to 1,000); when given they replace the current ones.
    pub lines: Option<Vec<OrderLineInput>>,
    /// Where to ship.
    pub shipping_address: Option<AddressInput>,
    /// Where to bill.
    pub billing_address: Option<AddressInput>,
    /// Shipping costs.
    pub shipping_costs: Option<Money>,
    /// Order discount in percent.
    pub discount_percentage: Option<Money>,
    /// The platform's gross total; stored as given.
    pub total: Option<Money>,
    /// The platform's VAT; stored as given.
    pub total_tax: Option<Money>,
    /// Payment status.
    pub payment_status: Option<PaymentStatus>,
    /// Payment method.
    pub payment_method: Option<String>,
    /// Carrier tracking code.
    pub tracking_code: Option<String>,
    /// Carrier tracking URL.
    pub tracking_url: Option<String>,
    /// Notes from the buyer.
    pub notes: Option<String>,
    /// Free data (an object).
    pub metadata: Option<Json<serde_json::Value>>,
    /// The order's business date (seed 004's `order_date`); default now.
    pub submitted_at: Option<chrono::DateTime<chrono::Utc>>,
    /// A test order.
    pub test: Option<bool>,
}

/// A bulk import (seed 004): up to 1,000 orders of one source.
#[derive(InputObject, Clone, Debug)]
pub struct ImportOrdersInput {
    /// The source of every order; each order's own `source` must equal it.
    pub source: String,
    /// The orders. An existing (source, externalId) or (source, reference) is
    /// reported DUPLICATE and left unchanged.
    pub orders: Vec<UpsertOrderInput>,
}

/// What `orderAction` does (seed 002's unified action endpoint).
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum OrderActionKind {
    /// Move to `status`, if the workflow allows it.
    UpdateStatus,
    /// Move to CANCELLED.
    Cancel,
    /// Move to COMPLETED.
    Complete,
    /// Merge `metadata` into the order's metadata (a null value removes a key).
    UpdateMetadata,
}

/// An action on an order.
#[derive(InputObject, Clone, Debug)]
pub struct OrderActionInput {
    /// What to do.
    pub action: OrderActionKind,
    /// The new status, for UPDATE_STATUS.
    pub status: Option<OrderStatus>,
    /// Why; kept on the event.
    pub note: Option<String>,
    /// Whether to notify the customer (recorded; delivery comes later).
    pub notify: Option<bool>,
    /// For UPDATE_METADATA: the keys to set (null removes a key).
    pub metadata: Option<Json<serde_json::Value>>,
    /// Change only if the order is still at this version; else CONFLICT.
    pub expected_version: Option<i32>,
}

/// Shipment tracking to set (seed 003 set_shipping_tracking).
#[derive(InputObject, Clone, Debug)]
pub struct TrackingInput {
    /// Carrier tracking code.
    pub code: String,
    /// Carrier tracking URL.
    pub url: Option<String>,
    /// Carrier or shipping option.
    pub shipping_option: Option<String>,
    /// A status to move to at the same time, under the workflow rules.
    pub status: Option<OrderStatus>,
    /// Staff notes to set (seed 003's `comments_wholesaler`).
    pub staff_notes: Option<String>,
    /// Whether to notify the customer.
    pub notify: Option<bool>,
    /// Change only if the order is still at this version; else CONFLICT.
    pub expected_version: Option<i32>,
}

/// An admin field to set; a null `value` removes the field.
#[derive(InputObject, Clone, Debug)]
pub struct AdminFieldInput {
    /// The field name.
    pub name: String,
    /// The value; null removes the field.
    pub value: Option<String>,
}

/// A line to add to an existing order.
#[derive(InputObject, Clone, Debug)]
pub struct AddOrderLineInput {
    /// The line: a catalogue product or an inline one. A given price marks it
    /// `hasCustomPrice`.
    pub line: OrderLineInput,
    /// Change only if the order is still at this version; else CONFLICT.
    pub expected_version: Option<i32>,
}

/// A change to one line (seed 003 change_product_quantity).
#[derive(InputObject, Clone, Debug)]
pub struct ChangeOrderLineInput {
    /// The line to change.
    pub line_id: ID,
    /// The new quantity (more than 0).
    pub quantity: Option<Money>,
    /// A price overriding the catalogue's; marks the line `hasCustomPrice`.
    pub price: Option<Money>,
    /// The line's note.
    pub note: Option<String>,
    /// Change only if the order is still at this version; else CONFLICT.
    pub expected_version: Option<i32>,
}
