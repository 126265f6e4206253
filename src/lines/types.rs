//! GraphQL type of order lines.

use async_graphql::{Context, ID, Object};

use crate::scalars::Json;

use crate::customers::types::Address;
use crate::entities::{addressbook, order_line};
use crate::error::AppError;
use crate::ids::{NodeKind, global_id};
use crate::money::Money;
use crate::scalars::BigInt;

/// An order line ("order product" in seed 003), with its address when it has
/// its own.
pub struct OrderLine(pub order_line::Model, pub Option<addressbook::Model>);

/// An order line ("order product" in seed 003): a product, its quantity and
/// prices, its computed amounts, and its own delivery address when it has one.
#[Object]
impl OrderLine {
    /// The global id: opaque, unique across all types (Relay `Node`). Pass it
    /// wherever an order line id is asked for.
    pub async fn id(&self) -> ID {
        global_id(NodeKind::OrderLine, self.0.id)
    }
    /// The database id, as the REST dialects and exports show it.
    async fn database_id(&self) -> BigInt {
        BigInt(self.0.id)
    }
    /// Place in the order, from 0.
    async fn position(&self) -> i32 {
        self.0.position
    }
    /// The global id of the catalogue product, when the line came from one.
    async fn product_id(&self) -> Option<ID> {
        self.0.product_id.map(|id| global_id(NodeKind::Product, id))
    }
    /// The catalogue product's code.
    async fn product_code(&self) -> Option<&str> {
        self.0.product_code.as_deref()
    }
    /// The product's id in the source system.
    async fn external_id(&self) -> Option<&str> {
        self.0.external_id.as_deref()
    }
    /// The product name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Stock keeping unit.
    async fn sku(&self) -> Option<&str> {
        self.0.sku.as_deref()
    }
    /// The code of the product variant ordered (seed 003's
    /// `product_variant_code`); null when none was given.
    async fn product_variant_code(&self) -> Option<&str> {
        self.0.product_variant_code.as_deref()
    }
    /// EAN-13 barcode.
    async fn ean13(&self) -> Option<&str> {
        self.0.ean13.as_deref()
    }
    /// Manufacturer part number.
    async fn mpn(&self) -> Option<&str> {
        self.0.mpn.as_deref()
    }
    /// UPC barcode.
    async fn upc(&self) -> Option<&str> {
        self.0.upc.as_deref()
    }
    /// Brand.
    async fn brand(&self) -> Option<&str> {
        self.0.brand.as_deref()
    }
    /// Category.
    async fn category(&self) -> Option<&str> {
        self.0.category.as_deref()
    }
    /// Supplier.
    async fn supplier(&self) -> Option<&str> {
        self.0.supplier.as_deref()
    }

    /// The stock level the source reported with the line (seed 001's
    /// `stock_quantity`), as given; null when it sent none.
    async fn stock_quantity(&self) -> Option<Money> {
        self.0.stock_quantity
    }
    /// Image URL.
    async fn image_url(&self) -> Option<&str> {
        self.0.image_url.as_deref()
    }
    /// Product page URL.
    async fn url(&self) -> Option<&str> {
        self.0.url.as_deref()
    }
    /// How many.
    async fn quantity(&self) -> Money {
        self.0.quantity
    }
    /// How much of it is in fulfillments that are not cancelled (pending,
    /// shipped or delivered); 0 when none.
    async fn fulfilled_quantity(&self, ctx: &Context<'_>) -> Result<Money, AppError> {
        crate::fulfillments::types::fulfilled_of_line(ctx, &self.0).await
    }
    /// How much of it may still go into a fulfillment: `quantity −
    /// fulfilledQuantity`; 0 when it is all fulfilled.
    async fn fulfillable_quantity(&self, ctx: &Context<'_>) -> Result<Money, AppError> {
        let fulfilled = crate::fulfillments::types::fulfilled_of_line(ctx, &self.0).await?;
        Ok(crate::fulfillments::rules::left(self.0.quantity, fulfilled))
    }
    /// How many units refunds took (`refundOrder`); 0 when none. A line is
    /// never refunded beyond its quantity.
    async fn refunded_quantity(&self, ctx: &Context<'_>) -> Result<Money, AppError> {
        crate::payments::types::refunded_quantity(ctx, &self.0).await
    }
    /// Unit price before discount and VAT.
    async fn price(&self) -> Money {
        self.0.price
    }
    /// Unit price after the line discount.
    async fn final_price(&self) -> Money {
        self.0.final_price
    }
    /// Line discount in percent.
    async fn discount_percentage(&self) -> Money {
        self.0.discount_percentage
    }
    /// VAT in percent.
    async fn vat_percentage(&self) -> Money {
        self.0.vat_percentage
    }
    /// Whether the price overrides the catalogue's.
    async fn has_custom_price(&self) -> bool {
        self.0.has_custom_price
    }
    /// `finalPrice × quantity`.
    async fn total_before_vat(&self) -> Money {
        self.0.total_before_vat
    }
    /// VAT of the line, rounded to 4 decimals.
    async fn total_vat(&self) -> Money {
        self.0.total_vat
    }
    /// `totalBeforeVat + totalVat`.
    async fn total_after_vat(&self) -> Money {
        self.0.total_after_vat
    }
    /// A note on the line.
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    /// Free key/value data.
    async fn custom(&self) -> Option<Json> {
        self.0.custom.clone().map(Json)
    }
    /// Where this line goes, when not to the order's shipping address.
    async fn address(&self) -> Option<Address> {
        self.1.clone().map(Address)
    }
}
