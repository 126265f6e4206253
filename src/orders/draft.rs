//! From GraphQL input to a validated, priced order ready to write: every problem
//! of an input is collected (with its path) before anything touches the
//! database, and the catalogue is read once for all lines of a request.

use std::collections::HashMap;

use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::ConnectionTrait;
use serde_json::Value as Json;

use super::inputs::{OrderLineInput, PaymentStatus, PlaceOrderInput, UpsertOrderInput};
use super::pricing::{self, LineAmounts, LinePricing, OrderPricing, OrderTotals};
use super::workflow::OrderStatus;
use crate::catalog::service::check_percentage;
use crate::customers::service::{CustomerRef, check_len, normalize_email, validate_address};
use crate::customers::types::AddressInput;
use crate::entities::{order, order_line, product};
use crate::error::{AppResult, FieldError};
use crate::money::Money;

/// Most lines one order may have.
pub const MAX_LINES: usize = 1_000;
const MAX_SHORT: usize = 255;
const MAX_LONG: usize = 10_000;

/// The catalogue rows the lines of a request name.
#[derive(Default)]
pub struct Catalog {
    by_id: HashMap<i64, product::Model>,
    by_code: HashMap<String, product::Model>,
}

impl Catalog {
    /// Reads, in one query, every product the lines name.
    pub async fn load<'a, C: ConnectionTrait>(
        conn: &C,
        lines: impl IntoIterator<Item = &'a OrderLineInput>,
    ) -> AppResult<Catalog> {
        let mut ids = Vec::new();
        let mut codes = Vec::new();
        for line in lines {
            if let Some(id) = line
                .product_id
                .as_ref()
                .and_then(|id| id.parse::<i64>().ok())
            {
                ids.push(id);
            }
            if let Some(code) = line
                .product_code
                .as_deref()
                .map(str::trim)
                .filter(|c| !c.is_empty())
            {
                codes.push(code.to_owned());
            }
        }
        ids.sort_unstable();
        ids.dedup();
        codes.sort_unstable();
        codes.dedup();
        let (by_id, by_code) = crate::catalog::service::lookup(conn, &ids, &codes).await?;
        Ok(Catalog { by_id, by_code })
    }
}

/// A validated, priced line.
#[derive(Clone, Debug)]
pub struct LineDraft {
    pub product_id: Option<i64>,
    pub product_code: Option<String>,
    pub external_id: Option<String>,
    pub name: String,
    pub sku: Option<String>,
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
            created_at: Set(now),
            updated_at: Set(now),
        }
    }

    /// Whether `row` already holds this line (so a repeated sync changes nothing).
    pub fn matches(&self, row: &order_line::Model) -> bool {
        let address_same = match &self.address {
            None => row.address_id.is_none(),
            Some(a) => {
                a.id.as_ref().and_then(|id| id.parse::<i64>().ok()) == row.address_id
                    && row.address_id.is_some()
            }
        };
        address_same
            && self.product_id == row.product_id
            && self.product_code == row.product_code
            && self.external_id == row.external_id
            && self.name == row.name
            && self.sku == row.sku
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
    }
}

/// Trimmed text, `None` when blank.
pub fn clean(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
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
        Some(id) => match id.parse::<i64>() {
            Ok(id) => match catalog.by_id.get(&id) {
                Some(product) => Some(product),
                None => {
                    errors.push(FieldError::new(at("productId"), "no product with this id"));
                    None
                }
            },
            Err(_) => {
                errors.push(FieldError::new(at("productId"), "is not a product id"));
                None
            }
        },
        None => None,
    };
    let by_code = match clean(&line.product_code) {
        Some(code) => match catalog.by_code.get(&code) {
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
        validate_address(address, &at("address"), errors);
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
    })
}

/// Totals for `lines`, with a client's own `total` / `totalTax` kept as given.
pub fn totals(
    lines: &[LineDraft],
    order: OrderPricing,
    total: Option<Money>,
    total_tax: Option<Money>,
    path: &str,
    errors: &mut Vec<FieldError>,
) -> OrderTotals {
    let priced: Vec<_> = lines.iter().map(|l| (l.pricing, l.amounts)).collect();
    let mut totals = match pricing::order_totals(&priced, order) {
        Ok(totals) => totals,
        Err(e) => {
            errors.push(FieldError::new(
                path,
                format!("the order's totals cannot be stored: {e}"),
            ));
            OrderTotals::default()
        }
    };
    if let Some(total) = total {
        totals.gross_total = total;
    }
    if let Some(tax) = total_tax {
        totals.total_vat = tax;
    }
    totals
}

/// A validated new order (from placeOrder, upsertOrder or importOrders).
#[derive(Clone, Debug)]
pub struct NewOrder {
    pub source: String,
    pub external_id: Option<String>,
    pub reference: Option<String>,
    pub status: OrderStatus,
    pub payment_status: Option<PaymentStatus>,
    pub payment_method: Option<String>,
    pub currency: String,
    pub test: bool,
    pub customer: CustomerRef,
    pub customer_email: Option<String>,
    pub customer_name: Option<String>,
    pub shipping_address: Option<AddressInput>,
    pub billing_address: Option<AddressInput>,
    pub lines: Vec<LineDraft>,
    pub order_pricing: OrderPricing,
    pub totals: OrderTotals,
    pub tracking_code: Option<String>,
    pub tracking_url: Option<String>,
    pub notes: Option<String>,
    pub metadata: Option<Json>,
    pub submitted_at: chrono::DateTime<chrono::Utc>,
}

/// Settings the drafts need.
#[derive(Clone, Copy, Debug)]
pub struct Defaults<'a> {
    /// Currency of orders that name none.
    pub currency: &'a str,
}

/// Fields placeOrder and upsertOrder share, as plain references.
struct Common<'a> {
    customer_id: &'a Option<async_graphql::ID>,
    customer_external_id: &'a Option<String>,
    customer_email: &'a Option<String>,
    customer_name: &'a Option<String>,
    reference: &'a Option<String>,
    currency: &'a Option<String>,
    shipping_address: &'a Option<AddressInput>,
    billing_address: &'a Option<AddressInput>,
    shipping_costs: Option<Money>,
    discount_percentage: Option<Money>,
    total: Option<Money>,
    total_tax: Option<Money>,
    payment_method: &'a Option<String>,
    notes: &'a Option<String>,
    metadata: &'a Option<async_graphql::Json<Json>>,
}

struct CommonChecked {
    customer: CustomerRef,
    currency: Option<String>,
}

fn check_common(c: &Common<'_>, prefix: &str, errors: &mut Vec<FieldError>) -> CommonChecked {
    let at = |field: &str| {
        if prefix.is_empty() {
            field.to_owned()
        } else {
            format!("{prefix}.{field}")
        }
    };
    let id = match c.customer_id {
        Some(id) => match id.parse::<i64>() {
            Ok(id) if id > 0 => Some(id),
            _ => {
                errors.push(FieldError::new(at("customerId"), "is not a customer id"));
                None
            }
        },
        None => None,
    };
    let email = match clean(c.customer_email) {
        Some(raw) => {
            let email = normalize_email(&raw);
            if email.is_none() {
                errors.push(FieldError::new(
                    at("customerEmail"),
                    "is not an e-mail address",
                ));
            }
            email
        }
        None => None,
    };
    let currency = clean(c.currency).map(|code| code.to_ascii_uppercase());
    if let Some(code) = &currency
        && !(code.len() == 3 && code.chars().all(|ch| ch.is_ascii_alphabetic()))
    {
        errors.push(FieldError::new(
            at("currency"),
            "must be a three-letter ISO 4217 code, such as EUR",
        ));
    }
    for (field, value) in [
        ("customerExternalId", c.customer_external_id),
        ("customerName", c.customer_name),
        ("reference", c.reference),
        ("paymentMethod", c.payment_method),
    ] {
        check_len(value.as_deref(), MAX_SHORT, &at(field), errors);
    }
    check_len(c.notes.as_deref(), MAX_LONG, &at("notes"), errors);
    for (field, value) in [
        ("shippingCosts", c.shipping_costs),
        ("total", c.total),
        ("totalTax", c.total_tax),
    ] {
        if let Some(v) = value
            && v < Money::ZERO
        {
            errors.push(FieldError::new(at(field), "must not be negative"));
        }
    }
    check_percentage(c.discount_percentage, &at("discountPercentage"), errors);
    if let Some(metadata) = c.metadata
        && !metadata.0.is_object()
    {
        errors.push(FieldError::new(at("metadata"), "must be an object"));
    }
    if let Some(address) = c.shipping_address {
        validate_address(address, &at("shippingAddress"), errors);
    }
    if let Some(address) = c.billing_address {
        validate_address(address, &at("billingAddress"), errors);
    }
    CommonChecked {
        customer: CustomerRef {
            id,
            external_id: clean(c.customer_external_id),
            email,
            name: clean(c.customer_name),
        },
        currency,
    }
}

/// The shared fields of `PlaceOrderInput` and `UpsertOrderInput` (same names
/// in both), as a [`Common`] view.
macro_rules! common_of {
    ($input:expr) => {
        Common {
            customer_id: &$input.customer_id,
            customer_external_id: &$input.customer_external_id,
            customer_email: &$input.customer_email,
            customer_name: &$input.customer_name,
            reference: &$input.reference,
            currency: &$input.currency,
            shipping_address: &$input.shipping_address,
            billing_address: &$input.billing_address,
            shipping_costs: $input.shipping_costs,
            discount_percentage: $input.discount_percentage,
            total: $input.total,
            total_tax: $input.total_tax,
            payment_method: &$input.payment_method,
            notes: &$input.notes,
            metadata: &$input.metadata,
        }
    };
}

/// What differs between a placed and an upserted order.
struct Specific<'a> {
    source: String,
    external_id: Option<String>,
    status: Option<OrderStatus>,
    payment_status: Option<PaymentStatus>,
    test: Option<bool>,
    tracking_code: &'a Option<String>,
    tracking_url: &'a Option<String>,
    submitted_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl NewOrder {
    /// Prices `lines` and builds the order, or returns every problem found.
    fn assemble(
        common: &Common<'_>,
        checked: CommonChecked,
        specific: Specific<'_>,
        lines: Vec<LineDraft>,
        defaults: Defaults<'_>,
        prefix: &str,
        mut errors: Vec<FieldError>,
    ) -> Result<NewOrder, Vec<FieldError>> {
        let order_pricing = OrderPricing {
            discount_percentage: common.discount_percentage.unwrap_or_default(),
            shipping_costs: common.shipping_costs.unwrap_or_default(),
        };
        let total_path = if prefix.is_empty() {
            "total".to_owned()
        } else {
            format!("{prefix}.total")
        };
        let totals = totals(
            &lines,
            order_pricing,
            common.total,
            common.total_tax,
            &total_path,
            &mut errors,
        );
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(NewOrder {
            source: specific.source,
            external_id: specific.external_id,
            reference: clean(common.reference),
            status: specific.status.unwrap_or(OrderStatus::Pending),
            payment_status: specific.payment_status,
            payment_method: clean(common.payment_method),
            currency: checked
                .currency
                .unwrap_or_else(|| defaults.currency.to_owned()),
            test: specific.test.unwrap_or(false),
            customer_email: checked.customer.email.clone(),
            customer_name: checked.customer.name.clone(),
            customer: checked.customer,
            shipping_address: common.shipping_address.clone(),
            billing_address: common.billing_address.clone(),
            lines,
            order_pricing,
            totals,
            tracking_code: clean(specific.tracking_code),
            tracking_url: clean(specific.tracking_url),
            notes: clean(common.notes),
            metadata: common.metadata.as_ref().map(|m| m.0.clone()),
            submitted_at: specific.submitted_at.unwrap_or_else(crate::db::now),
        })
    }

    /// Validates a placeOrder input.
    pub fn from_place(
        input: &PlaceOrderInput,
        catalog: &Catalog,
        defaults: Defaults<'_>,
    ) -> Result<NewOrder, Vec<FieldError>> {
        // Order-level problems first, then the lines': roughly input order.
        let common = common_of!(input);
        let mut errors = Vec::new();
        let checked = check_common(&common, "", &mut errors);
        let source = clean(&input.source).unwrap_or_else(|| "api".to_owned());
        check_len(Some(&source), MAX_SHORT, "source", &mut errors);
        if input.lines.is_empty() {
            errors.push(FieldError::new("lines", "an order needs at least one line"));
        }
        let lines = build_lines(&input.lines, "lines", catalog, &mut errors);
        let specific = Specific {
            source,
            external_id: None,
            status: input.status,
            payment_status: input.payment_status,
            test: input.test,
            tracking_code: &None,
            tracking_url: &None,
            submitted_at: input.submitted_at,
        };
        Self::assemble(&common, checked, specific, lines, defaults, "", errors)
    }

    /// Validates an upsertOrder input (or one order of an import, with
    /// `prefix` such as `orders.3`).
    pub fn from_upsert(
        input: &UpsertOrderInput,
        catalog: &Catalog,
        defaults: Defaults<'_>,
        prefix: &str,
    ) -> Result<NewOrder, Vec<FieldError>> {
        let at = |field: &str| {
            if prefix.is_empty() {
                field.to_owned()
            } else {
                format!("{prefix}.{field}")
            }
        };
        let mut errors = Vec::new();
        let source = input.source.trim().to_owned();
        if source.is_empty() {
            errors.push(FieldError::new(at("source"), "must not be empty"));
        }
        let external_id = input.external_id.trim().to_owned();
        if external_id.is_empty() {
            errors.push(FieldError::new(at("externalId"), "must not be empty"));
        }
        check_len(Some(&source), MAX_SHORT, &at("source"), &mut errors);
        check_len(
            Some(&external_id),
            MAX_SHORT,
            &at("externalId"),
            &mut errors,
        );
        check_len(
            input.tracking_code.as_deref(),
            MAX_SHORT,
            &at("trackingCode"),
            &mut errors,
        );
        check_len(
            input.tracking_url.as_deref(),
            MAX_LONG,
            &at("trackingUrl"),
            &mut errors,
        );
        let common = common_of!(input);
        let checked = check_common(&common, prefix, &mut errors);
        let lines = match &input.lines {
            Some(lines) => build_lines(lines, &at("lines"), catalog, &mut errors),
            None => Vec::new(),
        };
        let specific = Specific {
            source,
            external_id: Some(external_id),
            status: input.status,
            payment_status: input.payment_status,
            test: input.test,
            tracking_code: &input.tracking_code,
            tracking_url: &input.tracking_url,
            submitted_at: input.submitted_at,
        };
        Self::assemble(&common, checked, specific, lines, defaults, prefix, errors)
    }

    /// The order row, given its number, customer and saved addresses.
    pub fn to_row(
        &self,
        number: String,
        customer: Option<&crate::entities::customer::Model>,
        shipping_address_id: Option<i64>,
        billing_address_id: Option<i64>,
        address_names: &[String],
    ) -> order::ActiveModel {
        let now = crate::db::now();
        let t = &self.totals;
        let customer_email = self
            .customer_email
            .clone()
            .or_else(|| customer.and_then(|c| c.email.clone()));
        let customer_name = self
            .customer_name
            .clone()
            .or_else(|| customer.and_then(|c| c.name.clone()));
        let search_text = super::search::compose(
            &number,
            [
                &self.external_id,
                &self.reference,
                &customer_email,
                &customer_name,
            ],
            address_names,
        );
        order::ActiveModel {
            id: NotSet,
            number: Set(number),
            source: Set(self.source.clone()),
            external_id: Set(self.external_id.clone()),
            reference: Set(self.reference.clone()),
            status: Set(self.status.as_str().to_owned()),
            payment_status: Set(self.payment_status.map(|p| p.as_str().to_owned())),
            payment_method: Set(self.payment_method.clone()),
            currency: Set(self.currency.clone()),
            test: Set(self.test),
            customer_id: Set(customer.map(|c| c.id)),
            customer_email: Set(self
                .customer_email
                .clone()
                .or_else(|| customer.and_then(|c| c.email.clone()))),
            customer_name: Set(self
                .customer_name
                .clone()
                .or_else(|| customer.and_then(|c| c.name.clone()))),
            shipping_address_id: Set(shipping_address_id),
            billing_address_id: Set(billing_address_id),
            total_quantity: Set(t.total_quantity),
            products_before_discount: Set(t.products_before_discount),
            discount_percentage: Set(t.discount_percentage),
            discount_total: Set(t.discount_total),
            total_before_vat: Set(t.total_before_vat),
            total_vat: Set(t.total_vat),
            shipping_costs: Set(t.shipping_costs),
            gross_total: Set(t.gross_total),
            paid_amount: Set(paid_amount(self.payment_status, t.gross_total)),
            tracking_code: Set(self.tracking_code.clone()),
            tracking_url: Set(self.tracking_url.clone()),
            shipping_option: Set(None),
            integration_ref: Set(None),
            notes: Set(self.notes.clone()),
            staff_notes: Set(None),
            metadata: Set(self.metadata.clone()),
            version: Set(1),
            submitted_at: Set(self.submitted_at),
            created_at: Set(now),
            updated_at: Set(now),
            search_text: Set(search_text),
        }
    }

    /// The names of the order's addresses as given inline (addresses named by
    /// id are looked up by the caller).
    pub fn inline_address_names(&self) -> Vec<String> {
        [&self.shipping_address, &self.billing_address]
            .into_iter()
            .flatten()
            .filter(|a| a.id.is_none())
            .flat_map(super::search::input_names)
            .collect()
    }
}

/// What has been paid: the gross total once PAID, nothing before.
pub fn paid_amount(status: Option<PaymentStatus>, gross_total: Money) -> Money {
    match status {
        Some(PaymentStatus::Paid) => gross_total,
        _ => Money::ZERO,
    }
}
