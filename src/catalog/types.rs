//! GraphQL types of the catalogue.

use async_graphql::{ID, Object};

use crate::scalars::Json;

use crate::entities::product;
use crate::ids::{NodeKind, global_id};
use crate::money::Money;
use crate::scalars::BigInt;

/// A catalogue product.
pub struct Product(pub product::Model);

/// A catalogue product: what order lines naming a `productCode` or `productId`
/// take their name, price and VAT from.
#[Object]
impl Product {
    /// The global id: opaque, unique across all types (Relay `Node`). Pass it
    /// wherever a product id is asked for.
    pub async fn id(&self) -> ID {
        global_id(NodeKind::Product, self.0.id)
    }
    /// The database id, as the REST dialects and exports show it.
    async fn database_id(&self) -> BigInt {
        BigInt(self.0.id)
    }
    /// The unique product code (seed 003's `product_code`).
    async fn code(&self) -> &str {
        &self.0.code
    }
    /// The product name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Unit price before VAT.
    async fn price(&self) -> Money {
        self.0.price
    }
    /// VAT in percent.
    async fn vat_percentage(&self) -> Money {
        self.0.vat_percentage
    }
    /// EAN-13 barcode.
    async fn ean13(&self) -> Option<&str> {
        self.0.ean13.as_deref()
    }
    /// Stock keeping unit (seed 001's `reference`).
    async fn sku(&self) -> Option<&str> {
        self.0.sku.as_deref()
    }
    /// Brand.
    async fn brand(&self) -> Option<&str> {
        self.0.brand.as_deref()
    }
    /// Category.
    async fn category(&self) -> Option<&str> {
        self.0.category.as_deref()
    }
    /// The product's id in the system it comes from.
    async fn external_id(&self) -> Option<&str> {
        self.0.external_id.as_deref()
    }
    /// Manufacturer part number.
    async fn mpn(&self) -> Option<&str> {
        self.0.mpn.as_deref()
    }
    /// UPC barcode.
    async fn upc(&self) -> Option<&str> {
        self.0.upc.as_deref()
    }
    /// Supplier.
    async fn supplier(&self) -> Option<&str> {
        self.0.supplier.as_deref()
    }
    /// Image URL.
    async fn image_url(&self) -> Option<&str> {
        self.0.image_url.as_deref()
    }
    /// Product page URL.
    async fn url(&self) -> Option<&str> {
        self.0.url.as_deref()
    }
    /// Free key/value data.
    async fn custom(&self) -> Option<Json> {
        self.0.custom.clone().map(Json)
    }
}
