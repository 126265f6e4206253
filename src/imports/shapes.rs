//! The shapes an order may have in a file, mapped onto [`UpsertOrderInput`]:
//! ours (the GraphQL input's camelCase names), seed 004's import orders
//! (`id_order`, `order_date`, `firstname`, `products` with `qty` and
//! `unit_price`) and seed 001's create-order body (`external_id`,
//! `shipping_address`, `products` with `reference`). Pure: one order at a time.

use serde_json::{Map, Value};

use crate::orders::inputs::UpsertOrderInput;
use crate::validate::{nul_path, nul_path_error};

/// Which names an order uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// The GraphQL `UpsertOrderInput` (`externalId`, `lines`, ...).
    Graphql,
    /// Seed 004's import order (`id_order`, `order_date`, `products`).
    Seed004,
    /// Seed 001's create-order body (`external_id`, `products`).
    Seed001,
}

/// One order of a file: the input, or every reason it cannot be one
/// (`path: message`, the path in the file's own names).
#[derive(Debug)]
pub struct Parsed {
    /// The names the order was read in.
    pub shape: Shape,
    /// Its external id as written (also when the order is unusable), for
    /// reports.
    pub external_id: Option<String>,
    /// The input, or why not.
    pub input: Result<UpsertOrderInput, Vec<String>>,
}

/// How a seed field's value becomes ours.
#[derive(Clone, Copy)]
enum Conv {
    /// Text; numbers (EANs, ids, phone numbers) become their digits; an empty
    /// string is absent (PHP clients send `''` for nothing).
    Text,
    /// A decimal as a number or a string: left to the `Decimal` rules.
    Amount,
    /// true/false, also as `"true"`, `"1"`, `0`.
    Bool,
    /// Seed 004's `YYYY-MM-DD HH:MM:SS`, read as UTC (RFC 3339 passes too).
    Date004,
    /// Kept as it is (free key/value objects).
    Same,
    /// The first or last name: joined into one name.
    FirstName,
    LastName,
    /// A nested address with its own names.
    Address(&'static [Field]),
    /// A list of order lines with their own names, and the quantity of a
    /// line that gives none.
    Lines(&'static [Field], Option<&'static str>),
    /// Documented by the seed but not order data (stock levels): ignored.
    Drop,
}

/// One field of a seed: its name there, its path in our input (dotted: a
/// member of a nested object), and how its value converts.
#[derive(Clone, Copy)]
struct Field {
    seed: &'static str,
    ours: &'static str,
    conv: Conv,
}

const fn f(seed: &'static str, ours: &'static str, conv: Conv) -> Field {
    Field { seed, ours, conv }
}

/// Seed 004's order, plus `source`, which seed 004 leaves to the API key.
const SEED_004: &[Field] = &[
    f("id_order", "externalId", Conv::Text),
    f("order_date", "submittedAt", Conv::Date004),
    f("firstname", "customerName", Conv::FirstName),
    f("lastname", "customerName", Conv::LastName),
    f("email", "customerEmail", Conv::Text),
    f("reference", "reference", Conv::Text),
    // Seed 004's `qty` is optional: a product listed once was bought once.
    f(
        "products",
        "lines",
        Conv::Lines(SEED_004_PRODUCT, Some("1")),
    ),
    f("source", "source", Conv::Text),
];

/// Seed 004's product. `unit_price` is tax included: it becomes the price
/// with no VAT on top, so the order's total is what the shop charged.
/// `category_id` has no field of its own and is kept in `custom`.
const SEED_004_PRODUCT: &[Field] = &[
    f("id", "externalId", Conv::Text),
    f("name", "name", Conv::Text),
    f("category_id", "custom.category_id", Conv::Text),
    f("category_name", "category", Conv::Text),
    f("qty", "quantity", Conv::Amount),
    f("unit_price", "price", Conv::Amount),
    f("mpn", "mpn", Conv::Text),
    f("ean13", "ean13", Conv::Text),
    f("sku", "sku", Conv::Text),
    f("upc", "upc", Conv::Text),
    f("url", "url", Conv::Text),
];

const SEED_001: &[Field] = &[
    f("external_id", "externalId", Conv::Text),
    f("source", "source", Conv::Text),
    f("test", "test", Conv::Bool),
    f("total", "total", Conv::Amount),
    f("shipping_cost", "shippingCosts", Conv::Amount),
    f("email", "customerEmail", Conv::Text),
    f(
        "shipping_address",
        "shippingAddress",
        Conv::Address(SEED_001_ADDRESS),
    ),
    f("products", "lines", Conv::Lines(SEED_001_PRODUCT, None)),
];

/// Seed 001's table says `first_name`, its error example
/// `shipping_address.firstname`: both are read.
const SEED_001_ADDRESS: &[Field] = &[
    f("first_name", "firstName", Conv::Text),
    f("firstname", "firstName", Conv::Text),
    f("last_name", "lastName", Conv::Text),
    f("lastname", "lastName", Conv::Text),
    f("company_name", "companyName", Conv::Text),
    f("address1", "address1", Conv::Text),
    f("address2", "address2", Conv::Text),
    f("postcode", "postalCode", Conv::Text),
    f("city", "city", Conv::Text),
    f("state", "province", Conv::Text),
    f("country", "country", Conv::Text),
    f("phone", "phone", Conv::Text),
];

const SEED_001_PRODUCT: &[Field] = &[
    f("external_id", "externalId", Conv::Text),
    f("ean13", "ean13", Conv::Text),
    f("name", "name", Conv::Text),
    f("reference", "sku", Conv::Text),
    f("quantity", "quantity", Conv::Amount),
    f("stock_quantity", "", Conv::Drop),
    f("price", "price", Conv::Amount),
    f("image_url", "imageUrl", Conv::Text),
    f("brand", "brand", Conv::Text),
    f("category", "category", Conv::Text),
    f("supplier", "supplier", Conv::Text),
    f("custom", "custom", Conv::Same),
];

/// Fields only seed 004 has, and only seed 001 has: one of them decides.
const ONLY_004: &[&str] = &["id_order", "order_date", "firstname", "lastname"];
const ONLY_001: &[&str] = &[
    "external_id",
    "shipping_cost",
    "shipping_address",
    "products",
];

/// Which names `order` uses. Seed 004 wins over seed 001 (both have
/// `products`); an order with neither's own fields is ours.
pub fn shape_of(order: &Map<String, Value>) -> Shape {
    if ONLY_004.iter().any(|k| order.contains_key(*k)) {
        Shape::Seed004
    } else if ONLY_001.iter().any(|k| order.contains_key(*k)) {
        Shape::Seed001
    } else {
        Shape::Graphql
    }
}

/// The top-level fields of a seed shape (none for ours).
fn fields_of(shape: Shape) -> &'static [Field] {
    match shape {
        Shape::Graphql => &[],
        Shape::Seed004 => SEED_004,
        Shape::Seed001 => SEED_001,
    }
}

/// Reads one order in any shape. `default_source` (the `--source` of the
/// import) fills in a missing `source`.
pub fn parse(value: Value, default_source: Option<&str>) -> Parsed {
    // PostgreSQL cannot store NUL in text: refused here as by every other
    // entry point, named in the file's own terms.
    let nul = nul_path(&value, "").map(nul_path_error);
    let Value::Object(order) = value else {
        return Parsed {
            shape: Shape::Graphql,
            external_id: None,
            input: Err(vec![format!(
                "an order is a JSON object, not {}",
                kind_of(&value)
            )]),
        };
    };
    let shape = shape_of(&order);
    let external_id = external_id_of(shape, &order);
    let input = match nul {
        Some(error) => Err(vec![format!("{}: {}", error.path, error.message)]),
        None => to_input(shape, order, default_source),
    };
    Parsed {
        shape,
        external_id,
        input,
    }
}

fn to_input(
    shape: Shape,
    order: Map<String, Value>,
    default_source: Option<&str>,
) -> Result<UpsertOrderInput, Vec<String>> {
    let mut ours = match shape {
        Shape::Graphql => order,
        Shape::Seed004 | Shape::Seed001 => {
            let mut errors = Vec::new();
            let mapped = map_object(&order, fields_of(shape), "", &mut errors);
            if !errors.is_empty() {
                return Err(errors);
            }
            mapped
        }
    };
    // Absent, null or blank: the default's to fill. Anything else (a
    // number) is the order's, for the input's own check to refuse.
    let missing = match ours.get("source") {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.trim().is_empty(),
        Some(_) => false,
    };
    if missing {
        match default_source {
            Some(source) => {
                ours.insert("source".into(), Value::String(source.to_owned()));
            }
            None => {
                return Err(vec![
                    "source: missing: give every order a source, or pass --source".to_owned(),
                ]);
            }
        }
    }
    serde_path_to_error::deserialize::<_, UpsertOrderInput>(Value::Object(ours)).map_err(|err| {
        let path = dotted(err.path());
        let message = err.into_inner().to_string();
        let path = seed_path(shape, &path);
        vec![if path.is_empty() {
            message
        } else {
            format!("{path}: {message}")
        }]
    })
}

/// serde_path_to_error's path as our field paths (`lines.0.price`).
fn dotted(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let parts: Vec<String> = path
        .iter()
        .filter_map(|segment| match segment {
            Segment::Seq { index } => Some(index.to_string()),
            Segment::Map { key } => Some(key.clone()),
            Segment::Enum { variant } => Some(variant.clone()),
            Segment::Unknown => None,
        })
        .collect();
    parts.join(".")
}

/// Maps the members of a seed object through `fields`; unknown members are
/// errors (a typo would otherwise lose data without a word).
fn map_object(
    object: &Map<String, Value>,
    fields: &[Field],
    path: &str,
    errors: &mut Vec<String>,
) -> Map<String, Value> {
    let mut out = Map::new();
    let (mut first, mut last) = (None, None);
    for (key, value) in object {
        let at = crate::validate::at(path, key);
        let Some(field) = fields.iter().find(|f| f.seed == key) else {
            errors.push(format!("{at}: unknown field"));
            continue;
        };
        let converted = match field.conv {
            Conv::Text => text(value, &at, errors),
            Conv::Amount => amount(value, &at, errors),
            Conv::Bool => boolean(value, &at, errors),
            Conv::Date004 => date_004(value, &at, errors),
            Conv::Same => (!value.is_null()).then(|| value.clone()),
            Conv::FirstName => {
                first = text(value, &at, errors);
                None
            }
            Conv::LastName => {
                last = text(value, &at, errors);
                None
            }
            Conv::Address(inner) => match value {
                Value::Object(address) => {
                    Some(Value::Object(map_object(address, inner, &at, errors)))
                }
                Value::Null => None,
                other => {
                    errors.push(format!("{at}: expected an object, not {}", kind_of(other)));
                    None
                }
            },
            Conv::Lines(inner, quantity) => lines(value, inner, quantity, &at, errors),
            Conv::Drop => None,
        };
        if let Some(converted) = converted {
            set_path(&mut out, field.ours, converted);
        }
    }
    let name: Vec<String> = [first, last]
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect();
    if !name.is_empty() {
        out.insert("customerName".into(), Value::String(name.join(" ")));
    }
    out
}

fn lines(
    value: &Value,
    fields: &'static [Field],
    default_quantity: Option<&str>,
    path: &str,
    errors: &mut Vec<String>,
) -> Option<Value> {
    let items = match value {
        Value::Array(items) => items,
        Value::Null => return None,
        other => {
            errors.push(format!("{path}: expected a list, not {}", kind_of(other)));
            return None;
        }
    };
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let at = format!("{path}.{i}");
        match item {
            Value::Object(product) => {
                let mut line = map_object(product, fields, &at, errors);
                if let Some(quantity) = default_quantity
                    && !line.contains_key("quantity")
                {
                    line.insert("quantity".into(), Value::String(quantity.to_owned()));
                }
                out.push(Value::Object(line));
            }
            other => errors.push(format!("{at}: expected an object, not {}", kind_of(other))),
        }
    }
    Some(Value::Array(out))
}

/// Sets `path` (dotted) in `object`, making the objects on the way.
fn set_path(object: &mut Map<String, Value>, path: &str, value: Value) {
    match path.split_once('.') {
        None => {
            object.insert(path.to_owned(), value);
        }
        Some((head, rest)) => {
            let inner = object
                .entry(head.to_owned())
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(inner) = inner {
                set_path(inner, rest, value);
            }
        }
    }
}

fn text(value: &Value, path: &str, errors: &mut Vec<String>) -> Option<Value> {
    match value {
        Value::Null => None,
        Value::String(s) if s.trim().is_empty() => None,
        Value::String(_) => Some(value.clone()),
        Value::Number(n) => Some(Value::String(n.to_string())),
        other => {
            errors.push(format!("{path}: expected text, not {}", kind_of(other)));
            None
        }
    }
}

fn amount(value: &Value, path: &str, errors: &mut Vec<String>) -> Option<Value> {
    match value {
        Value::Null => None,
        Value::String(s) if s.trim().is_empty() => None,
        Value::String(_) | Value::Number(_) => Some(value.clone()),
        other => {
            errors.push(format!("{path}: expected a number, not {}", kind_of(other)));
            None
        }
    }
}

fn boolean(value: &Value, path: &str, errors: &mut Vec<String>) -> Option<Value> {
    let parsed = match value {
        Value::Null => return None,
        Value::Bool(b) => Some(*b),
        Value::String(s) if s.trim().is_empty() => return None,
        Value::String(s) => parse_bool(s),
        Value::Number(n) => match n.as_u64() {
            Some(0) => Some(false),
            Some(1) => Some(true),
            _ => None,
        },
        _ => None,
    };
    if parsed.is_none() {
        errors.push(format!("{path}: expected true or false, not {value}"));
    }
    parsed.map(Value::Bool)
}

/// true/false as spreadsheets and PHP write them.
pub fn parse_bool(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" => Some(true),
        "false" | "0" | "no" => Some(false),
        _ => None,
    }
}

fn date_004(value: &Value, path: &str, errors: &mut Vec<String>) -> Option<Value> {
    let text = match value {
        Value::Null => return None,
        Value::String(s) if s.trim().is_empty() => return None,
        Value::String(s) => s.trim(),
        other => {
            errors.push(format!(
                "{path}: expected a date YYYY-MM-DD HH:MM:SS, not {}",
                kind_of(other)
            ));
            return None;
        }
    };
    let parsed = chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S")
        .map(|t| t.and_utc())
        .or_else(|_| chrono::DateTime::parse_from_rfc3339(text).map(|t| t.to_utc()));
    match parsed {
        Ok(at) => Some(Value::String(
            at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
        )),
        Err(_) => {
            errors.push(format!(
                "{path}: expected a date YYYY-MM-DD HH:MM:SS, not \"{text}\""
            ));
            None
        }
    }
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// The order's external id as written, whatever else is wrong with it.
fn external_id_of(shape: Shape, order: &Map<String, Value>) -> Option<String> {
    let key = match shape {
        Shape::Graphql => "externalId",
        Shape::Seed004 => "id_order",
        Shape::Seed001 => "external_id",
    };
    match order.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A path in our names (`lines.0.price`, as validation reports it) in the
/// names of `shape` (`products.0.unit_price`), so a row's errors speak the
/// file's language. Segments without a seed counterpart stay as they are.
pub fn seed_path(shape: Shape, path: &str) -> String {
    let mut fields = fields_of(shape);
    if fields.is_empty() || path.is_empty() {
        return path.to_owned();
    }
    let segments: Vec<&str> = path.split('.').collect();
    let mut out = Vec::with_capacity(segments.len());
    let mut i = 0;
    while i < segments.len() {
        let segment = segments[i];
        let Some(field) = fields.iter().find(|f| f.ours == segment) else {
            out.extend(segments[i..].iter().map(|s| (*s).to_owned()));
            break;
        };
        out.push(field.seed.to_owned());
        match field.conv {
            Conv::Lines(inner, _) => {
                if let Some(index) = segments.get(i + 1) {
                    out.push((*index).to_owned());
                }
                fields = inner;
                i += 2;
            }
            Conv::Address(inner) => {
                fields = inner;
                i += 1;
            }
            _ => {
                out.extend(segments[i + 1..].iter().map(|s| (*s).to_owned()));
                break;
            }
        }
    }
    out.join(".")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ok(value: Value, source: Option<&str>) -> UpsertOrderInput {
        match parse(value, source).input {
            Ok(input) => input,
            Err(errors) => panic!("{errors:?}"),
        }
    }

    fn errors(value: Value, source: Option<&str>) -> Vec<String> {
        parse(value, source).input.expect_err("refused")
    }

    #[test]
    fn our_shape_reads_in_graphql_names_with_the_default_source() {
        let input = ok(
            json!({"externalId": "A1", "status": "ON_HOLD", "submittedAt": "2026-01-02T03:04:05Z",
                   "shippingAddress": {"postalCode": "1011 AB", "country": "NL"},
                   "lines": [{"name": "x", "quantity": 2, "price": "1.25", "custom": {"k": "v"}}],
                   "metadata": {"a": 1}, "test": true}),
            Some("shop"),
        );
        assert_eq!(input.source, "shop");
        assert_eq!(input.external_id, "A1");
        assert_eq!(
            input.status,
            Some(crate::orders::workflow::OrderStatus::OnHold)
        );
        let line = &input.lines.as_ref().unwrap()[0];
        assert_eq!(line.quantity.to_string(), "2.00");
        assert_eq!(line.price.unwrap().to_string(), "1.25");
        assert_eq!(
            input.shipping_address.unwrap().postal_code.as_deref(),
            Some("1011 AB")
        );
        assert_eq!(input.test, Some(true));
    }

    #[test]
    fn a_source_in_the_order_wins_and_none_at_all_is_an_error() {
        assert_eq!(
            ok(json!({"externalId": "A", "source": "own"}), Some("cli")).source,
            "own"
        );
        assert_eq!(
            errors(json!({"externalId": "A"}), None),
            ["source: missing: give every order a source, or pass --source"]
        );
        assert_eq!(
            errors(json!({"externalId": "A", "source": 5}), Some("cli")),
            ["source: invalid type: integer `5`, expected a string"]
        );
    }

    #[test]
    fn errors_name_the_field_path() {
        assert_eq!(
            errors(
                json!({"externalId": "A", "lines": [{"name": "x", "quantity": 1, "price": "1.23456"}]}),
                Some("s")
            ),
            ["lines.0.price: invalid Decimal \"1.23456\": at most 4 decimal places are allowed"]
        );
        let unknown = errors(
            json!({"externalId": "A", "shippingAddress": {"zip": "1"}}),
            Some("s"),
        );
        assert!(
            unknown[0].starts_with("shippingAddress.zip: unknown field `zip`, expected one of"),
            "{unknown:?}"
        );
        let status = errors(json!({"externalId": "A", "status": "DONE"}), Some("s"));
        assert!(
            status[0].starts_with("status: unknown variant `DONE`"),
            "{status:?}"
        );
        assert_eq!(
            errors(json!(["not", "an", "order"]), Some("s")),
            ["an order is a JSON object, not a list"]
        );
        assert_eq!(
            errors(json!({"externalId": "A\u{0}"}), Some("s")),
            ["externalId: must not contain a NUL (\\u0000) character"]
        );
    }

    #[test]
    fn seed_004_maps_onto_the_input() {
        // The seed's own sample: every value a string, as PHP sends them.
        let parsed = parse(
            json!({"id_order": "1234", "order_date": "2019-01-01 12:00:00", "firstname": "John",
                   "lastname": "Doe", "email": "john@example.com", "reference": "12345678",
                   "products": [{"id": "100", "name": "My Product 100", "category_id": "cat1",
                                 "category_name": "Category 1", "qty": "1", "unit_price": "25.90",
                                 "mpn": "MPN100", "ean13": "1234567890123", "sku": "SKU100",
                                 "upc": "UPCCODE", "url": ""}]}),
            Some("reviews"),
        );
        assert_eq!(parsed.shape, Shape::Seed004);
        assert_eq!(parsed.external_id.as_deref(), Some("1234"));
        let input = parsed.input.unwrap();
        assert_eq!(input.external_id, "1234");
        assert_eq!(input.customer_name.as_deref(), Some("John Doe"));
        assert_eq!(input.customer_email.as_deref(), Some("john@example.com"));
        assert_eq!(input.reference.as_deref(), Some("12345678"));
        assert_eq!(
            input.submitted_at.unwrap().0.to_rfc3339(),
            "2019-01-01T12:00:00+00:00"
        );
        let line = &input.lines.unwrap()[0];
        assert_eq!(line.external_id.as_deref(), Some("100"));
        assert_eq!(line.category.as_deref(), Some("Category 1"));
        assert_eq!(
            line.custom.as_ref().unwrap().0,
            json!({"category_id": "cat1"})
        );
        assert_eq!(line.quantity.to_string(), "1.00");
        assert_eq!(line.price.unwrap().to_string(), "25.90");
        assert_eq!(
            (
                line.mpn.as_deref(),
                line.upc.as_deref(),
                line.url.as_deref()
            ),
            (Some("MPN100"), Some("UPCCODE"), None)
        );
    }

    #[test]
    fn seed_004_numbers_and_a_missing_qty() {
        let input = ok(
            json!({"id_order": 77, "order_date": "2019-01-01 12:00:00", "firstname": "A", "lastname": "B",
                   "email": "a@example.com", "products": [{"id": 5, "name": "P", "unit_price": 9.95}]}),
            Some("r"),
        );
        assert_eq!(input.external_id, "77");
        let line = &input.lines.unwrap()[0];
        assert_eq!(line.external_id.as_deref(), Some("5"));
        assert_eq!(line.quantity.to_string(), "1.00");
        assert_eq!(line.price.unwrap().to_string(), "9.95");
    }

    #[test]
    fn seed_004_errors_speak_seed_004() {
        assert_eq!(
            errors(
                json!({"id_order": "1", "order_date": "01/01/2019", "products": [{"id": "1", "name": "x", "colour": "red"}]}),
                Some("r")
            ),
            [
                "order_date: expected a date YYYY-MM-DD HH:MM:SS, not \"01/01/2019\"",
                "products.0.colour: unknown field"
            ]
        );
        assert_eq!(
            errors(
                json!({"id_order": "1", "products": [{"id": "1", "name": "x", "qty": "two"}]}),
                Some("r")
            ),
            ["products.0.qty: invalid Decimal \"two\": not a decimal number"]
        );
    }

    #[test]
    fn seed_001_maps_onto_the_input() {
        let parsed = parse(
            json!({"external_id": "L41223D", "source": "Example Shop Dot Org", "test": false,
                   "total": 435.45, "shipping_cost": 4.95, "email": "",
                   "shipping_address": {"first_name": "John", "last_name": "Doe", "company_name": "Jeff",
                                        "address1": "Jumpstreet 23", "postcode": "4500", "city": "LA",
                                        "country": "US", "phone": 222222},
                   "products": [{"external_id": "1", "ean13": "87235211235464", "name": "Pizza margerita",
                                 "reference": "PZZA00001", "quantity": 2, "stock_quantity": 424, "price": 10.99,
                                 "image_url": "", "brand": "Italian", "category": "Pizza's", "supplier": "Mario",
                                 "custom": {"toppings": "onions, olives"}}]}),
            None,
        );
        assert_eq!(parsed.shape, Shape::Seed001);
        let input = parsed.input.unwrap();
        assert_eq!(input.source, "Example Shop Dot Org");
        assert_eq!(input.test, Some(false));
        assert_eq!(input.total.unwrap().to_string(), "435.45");
        assert_eq!(input.shipping_costs.unwrap().to_string(), "4.95");
        assert_eq!(input.customer_email, None, "an empty e-mail is none");
        let address = input.shipping_address.unwrap();
        assert_eq!(address.first_name.as_deref(), Some("John"));
        assert_eq!(address.postal_code.as_deref(), Some("4500"));
        assert_eq!(address.phone.as_deref(), Some("222222"));
        let line = &input.lines.unwrap()[0];
        assert_eq!(line.sku.as_deref(), Some("PZZA00001"));
        assert_eq!(line.ean13.as_deref(), Some("87235211235464"));
        assert_eq!(line.price.unwrap().to_string(), "10.99");
        assert_eq!(line.supplier.as_deref(), Some("Mario"));
        assert_eq!(
            line.custom.as_ref().unwrap().0,
            json!({"toppings": "onions, olives"})
        );
    }

    #[test]
    fn paths_translate_into_seed_names() {
        assert_eq!(
            seed_path(Shape::Seed004, "lines.3.price"),
            "products.3.unit_price"
        );
        assert_eq!(seed_path(Shape::Seed004, "externalId"), "id_order");
        assert_eq!(
            seed_path(Shape::Seed001, "shippingAddress.postalCode"),
            "shipping_address.postcode"
        );
        assert_eq!(
            seed_path(Shape::Seed001, "lines.0.sku"),
            "products.0.reference"
        );
        assert_eq!(seed_path(Shape::Seed001, "customerId"), "customerId");
        assert_eq!(seed_path(Shape::Graphql, "lines.0.price"), "lines.0.price");
    }

    #[test]
    fn every_graphql_name_of_the_input_reads_back() {
        // The GraphQL names come from async-graphql, the file names from
        // serde: an input written out by the one must read back through the
        // other, nested objects and enums included. (JSON fields stay unset:
        // async-graphql writes those out as strings.)
        use crate::customers::inputs::AddressInput;
        use crate::lines::inputs::OrderLineInput;
        use async_graphql::InputType;
        let address = AddressInput {
            id: Some("QWRkcmVzczox".into()),
            ..Default::default()
        };
        let full = UpsertOrderInput {
            source: "s".into(),
            external_id: "e".into(),
            status: Some(crate::orders::workflow::OrderStatus::InProgress),
            payment_status: Some(crate::orders::payment::PaymentStatus::Paid),
            shipping_address: Some(address.clone()),
            billing_address: Some(address.clone()),
            submitted_at: Some(chrono::DateTime::UNIX_EPOCH.into()),
            lines: Some(vec![OrderLineInput {
                address: Some(address),
                ..Default::default()
            }]),
            ..Default::default()
        };
        let written = full.to_value().into_json().unwrap();
        let read: UpsertOrderInput =
            serde_json::from_value(written.clone()).unwrap_or_else(|e| panic!("{e}: {written}"));
        assert_eq!(read.to_value().into_json().unwrap(), written);
    }
}
