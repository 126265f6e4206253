//! From a line input to a validated, priced line ready to write: every problem
//! is collected with its path, and the catalogue is read once for all lines of
//! a request ([`catalog_for`]).

use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::ConnectionTrait;
use serde_json::Value as Json;

use super::inputs::OrderLineInput;
use crate::catalog::service::Catalog;
use crate::customers::inputs::AddressInput;
use crate::entities::{order_line, product};
use crate::error::{AppResult, FieldError};
use crate::ids::{self, NodeKind};
use crate::money::Money;
use crate::orders::pricing::{LineAmounts, LinePricing};
use crate::validate::{MAX_LONG, MAX_SHORT, check_len, check_percentage, clean};

/// Most lines one order may have.
pub const MAX_LINES: usize = 1_000;

/// Reads, in one query, every catalogue product the lines name. Ids that are
/// not product ids are left out here and reported by [`build_line`].
pub async fn catalog_for<'a, C: ConnectionTrait>(
    conn: &C,
    lines: impl IntoIterator<Item = &'a OrderLineInput>,
) -> AppResult<Catalog> {
    let mut ids = Vec::new();
    let mut codes = Vec::new();
    for line in lines {
        if let Some(id) = line
            .product_id
            .as_ref()
            .and_then(|id| ids::database_id(id, NodeKind::Product).ok())
        {
            ids.push(id);
        }
        if let Some(code) = clean(&line.product_code) {
            codes.push(code);
        }
    }
    Catalog::load(conn, ids, codes).await
}

/// A validated, priced line.
#[derive(Clone, Debug)]
pub struct LineDraft {
    pub product_id: Option<i64>,
    pub product_code: Option<String>,
    pub external_id: Option<String>,
    pub name: String,
    pub sku: Option<String>,
    pub product_variant_code: Option<String>,
    pub ean13: Option<String>,
    pub mpn: Option<String>,
    pub upc: Option<String>,
    pub brand: Option<String>,
    pub category: Option<String>,
    pub supplier: Option<String>,
    pub image_url: Option<String>,
    pub url: Option<String>,
    pub pricing: LinePricing,
    pub amounts: LineAmounts,
    pub has_custom_price: bool,
    pub note: Option<String>,
    pub custom: Option<Json>,
    pub address: Option<AddressInput>,
    pub stock_quantity: Option<Money>,
}

impl LineDraft {
    /// The row for this line of `order_id`, at `position`.
    pub fn to_row(
        &self,
        order_id: i64,
        position: i32,
        address_id: Option<i64>,
    ) -> order_line::ActiveModel {
        let now = crate::db::now();
        order_line::ActiveModel {
            id: NotSet,
            order_id: Set(order_id),
            position: Set(position),
            product_id: Set(self.product_id),
            product_code: Set(self.product_code.clone()),
            external_id: Set(self.external_id.clone()),
            name: Set(self.name.clone()),
            sku: Set(self.sku.clone()),
            ean13: Set(self.ean13.clone()),
            mpn: Set(self.mpn.clone()),
            upc: Set(self.upc.clone()),
            brand: Set(self.brand.clone()),
            category: Set(self.category.clone()),
            supplier: Set(self.supplier.clone()),
            image_url: Set(self.image_url.clone()),
            url: Set(self.url.clone()),
            quantity: Set(self.pricing.quantity),
            price: Set(self.pricing.price),
            final_price: Set(self.amounts.final_price),
            discount_percentage: Set(self.pricing.discount_percentage),
            vat_percentage: Set(self.pricing.vat_percentage),
            has_custom_price: Set(self.has_custom_price),
            total_before_vat: Set(self.amounts.total_before_vat),
            total_vat: Set(self.amounts.total_vat),
            total_after_vat: Set(self.amounts.total_after_vat),
            note: Set(self.note.clone()),
            custom: Set(self.custom.clone()),
            address_id: Set(address_id),
            stock_quantity: Set(self.stock_quantity),
            product_variant_code: Set(self.product_variant_code.clone()),
            created_at: Set(now),
            updated_at: Set(now),
        }
    }

    /// Whether `row` already holds this line (so a repeated sync changes nothing).
    pub fn matches(&self, row: &order_line::Model) -> bool {
        let address_same = match &self.address {
            None => row.address_id.is_none(),
            Some(a) => a.saved_id().is_some() && a.saved_id() == row.address_id,
        };
        address_same
            && self.product_id == row.product_id
            && self.product_code == row.product_code
            && self.external_id == row.external_id
            && self.name == row.name
            && self.sku == row.sku
            && self.product_variant_code == row.product_variant_code
            && self.ean13 == row.ean13
            && self.mpn == row.mpn
            && self.upc == row.upc
            && self.brand == row.brand
            && self.category == row.category
            && self.supplier == row.supplier
            && self.image_url == row.image_url
            && self.url == row.url
            && self.pricing.quantity == row.quantity
            && self.pricing.price == row.price
            && self.pricing.discount_percentage == row.discount_percentage
            && self.pricing.vat_percentage == row.vat_percentage
            && self.has_custom_price == row.has_custom_price
            && self.note == row.note
            && self.custom == row.custom
            && self.stock_quantity == row.stock_quantity
    }
}

/// Validates and prices `lines`, reporting problems under `prefix` (`lines`, or
/// `orders.3.lines` in an import).
pub fn build_lines(
    lines: &[OrderLineInput],
    prefix: &str,
    catalog: &Catalog,
    errors: &mut Vec<FieldError>,
) -> Vec<LineDraft> {
    if lines.len() > MAX_LINES {
        errors.push(FieldError::new(
            prefix,
            format!("an order has at most {MAX_LINES} lines"),
        ));
        return Vec::new();
    }
    lines
        .iter()
        .enumerate()
        .filter_map(|(i, line)| build_line(line, &format!("{prefix}.{i}"), catalog, errors))
        .collect()
}

/// Validates and prices one line, reporting problems under `path`.
pub fn build_line(
    line: &OrderLineInput,
    path: &str,
    catalog: &Catalog,
    errors: &mut Vec<FieldError>,
) -> Option<LineDraft> {
    let before = errors.len();
    let at = |field: &str| format!("{path}.{field}");

    let by_id = match &line.product_id {
        Some(id) => match ids::parse_into(id, NodeKind::Product, &at("productId"), errors) {
            Some(id) => match catalog.by_id(id) {
                Some(product) => Some(product),
                None => {
                    errors.push(FieldError::new(at("productId"), "no product with this id"));
                    None
                }
            },
            None => None,
        },
        None => None,
    };
    let by_code = match clean(&line.product_code) {
        Some(code) => match catalog.by_code(&code) {
            Some(product) => Some(product),
            None => {
                errors.push(FieldError::new(
                    at("productCode"),
                    format!("no product with code \"{code}\""),
                ));
                None
            }
        },
        None => None,
    };
    if let (Some(a), Some(b)) = (by_id, by_code)
        && a.id != b.id
    {
        errors.push(FieldError::new(
            at("productCode"),
            "names another product than productId",
        ));
    }
    let product = by_id.or(by_code);
    let names_product = line.product_id.is_some() || clean(&line.product_code).is_some();

    if line.quantity <= Money::ZERO {
        errors.push(FieldError::new(at("quantity"), "must be greater than 0"));
    }
    if let Some(price) = line.price
        && price < Money::ZERO
    {
        errors.push(FieldError::new(at("price"), "must not be negative"));
    }
    check_percentage(line.discount_percentage, &at("discountPercentage"), errors);
    check_percentage(line.vat_percentage, &at("vatPercentage"), errors);

    let name = clean(&line.name).or_else(|| product.map(|p| p.name.clone()));
    if name.is_none() && !names_product {
        errors.push(FieldError::new(
            at("name"),
            "a line needs a name or a catalogue product (productId or productCode)",
        ));
    }
    let price = line.price.or_else(|| product.map(|p| p.price));
    if price.is_none() && !names_product {
        errors.push(FieldError::new(
            at("price"),
            "is required when the line names no catalogue product",
        ));
    }
    for (field, value) in [
        ("name", &line.name),
        ("externalId", &line.external_id),
        ("sku", &line.sku),
        ("productVariantCode", &line.product_variant_code),
        ("ean13", &line.ean13),
        ("mpn", &line.mpn),
        ("upc", &line.upc),
        ("brand", &line.brand),
        ("category", &line.category),
        ("supplier", &line.supplier),
    ] {
        check_len(value.as_deref(), MAX_SHORT, &at(field), errors);
    }
    for (field, value) in [
        ("imageUrl", &line.image_url),
        ("url", &line.url),
        ("note", &line.note),
    ] {
        check_len(value.as_deref(), MAX_LONG, &at(field), errors);
    }
    if let Some(custom) = &line.custom
        && !custom.0.is_object()
    {
        errors.push(FieldError::new(
            at("custom"),
            "must be an object of key/value pairs",
        ));
    }
    if let Some(address) = &line.address {
        address.validate(&at("address"), errors);
    }
    if errors.len() > before {
        return None;
    }
    // Unreachable without a name/price: the checks above reported it.
    let (name, price) = (name?, price?);

    let pricing = LinePricing {
        quantity: line.quantity,
        price,
        discount_percentage: line.discount_percentage.unwrap_or_default(),
        vat_percentage: line
            .vat_percentage
            .or_else(|| product.map(|p| p.vat_percentage))
            .unwrap_or_default(),
    };
    let amounts = match pricing.amounts() {
        Ok(amounts) => amounts,
        Err(e) => {
            errors.push(FieldError::new(
                path,
                format!("the line's amounts cannot be stored: {e}"),
            ));
            return None;
        }
    };
    let pick = |given: &Option<String>, from_product: fn(&product::Model) -> &Option<String>| {
        clean(given).or_else(|| product.and_then(|p| from_product(p).clone()))
    };
    Some(LineDraft {
        product_id: product.map(|p| p.id),
        product_code: product.map(|p| p.code.clone()),
        external_id: pick(&line.external_id, |p| &p.external_id),
        name,
        sku: pick(&line.sku, |p| &p.sku),
        product_variant_code: clean(&line.product_variant_code),
        ean13: pick(&line.ean13, |p| &p.ean13),
        mpn: pick(&line.mpn, |p| &p.mpn),
        upc: pick(&line.upc, |p| &p.upc),
        brand: pick(&line.brand, |p| &p.brand),
        category: pick(&line.category, |p| &p.category),
        supplier: pick(&line.supplier, |p| &p.supplier),
        image_url: pick(&line.image_url, |p| &p.image_url),
        url: pick(&line.url, |p| &p.url),
        pricing,
        amounts,
        has_custom_price: product.is_some() && line.price.is_some(),
        note: clean(&line.note),
        custom: line.custom.as_ref().map(|c| c.0.clone()),
        address: line.address.clone(),
        stock_quantity: line.stock_quantity,
    })
}
