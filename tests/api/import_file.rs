//! `ordergraph import FILE` as an operator runs it: the real binary, without
//! a terminal, on the test's database; the orders then read over GraphQL.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::{Value, json};

use crate::helpers::{TestApp, db_id};

/// Runs `ordergraph import` with `args` on `url`; `stdin` is piped in when
/// given. Standard error is a pipe, never a terminal.
fn import(url: &str, args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ordergraph"))
        .arg("import")
        .args(args)
        .env("DATABASE_URL", url)
        .env("JWT_SECRET", crate::helpers::JWT_SECRET)
        .env("RUST_LOG", "warn")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    if let Some(bytes) = stdin {
        let mut pipe = child.stdin.take().unwrap();
        pipe.write_all(bytes).unwrap();
    }
    child.wait_with_output().expect("the import ends")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The summary's count after `label:`.
fn count(output: &Output, label: &str) -> u64 {
    let stdout = text(&output.stdout);
    stdout
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{label}:")))
        .unwrap_or_else(|| panic!("no {label} in: {stdout}"))
        .trim()
        .parse()
        .unwrap()
}

/// (imported, duplicates, failed) of a summary.
fn counts(output: &Output) -> (u64, u64, u64) {
    (
        count(output, "imported"),
        count(output, "duplicates"),
        count(output, "failed"),
    )
}

fn write(dir: &Path, name: &str, content: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, content).unwrap();
    path
}

fn arg(path: &Path) -> &str {
    path.to_str().unwrap()
}

const ORDER: &str = "query($s: String!, $e: String!) { orderByExternalId(source: $s, externalId: $e) {
    id source externalId reference status customerEmail customerName submittedAt test
    shippingAddress { firstName lastName postalCode city country phone }
    totals { grossTotal shippingCosts }
    lines { externalId name sku ean13 mpn upc url category brand supplier quantity price vatPercentage custom }
    events { kind actor } } }";

async fn order(app: &TestApp, source: &str, external_id: &str) -> Value {
    app.admin(ORDER, json!({"s": source, "e": external_id}))
        .await["orderByExternalId"]
        .clone()
}

#[tokio::test]
async fn a_hundred_thousand_orders_import_from_a_file_without_a_terminal() {
    const ORDERS: usize = 100_000;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("orders.json");
    // Written as a stream too: the test holds no more of it than the import.
    {
        let mut file = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
        writeln!(file, "[").unwrap();
        for i in 0..ORDERS {
            let order = json!({"externalId": format!("E{i:06}"), "customerEmail": format!("c{}@example.com", i % 500),
                "submittedAt": "2026-11-30T10:00:00Z",
                "lines": [{"sku": format!("SKU-{}", i % 37), "name": "Coffee beans 1 kg", "quantity": 1 + i % 3, "price": "9.50", "vatPercentage": "7.25"},
                          {"name": "Mug", "quantity": 1, "price": "4.95"}]});
            let separator = if i + 1 < ORDERS { "," } else { "" };
            writeln!(file, "{order}{separator}").unwrap();
        }
        writeln!(file, "]").unwrap();
    }
    let size = std::fs::metadata(&path).unwrap().len();
    let database = TestApp::spawn().await.stop().await;
    let url = database.database_url().to_owned();

    let started = std::time::Instant::now();
    let (first, peak) = import_measured(&url, &["--source", "bulk", arg(&path)]);
    let took = started.elapsed();
    let stderr = text(&first.stderr);
    assert_eq!(
        first.status.code(),
        Some(0),
        "{stderr}\n{}",
        text(&first.stdout)
    );
    assert_eq!(counts(&first), (ORDERS as u64, 0, 0));
    assert!(
        text(&first.stdout).starts_with(&format!("{ORDERS} orders in ")),
        "{}",
        text(&first.stdout)
    );
    // No terminal: plain progress lines, no bar drawn with escape codes.
    // A line per 10,000 orders or per 10 s, whichever comes first: on a busy
    // machine the counts in them need not be round.
    assert!(
        stderr
            .lines()
            .any(|l| l.starts_with("progress: ") && l.contains(" orders")),
        "{stderr}"
    );
    assert!(!stderr.contains('\u{1b}'), "{stderr}");
    eprintln!(
        "100k import: {:.1} s, peak memory {} MiB for a {} MiB file",
        took.as_secs_f64(),
        peak.map_or(-1, |kb| (kb / 1024) as i64),
        size >> 20
    );
    if let Some(peak_kb) = peak {
        // Holding the file's orders would take several times the file (30
        // MB of text, far more as parsed values); a few batches take little.
        assert!(peak_kb < 128 * 1024, "peak {peak_kb} kB");
    }

    let app = database.start(|_| {}).await;
    assert_eq!(app.count("orders").await, ORDERS as i64);
    assert_eq!(app.count("order_lines").await, 2 * ORDERS as i64);
    assert_eq!(app.count("order_events").await, ORDERS as i64);
    assert_eq!(app.count("customers").await, 500);
    let last = order(&app, "bulk", "E099999").await;
    // 9.50 + 7.25 % VAT (0.68875) + 4.95, rounded half away from zero.
    assert_eq!(last["totals"]["grossTotal"], "15.1388");
    assert_eq!(
        last["events"],
        json!([{"kind": "IMPORTED", "actor": "cli-import"}])
    );
    let database = app.stop().await;

    // Again: every order is known, nothing is written.
    let second = import(&url, &["--source", "bulk", arg(&path)], None);
    assert_eq!(second.status.code(), Some(0), "{}", text(&second.stderr));
    assert_eq!(counts(&second), (0, ORDERS as u64, 0));
    let app = database.start(|_| {}).await;
    assert_eq!(app.count("orders").await, ORDERS as i64);
}

/// Runs an import and samples its peak resident memory (Linux `VmHWM`, in
/// kB) while it runs.
fn import_measured(url: &str, args: &[&str]) -> (Output, Option<u64>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ordergraph"))
        .arg("import")
        .args(args)
        .env("DATABASE_URL", url)
        .env("JWT_SECRET", crate::helpers::JWT_SECRET)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let status = format!("/proc/{}/status", child.id());
    let peak = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let sampler = {
        let peak = peak.clone();
        std::thread::spawn(move || {
            while let Ok(status) = std::fs::read_to_string(&status) {
                let kb = status
                    .lines()
                    .find_map(|l| l.strip_prefix("VmHWM:"))
                    .and_then(|v| v.trim().trim_end_matches(" kB").parse::<u64>().ok());
                match kb {
                    Some(kb) => peak.fetch_max(kb, std::sync::atomic::Ordering::Relaxed),
                    // A zombie has no memory left to show: it is over.
                    None => break,
                };
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
        })
    };
    let stdout = child.stdout.take().unwrap();
    let stderr = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || std::io::read_to_string(stdout).unwrap());
    let err = std::thread::spawn(move || std::io::read_to_string(stderr).unwrap());
    let status = child.wait().unwrap();
    sampler.join().unwrap();
    let output = Output {
        status,
        stdout: out.join().unwrap().into_bytes(),
        stderr: err.join().unwrap().into_bytes(),
    };
    let peak = peak.load(std::sync::atomic::Ordering::Relaxed);
    (output, (peak > 0).then_some(peak))
}

#[tokio::test]
async fn json_ndjson_and_csv_import_the_same_orders() {
    let dir = tempfile::tempdir().unwrap();
    let orders = [
        json!({"externalId": "A-1", "reference": "PO-1", "customerEmail": "ann@example.com", "customerName": "Ann",
               "submittedAt": "2026-11-01T09:30:00Z", "shippingCosts": "4.95", "test": true,
               "shippingAddress": {"firstName": "Ann", "postalCode": "3511 AB", "city": "Utrecht", "country": "NL"},
               "lines": [{"sku": "TEA", "name": "Tea", "quantity": "2", "price": "3.50", "vatPercentage": "9"},
                         {"sku": "CAKE", "name": "Cake", "quantity": "1", "price": "12.00", "vatPercentage": "9"}]}),
        json!({"externalId": "B-2", "customerEmail": "bob@example.com", "submittedAt": "2026-11-02T10:00:00Z",
               "lines": [{"name": "Mug", "quantity": "1", "price": "7.25"}]}),
    ];
    let json_file = write(
        dir.path(),
        "orders.json",
        &serde_json::to_string_pretty(&orders).unwrap(),
    );
    let ndjson_file = write(
        dir.path(),
        "orders.ndjson",
        &format!("{}\n\n{}\n", orders[0], orders[1]),
    );
    let csv_file = write(
        dir.path(),
        "orders.csv",
        "externalId,reference,customerEmail,customerName,submittedAt,shippingCosts,test,shippingAddress.firstName,shippingAddress.postalCode,shippingAddress.city,shippingAddress.country,lines.sku,lines.name,lines.quantity,lines.price,lines.vatPercentage\n\
         A-1,PO-1,ann@example.com,Ann,2026-11-01T09:30:00Z,4.95,true,Ann,3511 AB,Utrecht,NL,TEA,Tea,2,3.50,9\n\
         A-1,,,,,,,,,,,CAKE,Cake,1,12.00,9\n\
         B-2,,bob@example.com,,2026-11-02T10:00:00Z,,,,,,,,Mug,1,7.25,\n",
    );
    let database = TestApp::spawn().await.stop().await;
    let url = database.database_url().to_owned();
    for (source, file) in [
        ("json", &json_file),
        ("ndjson", &ndjson_file),
        ("csv", &csv_file),
    ] {
        let output = import(&url, &["--source", source, arg(file)], None);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{source}: {}{}",
            text(&output.stdout),
            text(&output.stderr)
        );
        assert_eq!(counts(&output), (2, 0, 0), "{source}");
    }
    let app = database.start(|_| {}).await;
    let mut seen = Vec::new();
    for source in ["json", "ndjson", "csv"] {
        let mut a = order(&app, source, "A-1").await;
        let mut b = order(&app, source, "B-2").await;
        assert_eq!(a["source"], source);
        for o in [&mut a, &mut b] {
            let object = o.as_object_mut().unwrap();
            object.remove("id");
            object.remove("source");
        }
        seen.push((a, b));
    }
    let (a, b) = &seen[0];
    assert_eq!(a["reference"], "PO-1");
    assert_eq!(a["test"], true);
    assert_eq!(a["submittedAt"], "2026-11-01T09:30:00+00:00");
    assert_eq!(a["shippingAddress"]["postalCode"], "3511 AB");
    assert_eq!(a["lines"].as_array().unwrap().len(), 2);
    assert_eq!(a["lines"][1]["sku"], "CAKE");
    // 2 × 3.50 + 12.00 = 19.00, 9 % VAT 1.71, shipping 4.95.
    assert_eq!(a["totals"]["grossTotal"], "25.66");
    assert_eq!(b["totals"]["grossTotal"], "7.25");
    assert_eq!(seen[1], seen[0], "NDJSON reads as JSON does");
    assert_eq!(seen[2], seen[0], "CSV reads as JSON does");
}

#[tokio::test]
async fn seed_004_and_seed_001_orders_import_in_their_own_names() {
    let dir = tempfile::tempdir().unwrap();
    // Seed 004's request sample (the `orders` parameter), values as PHP
    // sends them: all strings.
    let seed_004 = write(
        dir.path(),
        "reviews.json",
        r#"[{"id_order": "1234", "order_date": "2019-01-01 12:00:00", "firstname": "John", "lastname": "Doe",
             "email": "john@example.com", "reference": "12345678",
             "products": [{"id": "100", "name": "My Product 100", "category_id": "cat1", "category_name": "Category 1",
                           "qty": "1", "unit_price": "25.90", "mpn": "MPN100", "ean13": "1234567890123",
                           "sku": "SKU100", "upc": "UPCCODE", "url": ""}]}]"#,
    );
    // Seed 001's request sample, with its numbers as numbers.
    let seed_001 = write(
        dir.path(),
        "shop.ndjson",
        &format!(
            "{}\n",
            json!({"external_id": "L41223D", "source": "Example Shop Dot Org", "test": false, "total": 435.45,
               "shipping_cost": 4.95, "email": "",
               "shipping_address": {"first_name": "John", "last_name": "Doe", "company_name": "Jeff",
                                    "address1": "Jumpstreet 23", "postcode": "4500", "city": "LA", "country": "US",
                                    "phone": "222 222"},
               "products": [
                   {"external_id": "1", "ean13": "87235211235464", "name": "Pizza margerita", "reference": "PZZA00001",
                    "quantity": 2, "stock_quantity": 424, "price": 10.99, "image_url": "", "brand": "Italian",
                    "category": "Pizza's", "supplier": "Mario",
                    "custom": {"toppings": "onions, olives", "customer_message": "No ananas/pineapple"}},
                   {"external_id": "2", "ean13": "07235211235464", "reference": "COKE", "name": "Coca Cola",
                    "quantity": 2, "stock_quantity": 34, "price": 2.50, "image_url": "", "brand": "Coca Cola",
                    "category": "Drinks", "supplier": "The Coca Cola Company",
                    "custom": {"customer_message": "No ice"}}]})
        ),
    );
    let database = TestApp::spawn().await.stop().await;
    let url = database.database_url().to_owned();
    let reviews = import(&url, &["--source", "reviews", arg(&seed_004)], None);
    assert_eq!(reviews.status.code(), Some(0), "{}", text(&reviews.stdout));
    assert_eq!(counts(&reviews), (1, 0, 0));
    // Seed 001 orders carry their source: no --source needed.
    let shop = import(&url, &[arg(&seed_001)], None);
    assert_eq!(shop.status.code(), Some(0), "{}", text(&shop.stdout));
    assert_eq!(counts(&shop), (1, 0, 0));
    // Seed 004: "not re-imported if ... the same order_id or reference".
    let again = write(
        dir.path(),
        "again.json",
        r#"[{"id_order": "9999", "order_date": "2019-01-02 08:00:00", "firstname": "J", "lastname": "D",
             "email": "john@example.com", "reference": "12345678", "products": []}]"#,
    );
    assert_eq!(
        counts(&import(&url, &["--source", "reviews", arg(&again)], None)),
        (0, 1, 0)
    );

    let app = database.start(|_| {}).await;
    let review = order(&app, "reviews", "1234").await;
    assert_eq!(review["customerName"], "John Doe");
    assert_eq!(review["customerEmail"], "john@example.com");
    assert_eq!(review["reference"], "12345678");
    assert_eq!(review["submittedAt"], "2019-01-01T12:00:00+00:00");
    let line = &review["lines"][0];
    assert_eq!(
        (&line["externalId"], &line["name"], &line["category"]),
        (
            &json!("100"),
            &json!("My Product 100"),
            &json!("Category 1")
        )
    );
    assert_eq!(
        (&line["mpn"], &line["ean13"], &line["sku"], &line["upc"]),
        (
            &json!("MPN100"),
            &json!("1234567890123"),
            &json!("SKU100"),
            &json!("UPCCODE")
        )
    );
    assert_eq!(line["custom"], json!({"category_id": "cat1"}));
    assert_eq!(line["quantity"], "1.00");
    // Tax included: the unit price is what the order costs.
    assert_eq!(review["totals"]["grossTotal"], "25.90");
    assert_eq!(review["events"][0]["kind"], "IMPORTED");

    let pizza = order(&app, "Example Shop Dot Org", "L41223D").await;
    assert_eq!(pizza["test"], false);
    assert_eq!(pizza["customerEmail"], Value::Null);
    assert_eq!(pizza["totals"]["grossTotal"], "435.45", "the shop's total");
    assert_eq!(pizza["totals"]["shippingCosts"], "4.95");
    let address = &pizza["shippingAddress"];
    assert_eq!(
        (
            &address["firstName"],
            &address["postalCode"],
            &address["phone"]
        ),
        (&json!("John"), &json!("4500"), &json!("222 222"))
    );
    let lines = pizza["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 2);
    assert_eq!(
        (&lines[0]["sku"], &lines[0]["price"], &lines[0]["supplier"]),
        (&json!("PZZA00001"), &json!("10.99"), &json!("Mario"))
    );
    assert_eq!(lines[1]["ean13"], "07235211235464", "leading zero kept");
    assert_eq!(lines[1]["custom"], json!({"customer_message": "No ice"}));
}

#[tokio::test]
async fn bad_rows_fail_alone_with_their_row_and_reason_and_exit_code_1() {
    let dir = tempfile::tempdir().unwrap();
    let line = json!({"name": "x", "quantity": 1, "price": "1"});
    let rows = [
        json!({"externalId": "OK-1", "lines": [line]}).to_string(),
        "{\"externalId\": \"BROKEN\", ".to_owned(),
        json!({"externalId": "TYPO", "lines": [line], "shippingAdress": {"city": "X"}}).to_string(),
        json!({"externalId": "NEG", "lines": [{"name": "x", "quantity": 1, "price": "-2"}]})
            .to_string(),
        json!({"externalId": "OK-1", "lines": [line]}).to_string(),
        json!({"externalId": "OTHER", "source": "elsewhere", "lines": [line]}).to_string(),
        json!({"externalId": "OK-2", "lines": [line]}).to_string(),
    ];
    let file = write(dir.path(), "orders.ndjson", &(rows.join("\n") + "\n"));
    let report = dir.path().join("report.csv");
    let database = TestApp::spawn().await.stop().await;
    let url = database.database_url().to_owned();
    let output = import(
        &url,
        &[
            "--source",
            "shop",
            "--batch-size",
            "3",
            "--report",
            arg(&report),
            arg(&file),
        ],
        None,
    );
    let stdout = text(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert_eq!(counts(&output), (2, 1, 4), "{stdout}");
    assert!(stdout.contains("failed rows (all):"), "{stdout}");
    for expected in [
        "  row 2 (line 2): not JSON: EOF while parsing a value (column 24)",
        "  row 3 (line 3) externalId \"TYPO\": shippingAdress: unknown field `shippingAdress`, expected one of",
        "  row 4 (line 4) externalId \"NEG\": lines.0.price: must not be negative",
        "  row 6 (line 6) externalId \"OTHER\": source: must equal the import's source",
    ] {
        assert!(stdout.contains(expected), "{expected}\n{stdout}");
    }

    let report = std::fs::read_to_string(&report).unwrap();
    let mut reader = csv::Reader::from_reader(report.as_bytes());
    assert_eq!(
        reader.headers().unwrap(),
        vec!["row", "line", "externalId", "status", "orderId", "errors"]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let statuses: Vec<&str> = rows.iter().map(|r| &r[3]).collect();
    assert_eq!(
        statuses,
        [
            "IMPORTED",
            "INVALID",
            "INVALID",
            "INVALID",
            "DUPLICATE",
            "INVALID",
            "IMPORTED"
        ]
    );
    assert_eq!(&rows[3][5], "lines.0.price: must not be negative");

    let app = database.start(|_| {}).await;
    assert_eq!(app.count("orders").await, 2);
    let first = order(&app, "shop", "OK-1").await;
    assert_eq!(db_id(&rows[0][4]), db_id(first["id"].as_str().unwrap()));
    // A repeat of an order imported by an earlier batch names that order.
    assert_eq!((&rows[4][2], &rows[4][4]), ("OK-1", &rows[0][4]));
}

#[tokio::test]
async fn the_ndjson_report_lists_every_row_with_its_order() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "orders.csv",
        "externalId,lines.name,lines.quantity,lines.price\nA,x,1,2.50\nA,y,2,1.00\nB,z,one,1\n",
    );
    let report = dir.path().join("report.ndjson");
    let database = TestApp::spawn().await.stop().await;
    let url = database.database_url().to_owned();
    let output = import(
        &url,
        &["--source", "s", "--report", arg(&report), arg(&file)],
        None,
    );
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stdout));
    let rows: Vec<Value> = std::fs::read_to_string(&report)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(
        (
            &rows[0]["row"],
            &rows[0]["line"],
            &rows[0]["externalId"],
            &rows[0]["status"]
        ),
        (&json!(1), &json!(2), &json!("A"), &json!("IMPORTED"))
    );
    assert_eq!(rows[0]["errors"], json!([]));
    assert_eq!(
        rows[1],
        json!({"row": 2, "line": 4, "externalId": "B", "status": "INVALID", "orderId": null,
               "errors": ["lines.0.quantity: invalid Decimal \"one\": not a decimal number"]})
    );
    let app = database.start(|_| {}).await;
    let a = order(&app, "s", "A").await;
    assert_eq!(rows[0]["orderId"], a["id"]);
    assert_eq!(a["lines"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn a_broken_json_file_stops_with_exit_code_2_after_importing_what_came_before() {
    let dir = tempfile::tempdir().unwrap();
    let good: Vec<String> = (0..5)
        .map(|i| json!({"externalId": format!("G{i}"), "lines": [{"name": "x", "quantity": 1, "price": "1"}]}).to_string())
        .collect();
    let file = write(
        dir.path(),
        "orders.json",
        &format!("[\n{},\n{{\"externalId\": ]\n", good.join(",\n")),
    );
    let database = TestApp::spawn().await.stop().await;
    let url = database.database_url().to_owned();
    let output = import(
        &url,
        &["--source", "s", "--batch-size", "2", arg(&file)],
        None,
    );
    let stdout = text(&output.stdout);
    assert_eq!(output.status.code(), Some(2), "{stdout}");
    assert_eq!(counts(&output), (5, 0, 0));
    assert!(
        stdout.contains("stopped early: reading stopped after row 5: JSON syntax error"),
        "{stdout}"
    );
    assert!(
        stdout.contains("unexpected closing bracket at line 7, column 16"),
        "{stdout}"
    );
    let app = database.start(|_| {}).await;
    assert_eq!(app.count("orders").await, 5);
}

#[tokio::test]
async fn standard_input_and_files_that_name_their_source() {
    let database = TestApp::spawn().await.stop().await;
    let url = database.database_url().to_owned();
    let order = json!({"id_order": "7", "firstname": "A", "lastname": "B", "email": "ab@example.com",
                       "products": [{"id": 1, "name": "P", "qty": 2, "unit_price": 5}]});

    let unknown = import(&url, &["-"], Some(b""));
    assert_eq!(unknown.status.code(), Some(2));
    assert!(
        text(&unknown.stderr).contains("pass --format json, ndjson or csv"),
        "{}",
        text(&unknown.stderr)
    );
    // Seed 004 orders name no source: without --source each one fails.
    let no_source = import(
        &url,
        &["--format", "ndjson", "-"],
        Some(format!("{order}\n").as_bytes()),
    );
    assert_eq!(no_source.status.code(), Some(1));
    assert!(
        text(&no_source.stdout)
            .contains("source: missing: give every order a source, or pass --source"),
        "{}",
        text(&no_source.stdout)
    );
    // An importOrders input saved as a file: its source (given first) is
    // the orders'.
    let wrapped = format!("{{\"source\": \"reviews\", \"orders\": [{order}]}}");
    let output = import(&url, &["--format", "json", "-"], Some(wrapped.as_bytes()));
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stdout));
    assert_eq!(counts(&output), (1, 0, 0));
    let refused = import(&url, &["--batch-size", "1001", "-"], Some(b""));
    assert_eq!(refused.status.code(), Some(2), "clap refuses it");

    let app = database.start(|_| {}).await;
    let imported = app
        .admin(
            "{ orderByExternalId(source: \"reviews\", externalId: \"7\") { totals { grossTotal } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        imported["orderByExternalId"]["totals"]["grossTotal"],
        "10.00"
    );
}
