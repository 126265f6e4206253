//! From an order input (placeOrder, upsertOrder, one order of an import) to a
//! validated, priced [`NewOrder`] ready to write: every problem of an input is
//! collected (with its path) before anything touches the database.

use sea_orm::ActiveModelTrait;
use sea_orm::ActiveValue::NotSet;
use serde_json::Value as Json;

use super::inputs::{PlaceOrderInput, UpsertOrderInput};
use super::payment::PaymentStatus;
use super::pricing::{self, OrderPricing, OrderTotals};
use super::workflow::OrderStatus;
use crate::catalog::service::Catalog;
use crate::customers::inputs::AddressInput;
use crate::customers::service::CustomerRef;
use crate::entities::{customer, order};
use crate::error::FieldError;
use crate::ids::{self, NodeKind};
use crate::lines::draft::{LineDraft, build_lines};
use crate::money::Money;
use crate::validate::{
    MAX_LONG, MAX_SHORT, at, check_len, check_percentage, clean, normalize_email,
};

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

/// The e-mail of an inline billing address, normalized; `None` when absent
/// or not an e-mail (the address's own check reports that).
pub fn billing_email(billing: &Option<AddressInput>) -> Option<String> {
    billing
        .as_ref()
        .filter(|a| a.id.is_none())
        .and_then(|a| a.email.as_deref())
        .and_then(normalize_email)
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
    pub user_id: Option<String>,
}

/// Settings the drafts need.
#[derive(Clone, Copy, Debug)]
pub struct Defaults<'a> {
    /// Currency of orders that name none.
    pub currency: &'a str,
    /// The zone of local order dates without an offset (`orderDate`).
    pub time_zone: chrono_tz::Tz,
}

impl<'a> Defaults<'a> {
    /// The defaults `config` sets (`DEFAULT_CURRENCY`, `IMPORT_TIMEZONE`).
    pub fn of(config: &'a crate::config::Config) -> Self {
        Defaults {
            currency: &config.default_currency,
            time_zone: config.import_timezone,
        }
    }
}

/// The business date of an upsert or imported order: `submittedAt`, or
/// `orderDate` read in the import zone; both at once is refused, as they
/// could disagree.
fn submitted_at_of(
    input: &UpsertOrderInput,
    zone: chrono_tz::Tz,
    prefix: &str,
    errors: &mut Vec<FieldError>,
) -> Option<chrono::DateTime<chrono::Utc>> {
    let order_date = clean(&input.order_date);
    match (input.submitted_at, order_date) {
        (Some(_), Some(_)) => {
            errors.push(FieldError::new(
                at(prefix, "orderDate"),
                "give orderDate or submittedAt, not both",
            ));
            None
        }
        (Some(instant), None) => Some(instant.0),
        (None, Some(text)) => match super::dates::read_local(&text, zone) {
            Ok(instant) => Some(instant),
            Err(message) => {
                errors.push(FieldError::new(at(prefix, "orderDate"), message));
                None
            }
        },
        (None, None) => None,
    }
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
    metadata: &'a Option<crate::scalars::Json>,
    user_id: &'a Option<String>,
}

struct CommonChecked {
    customer: CustomerRef,
    currency: Option<String>,
}

fn check_common(c: &Common<'_>, prefix: &str, errors: &mut Vec<FieldError>) -> CommonChecked {
    let at = |field: &str| at(prefix, field);
    let id = c
        .customer_id
        .as_ref()
        .and_then(|id| ids::parse_into(id, NodeKind::Customer, &at("customerId"), errors));
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
        ("userId", c.user_id),
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
        address.validate(&at("shippingAddress"), errors);
    }
    if let Some(address) = c.billing_address {
        address.validate(&at("billingAddress"), errors);
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
            user_id: &$input.user_id,
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
        let total_path = at(prefix, "total");
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
            // The order's e-mail: as given, else the billing address's (an
            // inline one), else the customer's (see `to_row`).
            customer_email: checked
                .customer
                .email
                .clone()
                .or_else(|| billing_email(common.billing_address)),
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
            user_id: clean(common.user_id),
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
            submitted_at: input.submitted_at.map(|t| t.0),
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
        let at = |field: &str| at(prefix, field);
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
        let submitted_at = submitted_at_of(input, defaults.time_zone, prefix, &mut errors);
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
            submitted_at,
        };
        Self::assemble(&common, checked, specific, lines, defaults, prefix, errors)
    }

    /// The order row, given its number, customer, saved addresses and what
    /// the addresses contribute to search.
    pub fn to_row(
        &self,
        number: String,
        customer: Option<&customer::Model>,
        shipping_address_id: Option<i64>,
        billing_address_id: Option<i64>,
        address_terms: &[String],
    ) -> order::ActiveModel {
        let now = crate::db::now();
        let customer_email = self
            .customer_email
            .clone()
            .or_else(|| customer.and_then(|c| c.email.clone()));
        let customer_name = self
            .customer_name
            .clone()
            .or_else(|| customer.and_then(|c| c.name.clone()));
        let mut row = order::Model {
            id: 0,
            number,
            source: self.source.clone(),
            external_id: self.external_id.clone(),
            reference: self.reference.clone(),
            status: self.status,
            payment_status: self.payment_status,
            payment_method: self.payment_method.clone(),
            currency: self.currency.clone(),
            test: self.test,
            customer_id: customer.map(|c| c.id),
            customer_email,
            customer_name,
            shipping_address_id,
            billing_address_id,
            tracking_code: self.tracking_code.clone(),
            tracking_url: self.tracking_url.clone(),
            notes: self.notes.clone(),
            metadata: self.metadata.clone(),
            version: 1,
            submitted_at: self.submitted_at,
            created_at: now,
            updated_at: now,
            user_id: self.user_id.clone(),
            ..Default::default()
        };
        row.search_text = super::search::text(
            &row,
            &customer.and_then(|c| c.external_id.clone()),
            address_terms,
        );
        pricing::apply_totals(&mut row, &self.totals);
        // The payment the source reports: `payments::mirror::record_opening`
        // writes its transactions once the row exists.
        crate::payments::sync::opening(self.payment_status, row.gross_total).write(&mut row);
        let mut row = order::ActiveModel::from(row).reset_all();
        row.id = NotSet;
        row
    }

    /// What the order's addresses as given inline contribute to search
    /// (addresses named by id are looked up by the caller).
    pub fn inline_search_terms(&self) -> Vec<String> {
        [
            (&self.shipping_address, false),
            (&self.billing_address, true),
        ]
        .into_iter()
        .filter_map(|(address, billing)| address.as_ref().map(|a| (a, billing)))
        .filter(|(a, _)| a.id.is_none())
        .flat_map(|(a, billing)| a.search_terms(billing))
        .collect()
    }
}
