//! `GET /api/orders.json|.csv|.xml` (seed 003; `GET /api/orders` is the JSON
//! one): the newest orders matching the seed's filters, with the seed's field
//! names and amount format. Same credentials as GraphQL (401 without). The
//! body is streamed order by order, never built as one string. Customers get
//! only their own orders; staff-only data (admin fields, staff notes) only
//! goes to the roles that may see it.

pub mod fields;

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
use crate::orders::export::{self, ExportOrder};
use fields::{Entry, Field, Visibility, line_fields, order_entries};

/// Seed 003's `extra_fields`: the admin fields as one object.
pub fn extra_fields(o: &ExportOrder) -> Map<String, Json> {
    o.admin_fields
        .iter()
        .map(|f| (f.name.clone(), json!(f.value)))
        .collect()
}

fn json_line(o: &ExportOrder, l: &order_line::Model) -> Json {
    let line: Map<String, Json> = line_fields(l, o.address_of(l))
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.json()))
        .collect();
    json!({ "order_product": line })
}

fn json_order(o: &ExportOrder, see: Visibility) -> Vec<u8> {
    let mut map = Map::new();
    for entry in order_entries(o, see) {
        match entry {
            Entry::Field(name, value) => {
                map.insert(name.to_owned(), value.json());
            }
            Entry::ExtraFields => {
                map.insert("extra_fields".into(), Json::Object(extra_fields(o)));
            }
            Entry::Products => {
                let products = o.lines.iter().map(|l| json_line(o, l)).collect();
                map.insert("order_products".into(), Json::Array(products));
            }
        }
    }
    serde_json::to_vec(&json!({ "order": map })).unwrap_or_default()
}

fn xml_field(
    writer: &mut quick_xml::Writer<Vec<u8>>,
    name: &str,
    value: &Field,
) -> std::io::Result<()> {
    let tag = name.replace('_', "-");
    let mut start = BytesStart::new(tag.as_str());
    if let Some(kind) = value.xml_type() {
        start.push_attribute(("type", kind));
    }
    if matches!(value, Field::Null) {
        start.push_attribute(("nil", "true"));
        return writer.write_event(Event::Empty(start));
    }
    writer.write_event(Event::Start(start))?;
    writer.write_event(Event::Text(BytesText::new(&value.csv())))?;
    writer.write_event(Event::End(BytesEnd::new(tag.as_str())))
}

fn xml_order(o: &ExportOrder, see: Visibility) -> std::io::Result<Vec<u8>> {
    let mut writer = quick_xml::Writer::new(Vec::new());
    writer.write_event(Event::Start(BytesStart::new("order")))?;
    for entry in order_entries(o, see) {
        match entry {
            Entry::Field(name, value) => xml_field(&mut writer, name, &value)?,
            Entry::ExtraFields => {
                writer.write_event(Event::Start(BytesStart::new("extra-fields")))?;
                for field in &o.admin_fields {
                    // Field names are free text, not XML names: they go in an
                    // attribute.
                    let mut start = BytesStart::new("extra-field");
                    start.push_attribute(("name", field.name.as_str()));
                    writer.write_event(Event::Start(start))?;
                    writer.write_event(Event::Text(BytesText::new(&field.value)))?;
                    writer.write_event(Event::End(BytesEnd::new("extra-field")))?;
                }
                writer.write_event(Event::End(BytesEnd::new("extra-fields")))?;
            }
            Entry::Products => {
                let mut products = BytesStart::new("order-products");
                products.push_attribute(("type", "array"));
                writer.write_event(Event::Start(products))?;
                for line in &o.lines {
                    writer.write_event(Event::Start(BytesStart::new("order-product")))?;
                    for (name, value) in line_fields(line, o.address_of(line)) {
                        xml_field(&mut writer, name, &value)?;
                    }
                    writer.write_event(Event::End(BytesEnd::new("order-product")))?;
                }
                writer.write_event(Event::End(BytesEnd::new("order-products")))?;
            }
        }
    }
    writer.write_event(Event::End(BytesEnd::new("order")))?;
    Ok(writer.into_inner())
}

/// The order's CSV cells (names or values), without the lines: `extra_fields`
/// is one cell holding the JSON export's object.
fn csv_order_cells(o: &ExportOrder, see: Visibility, names: bool) -> Vec<String> {
    order_entries(o, see)
        .into_iter()
        .filter_map(|entry| match entry {
            Entry::Field(name, value) => Some(if names { name.to_owned() } else { value.csv() }),
            Entry::ExtraFields => Some(if names {
                "extra_fields".to_owned()
            } else {
                Json::Object(extra_fields(o)).to_string()
            }),
            Entry::Products => None,
        })
        .collect()
}

fn csv_header(see: Visibility) -> Vec<u8> {
    let order = csv_order_cells(&empty_order(), see, true);
    let line = line_fields(&empty_line(), None)
        .into_iter()
        .map(|(k, _)| format!("line_{k}"));
    csv_row(order.into_iter().chain(line))
}

fn csv_rows(o: &ExportOrder, see: Visibility) -> Vec<u8> {
    let order = csv_order_cells(o, see, false);
    if o.lines.is_empty() {
        let blanks = line_fields(&empty_line(), None).len();
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
                    .chain(line_fields(l, o.address_of(l)).iter().map(|(_, v)| v.csv())),
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
        line_addresses: Default::default(),
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
        Err(err) => return rest::app_error(err, StatusCode::BAD_REQUEST),
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
