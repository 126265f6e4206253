//! GraphQL inputs of order lines: a line of a new order, and the edits of an
//! existing order's lines.

use async_graphql::{ID, InputObject};

use crate::scalars::Json;

use crate::customers::inputs::AddressInput;
use crate::money::Money;

/// One order line: a catalogue product (`productId` or `productCode`) or an
/// inline product (`name` and `price`). Given values win over the catalogue's.
// Deserialize: order files of `ordergraph import`, in the GraphQL names.
#[derive(InputObject, Clone, Debug, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
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
    /// The code of the product variant ordered (seed 003's
    /// `product_variant_code`, such as "CFB - M"); absent when the product
    /// has no variants.
    pub product_variant_code: Option<String>,
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
    pub custom: Option<Json>,
    /// Where this line goes, when not to the order's shipping address (seed 003).
    pub address: Option<AddressInput>,
    /// The stock level the source system reported with the line (seed 001's
    /// `stock_quantity`): kept as given, never checked against the quantity.
    pub stock_quantity: Option<Money>,
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
