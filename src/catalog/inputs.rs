//! GraphQL inputs of the catalogue.

use async_graphql::InputObject;

use crate::scalars::Json;

use crate::money::Money;

/// A product to create, or to update by `code`. On update every field is
/// replaced by what is given (absent optional fields become null).
#[derive(InputObject, Clone, Debug)]
pub struct ProductInput {
    /// The unique product code; the upsert key.
    pub code: String,
    /// The product name.
    pub name: String,
    /// Unit price before VAT; 0 or more, at most 4 decimals.
    pub price: Money,
    /// VAT in percent, 0 to 100; 0 when absent.
    pub vat_percentage: Option<Money>,
    /// EAN-13 barcode.
    pub ean13: Option<String>,
    /// Stock keeping unit.
    pub sku: Option<String>,
    /// Brand.
    pub brand: Option<String>,
    /// Category.
    pub category: Option<String>,
    /// The product's id in the system it comes from.
    pub external_id: Option<String>,
    /// Manufacturer part number.
    pub mpn: Option<String>,
    /// UPC barcode.
    pub upc: Option<String>,
    /// Supplier.
    pub supplier: Option<String>,
    /// Image URL.
    pub image_url: Option<String>,
    /// Product page URL.
    pub url: Option<String>,
    /// Free key/value data (an object).
    pub custom: Option<Json>,
}
