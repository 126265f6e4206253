//! The shapes an order may have in a file, mapped onto [`UpsertOrderInput`]:
//! ours (the GraphQL input's camelCase names), seed 004's import orders
//! (`id_order`, `order_date`, `firstname`, `products` with `qty` and
//! `unit_price`) and seed 001's create-order body (`external_id`,
//! `shipping_address`, `products` with `reference`). Pure: one order at a time.

use serde_json::{Map, Value};

use super::seeds::{self, Seed, kind_of};
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

/// A path in our names (`lines.0.price`, as validation reports it) in the
/// names the order was written in (`products.0.unit_price`).
pub fn file_path(shape: Shape, path: &str) -> String {
    match shape {
        Shape::Graphql => path.to_owned(),
        Shape::Seed004 => seeds::seed_path(Seed::ImportOrder, path),
        Shape::Seed001 => seeds::seed_path(Seed::CreateOrder, path),
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
        Shape::Seed004 => seeds::map(Seed::ImportOrder, &order)?,
        Shape::Seed001 => seeds::map(Seed::CreateOrder, &order)?,
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
        let path = file_path(shape, &path);
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
        // Local time, for the service to read in IMPORT_TIMEZONE.
        assert_eq!(input.order_date.as_deref(), Some("2019-01-01 12:00:00"));
        assert_eq!(input.submitted_at, None);
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
        // The date is the service's to read (in IMPORT_TIMEZONE); its errors
        // come back as `order_date` through `file_path`.
        assert_eq!(
            errors(
                json!({"id_order": "1", "order_date": "01/01/2019", "products": [{"id": "1", "name": "x", "colour": "red"}]}),
                Some("r")
            ),
            ["products.0.colour: unknown field"]
        );
        assert_eq!(file_path(Shape::Seed004, "orderDate"), "order_date");
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
