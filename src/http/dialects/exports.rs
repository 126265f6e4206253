//! `GET /api/orders.json|.csv|.xml` (seed 003): the newest orders matching the
//! seed's filters, with the seed's field names. Same credentials as GraphQL
//! (401 without). The body is streamed order by order, never built as one
//! string. Customers get only their own orders; staff-only data (admin fields,
//! staff notes) only goes to the roles that may see it.

use std::convert::Infallible;
use std::net::SocketAddr;

use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Extension, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::{StreamExt, stream};
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use serde_json::{Map, Value as Json, json};

use crate::auth::Caller;
use crate::entities::{order, order_line};
use crate::http::access::Access;
use crate::http::{HttpState, rest};

use crate::money::Money;
use crate::orders::export::{self, ExportOrder};

/// A value of an exported field, typed for the XML `type` attribute.
enum Field {
    Null,
    Int(i64),
    Decimal(Money),
    Text(String),
    Time(chrono::DateTime<chrono::Utc>),
    Bool(bool),
}

impl Field {
    fn text(value: &Option<String>) -> Field {
        value.clone().map_or(Field::Null, Field::Text)
    }

    fn json(&self) -> Json {
        match self {
            Field::Null => Json::Null,
            Field::Int(v) => json!(v),
            Field::Decimal(v) => json!(v.to_string()),
            Field::Text(v) => json!(v),
            Field::Time(v) => json!(v.to_rfc3339()),
            Field::Bool(v) => json!(v),
        }
    }

    fn csv(&self) -> String {
        match self {
            Field::Null => String::new(),
            Field::Int(v) => v.to_string(),
            Field::Decimal(v) => v.to_string(),
            Field::Text(v) => v.clone(),
            Field::Time(v) => v.to_rfc3339(),
            Field::Bool(v) => v.to_string(),
        }
    }

    fn xml_type(&self) -> Option<&'static str> {
        match self {
            Field::Int(_) => Some("integer"),
            Field::Decimal(_) => Some("decimal"),
            Field::Time(_) => Some("dateTime"),
            Field::Bool(_) => Some("boolean"),
            Field::Null | Field::Text(_) => None,
        }
    }
}

/// The staff data the caller may see, as the policy decides.
#[derive(Clone, Copy)]
struct Visibility {
    admin_fields: bool,
    staff_notes: bool,
}

fn order_fields(o: &ExportOrder, see: Visibility) -> Vec<(&'static str, Field)> {
    let m = &o.order;
    let address = o.shipping_address.as_ref();
    let addr = |f: fn(&crate::entities::addressbook::Model) -> &Option<String>| {
        address.map_or(Field::Null, |a| Field::text(f(a)))
    };
    let after_vat =
        Money::round(m.total_before_vat.decimal() + m.total_vat.decimal()).unwrap_or_default();
    let mut fields = vec![
        ("id", Field::Int(m.id)),
        ("number", Field::Text(m.number.clone())),
        ("status", Field::Text(m.status.as_str().to_owned())),
        (
            "status_order_name",
            Field::Text(m.status.label().to_owned()),
        ),
        ("customer_id", m.customer_id.map_or(Field::Null, Field::Int)),
        ("submitted_at", Field::Time(m.submitted_at)),
        ("source", Field::Text(m.source.clone())),
        ("external_id", Field::text(&m.external_id)),
        ("comments_customer", Field::text(&m.notes)),
    ];
    if see.staff_notes {
        fields.push(("comments_wholesaler", Field::text(&m.staff_notes)));
    }
    fields.extend([
        ("address", addr(|a| &a.address1)),
        ("address2", addr(|a| &a.address2)),
        ("city", addr(|a| &a.city)),
        ("province", addr(|a| &a.province)),
        ("country", addr(|a| &a.country)),
        ("postal_code", addr(|a| &a.postal_code)),
        ("customer_order_reference", Field::text(&m.reference)),
        ("shipping_option", Field::text(&m.shipping_option)),
        ("shipping_costs", Field::Decimal(m.shipping_costs)),
        ("shipping_tracking", Field::text(&m.tracking_code)),
        ("tracking_url", Field::text(&m.tracking_url)),
        (
            "total_products_before_discount",
            Field::Decimal(m.products_before_discount),
        ),
        ("discount_percentage", Field::Decimal(m.discount_percentage)),
        ("discount_total", Field::Decimal(m.discount_total)),
        (
            "total_products_before_vat",
            Field::Decimal(m.total_before_vat),
        ),
        ("total_before_vat", Field::Decimal(m.total_before_vat)),
        ("total_vat", Field::Decimal(m.total_vat)),
        ("total_products_after_vat", Field::Decimal(after_vat)),
        ("gross_total", Field::Decimal(m.gross_total)),
        ("paid_amount", Field::Decimal(m.paid_amount)),
        ("total_quantity", Field::Decimal(m.total_quantity)),
        ("integration_ref", Field::text(&m.integration_ref)),
        (
            "payment_status",
            m.payment_status
                .map_or(Field::Null, |p| Field::Text(p.as_str().to_owned())),
        ),
        ("payment_method", Field::text(&m.payment_method)),
        ("currency", Field::Text(m.currency.clone())),
        ("test", Field::Bool(m.test)),
        ("customer_email", Field::text(&m.customer_email)),
        ("customer_name", Field::text(&m.customer_name)),
        (
            "customer_company",
            o.customer
                .as_ref()
                .map_or(Field::Null, |c| Field::text(&c.company_name)),
        ),
        (
            "customer_phone",
            o.customer
                .as_ref()
                .map_or(Field::Null, |c| Field::text(&c.phone)),
        ),
        ("created_at", Field::Time(m.created_at)),
        ("updated_at", Field::Time(m.updated_at)),
    ]);
    fields
}

fn line_fields(l: &order_line::Model) -> Vec<(&'static str, Field)> {
    vec![
        ("id", Field::Int(l.id)),
        ("order_id", Field::Int(l.order_id)),
        ("product_id", l.product_id.map_or(Field::Null, Field::Int)),
        ("product_code", Field::text(&l.product_code)),
        ("product_name", Field::Text(l.name.clone())),
        ("sku", Field::text(&l.sku)),
        ("ean13", Field::text(&l.ean13)),
        ("quantity", Field::Decimal(l.quantity)),
        ("price", Field::Decimal(l.price)),
        ("final_price", Field::Decimal(l.final_price)),
        ("discount_percentage", Field::Decimal(l.discount_percentage)),
        ("vat_percentage", Field::Decimal(l.vat_percentage)),
        ("has_custom_price", Field::Bool(l.has_custom_price)),
        ("total_before_vat", Field::Decimal(l.total_before_vat)),
        ("total_vat", Field::Decimal(l.total_vat)),
        ("total_after_vat", Field::Decimal(l.total_after_vat)),
        ("note", Field::text(&l.note)),
    ]
}

/// Seed 003's `extra_fields`: the admin fields as one object.
fn extra_fields(o: &ExportOrder) -> Map<String, Json> {
    o.admin_fields
        .iter()
        .map(|f| (f.name.clone(), json!(f.value)))
        .collect()
}

fn json_order(o: &ExportOrder, see: Visibility) -> Vec<u8> {
    let mut map: Map<String, Json> = order_fields(o, see)
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.json()))
        .collect();
    if see.admin_fields {
        map.insert("extra_fields".into(), Json::Object(extra_fields(o)));
    }
    let products: Vec<Json> = o
        .lines
        .iter()
        .map(|l| {
            let line: Map<String, Json> = line_fields(l)
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.json()))
                .collect();
            json!({ "order_product": line })
        })
        .collect();
    map.insert("order_products".into(), Json::Array(products));
    serde_json::to_vec(&json!({ "order": map })).unwrap_or_default()
}

fn xml_fields(
    writer: &mut quick_xml::Writer<Vec<u8>>,
    fields: Vec<(&'static str, Field)>,
) -> std::io::Result<()> {
    for (name, value) in fields {
        let tag = name.replace('_', "-");
        let mut start = BytesStart::new(tag.as_str());
        if let Some(kind) = value.xml_type() {
            start.push_attribute(("type", kind));
        }
        if matches!(value, Field::Null) {
            start.push_attribute(("nil", "true"));
            writer.write_event(Event::Empty(start))?;
            continue;
        }
        writer.write_event(Event::Start(start))?;
        writer.write_event(Event::Text(BytesText::new(&value.csv())))?;
        writer.write_event(Event::End(BytesEnd::new(tag.as_str())))?;
    }
    Ok(())
}

fn xml_order(o: &ExportOrder, see: Visibility) -> std::io::Result<Vec<u8>> {
    let mut writer = quick_xml::Writer::new(Vec::new());
    writer.write_event(Event::Start(BytesStart::new("order")))?;
    xml_fields(&mut writer, order_fields(o, see))?;
    if see.admin_fields {
        writer.write_event(Event::Start(BytesStart::new("extra-fields")))?;
        for field in &o.admin_fields {
            // Field names are free text, not XML names: they go in an attribute.
            let mut start = BytesStart::new("extra-field");
            start.push_attribute(("name", field.name.as_str()));
            writer.write_event(Event::Start(start))?;
            writer.write_event(Event::Text(BytesText::new(&field.value)))?;
            writer.write_event(Event::End(BytesEnd::new("extra-field")))?;
        }
        writer.write_event(Event::End(BytesEnd::new("extra-fields")))?;
    }
    let mut products = BytesStart::new("order-products");
    products.push_attribute(("type", "array"));
    writer.write_event(Event::Start(products))?;
    for line in &o.lines {
        writer.write_event(Event::Start(BytesStart::new("order-product")))?;
        xml_fields(&mut writer, line_fields(line))?;
        writer.write_event(Event::End(BytesEnd::new("order-product")))?;
    }
    writer.write_event(Event::End(BytesEnd::new("order-products")))?;
    writer.write_event(Event::End(BytesEnd::new("order")))?;
    Ok(writer.into_inner())
}

fn csv_header(see: Visibility) -> Vec<u8> {
    let mut order: Vec<String> = order_fields(&empty_order(), see)
        .into_iter()
        .map(|(k, _)| k.to_owned())
        .collect();
    if see.admin_fields {
        order.push("extra_fields".to_owned());
    }
    let line = line_fields(&empty_line())
        .into_iter()
        .map(|(k, _)| format!("line_{k}"));
    csv_row(order.into_iter().chain(line))
}

fn csv_rows(o: &ExportOrder, see: Visibility) -> Vec<u8> {
    let mut order: Vec<String> = order_fields(o, see).iter().map(|(_, v)| v.csv()).collect();
    if see.admin_fields {
        // One cell holding the JSON export's `extra_fields` object.
        order.push(Json::Object(extra_fields(o)).to_string());
    }
    if o.lines.is_empty() {
        let blanks = line_fields(&empty_line()).len();
        return csv_row(
            order
                .into_iter()
                .chain(std::iter::repeat_n(String::new(), blanks)),
        );
    }
    o.lines
        .iter()
        .flat_map(|l| {
            csv_row(
                order
                    .iter()
                    .cloned()
                    .chain(line_fields(l).iter().map(|(_, v)| v.csv())),
            )
        })
        .collect()
}

fn csv_row(cells: impl IntoIterator<Item = String>) -> Vec<u8> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    // Writing to memory cannot fail; a failure would only shorten the row.
    let _ = writer.write_record(cells.into_iter().collect::<Vec<_>>());
    writer.into_inner().unwrap_or_default()
}

fn empty_order() -> ExportOrder {
    ExportOrder {
        order: order::Model::default(),
        lines: Vec::new(),
        shipping_address: None,
        customer: None,
        admin_fields: Vec::new(),
    }
}

fn empty_line() -> order_line::Model {
    order_line::Model::default()
}

#[derive(Clone, Copy)]
enum Format {
    Json,
    Csv,
    Xml,
}

/// `GET /api/orders.json`.
pub async fn json(
    state: State<HttpState>,
    peer: ConnectInfo<SocketAddr>,
    access: Extension<Access>,
    headers: HeaderMap,
    query: RawQuery,
) -> Response {
    export(state, peer, access, headers, query, Format::Json).await
}

/// `GET /api/orders.csv`.
pub async fn csv(
    state: State<HttpState>,
    peer: ConnectInfo<SocketAddr>,
    access: Extension<Access>,
    headers: HeaderMap,
    query: RawQuery,
) -> Response {
    export(state, peer, access, headers, query, Format::Csv).await
}

/// `GET /api/orders.xml`.
pub async fn xml(
    state: State<HttpState>,
    peer: ConnectInfo<SocketAddr>,
    access: Extension<Access>,
    headers: HeaderMap,
    query: RawQuery,
) -> Response {
    export(state, peer, access, headers, query, Format::Xml).await
}

fn error(status: StatusCode, message: &str) -> Response {
    let code = if status.is_server_error() {
        "INTERNAL"
    } else {
        "BAD_USER_INPUT"
    };
    rest::error_body(status, code, message)
}

async fn export(
    State(state): State<HttpState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Extension(access): Extension<Access>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    format: Format,
) -> Response {
    let caller = state.app.auth.from_headers(&headers, peer.ip()).await;
    access.caller(&caller);
    let principal = match caller {
        Caller::Authenticated(principal) => principal,
        Caller::Anonymous | Caller::Rejected => {
            let mut response = rest::error_body(
                StatusCode::UNAUTHORIZED,
                "UNAUTHENTICATED",
                "Invalid or expired credentials",
            );
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            return response;
        }
        Caller::Failed(err) => return rest::app_error(err, StatusCode::BAD_REQUEST),
    };
    let filter = match super::Params::parse(query.as_deref(), export::PARAMETERS)
        .and_then(|params| export::parse_filter(params.pairs()))
    {
        Ok(filter) => filter,
        Err(err) => return error(StatusCode::BAD_REQUEST, &err.message()),
    };
    let policy = principal.policy();
    let see = Visibility {
        admin_fields: policy.sees_admin_fields(),
        staff_notes: policy.sees_staff_notes(),
    };
    let orders = match export::load(&state.app.db, &filter, policy.orders()).await {
        Ok(orders) => orders,
        Err(err) => return rest::app_error(err, StatusCode::BAD_REQUEST),
    };

    let (content_type, head, tail): (&str, Vec<u8>, Vec<u8>) = match format {
        Format::Json => ("application/json", b"[".to_vec(), b"]".to_vec()),
        Format::Csv => ("text/csv; charset=utf-8", csv_header(see), Vec::new()),
        Format::Xml => {
            let mut writer = quick_xml::Writer::new(Vec::new());
            let mut root = BytesStart::new("orders");
            root.push_attribute(("type", "array"));
            let head = writer
                .write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))
                .and_then(|()| writer.write_event(Event::Start(root)))
                .map(|()| writer.into_inner())
                .unwrap_or_default();
            (
                "application/xml; charset=utf-8",
                head,
                b"</orders>".to_vec(),
            )
        }
    };
    // Each order is serialized only when the body stream reaches it.
    let body = stream::iter(orders.into_iter().enumerate()).map(move |(i, o)| {
        let chunk = match format {
            Format::Json => {
                let mut chunk = if i == 0 { Vec::new() } else { b",".to_vec() };
                chunk.extend(json_order(&o, see));
                chunk
            }
            Format::Csv => csv_rows(&o, see),
            Format::Xml => xml_order(&o, see).unwrap_or_default(),
        };
        Ok::<Bytes, Infallible>(Bytes::from(chunk))
    });
    let body = stream::once(async move { Ok(Bytes::from(head)) })
        .chain(body)
        .chain(stream::once(async move { Ok(Bytes::from(tail)) }));
    (
        [(header::CONTENT_TYPE, content_type)],
        Body::from_stream(body),
    )
        .into_response()
}
