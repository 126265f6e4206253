//! Seed 003's staff samples, each request replayed verbatim (the seed's own
//! ids replaced by this test's) and its answer compared with the sample's:
//! keys in order, JSON types, and the numbers as the server wrote them.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::{catalogue, customer, exported, parse, place_sample};
use crate::dialects::{api_key, keys, shape};
use crate::helpers::*;

/// The raw answer text (to read numbers as the server wrote them).
async fn raw(
    app: &TestApp,
    method: Method,
    path: &str,
    key: &str,
    body: &str,
) -> (StatusCode, String) {
    let response = app
        .client
        .request(method, app.url(path))
        .header("x-api-key", key)
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    (response.status(), response.text().await.unwrap())
}

const CHANGE_ANSWER: &str = r#"{"order_product":{"id":1197,"order_id":304,"product_id":3488,"quantity":10.0,"price":92.00,"final_price":92.00,"discount_percentage":0.0,"vat_percentage":0.0,"total_before_vat":920.0,"total_vat":0.0,"total_after_vat":920.0,"product_name":"Box of boxes","product_code":"BOX01"},"status":200}"#;
const ADD_ANSWER: &str = r#"{"order_product":{"id":1198,"order_id":304,"product_id":204,"quantity":6.0,"price":30.0,"final_price":30.0,"discount_percentage":0.0,"vat_percentage":0.0,"total_before_vat":180.0,"total_vat":0.0,"total_after_vat":180.0,"product_name":"Another Box of Boxes","product_code":"52214P"},"status":200}"#;
const NOTE_ANSWER: &str = r#"{ "order_product": { "id": 5412, "order_id": 559, "product_id": 3, "quantity": "30.0", "price": "3.0", "final_price": "2.55", "discount_percentage": "15.0", "vat_percentage": "25.0", "total_before_vat": "76.5", "comments_customer": null, "comments_wholesaler": null, "total_vat": "19.125", "total_after_vat": "95.625", "option_value_ids": null, "created_at": "2017-09-06T10:01:56.000Z", "updated_at": "2017-09-08T01:35:38.000Z", "option_values": {}, "product_variant_id": null, "has_custom_price": false }, "note": "hello" }"#;

#[tokio::test]
async fn the_staff_samples_replay_with_the_seeds_answers() {
    let app = TestApp::spawn().await;
    let [_, _, box_id] = catalogue(&app).await;
    let (_, token) = customer(&app, "demo@b2bwave.com").await;
    let placed = place_sample(&app, "demo@b2bwave.com", &token).await;
    let id = placed["order"]["id"].clone();
    let first_line = placed["order_products"][0]["id"].clone();
    let key = api_key(&app, "backoffice", "STAFF").await;
    let send = |method: Method, action: &'static str, body: String| {
        let (app, key, id) = (&app, key.clone(), id.clone());
        async move {
            raw(
                app,
                method,
                &format!("/api/orders/{id}/{action}"),
                &key,
                &body,
            )
            .await
        }
    };

    let (status, text) = send(
        Method::PATCH,
        "change_status",
        r#"{"status_order_id":3}"#.into(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        parse(&text),
        json!({"status":200,"message":"The order status is updated"})
    );
    assert_eq!(keys(&parse(&text)), ["status", "message"]);

    let (status, text) = send(
        Method::PATCH,
        "set_integration_ref",
        r#"{"integration_ref":"BB-0123"}"#.into(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        parse(&text),
        json!({"status":200,"message":"The order integration ref is updated"})
    );

    let (status, text) = send(
        Method::PATCH,
        "set_shipping_tracking",
        r#"{"shipping_tracking":"GB-ANG-1293910"}"#.into(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        parse(&text),
        json!({"status":200,"message":"The tracking nunmber was updated"})
    );

    let (status, text) = send(
        Method::POST,
        "set_admin_fields",
        r#"{ "Order admin extra field name 1": "Your value here", "Order admin extra field name 2": "Your value here" }"#.into(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        parse(&text),
        json!({ "status":200, "message":"Order admin fields updated" })
    );

    let order = exported(&app, &id).await;
    assert_eq!(order["status_order_id"], 3);
    assert_eq!(order["status_order_name"], "Confirmed");
    assert_eq!(order["integration_ref"], "BB-0123");
    assert_eq!(order["shipping_tracking"], "GB-ANG-1293910");
    assert_eq!(
        order["extra_fields"],
        json!({"Order admin extra field name 1": "Your value here", "Order admin extra field name 2": "Your value here"})
    );

    // change_product_quantity, both forms.
    let (status, text) = send(
        Method::PATCH,
        "change_product_quantity",
        format!(r#"{{"order_product_id":{first_line},"quantity":20,"note":"Order line notes"}}"#),
    )
    .await;
    assert_eq!(status, 200, "{text}");
    let answer = parse(&text);
    let sample = parse(CHANGE_ANSWER);
    assert_eq!(keys(&answer), keys(&sample));
    assert_eq!(
        keys(&answer["order_product"]),
        keys(&sample["order_product"])
    );
    assert_eq!(
        shape(&answer),
        shape(&sample),
        "amounts are JSON numbers, as in the sample"
    );
    assert_eq!(answer["order_product"]["id"], first_line);
    assert_eq!(answer["order_product"]["product_code"], "mst");
    for number in [
        r#""quantity":20.0"#,
        r#""price":9.5"#,
        r#""final_price":9.5"#,
        r#""vat_percentage":7.25"#,
        r#""total_before_vat":190.0"#,
        r#""total_vat":13.775"#,
        r#""total_after_vat":203.775"#,
    ] {
        assert!(text.contains(number), "{number} in {text}");
    }
    let (status, text) = send(
        Method::PATCH,
        "change_product_quantity",
        format!(r#"{{"order_product_id":{first_line},"quantity":20,"has_custom_price":1,"price":100,"note":"Order line notes"}}"#),
    )
    .await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(shape(&parse(&text)), shape(&sample));
    for number in [
        r#""price":100.0"#,
        r#""total_before_vat":2000.0"#,
        r#""total_vat":145.0"#,
        r#""total_after_vat":2145.0"#,
    ] {
        assert!(text.contains(number), "{number} in {text}");
    }

    // add_product.
    let (status, text) = send(
        Method::PATCH,
        "add_product",
        format!(r#"{{"product_id":{box_id},"quantity":4,"note":"Order line notes"}}"#),
    )
    .await;
    assert_eq!(status, 200, "{text}");
    let answer = parse(&text);
    let sample = parse(ADD_ANSWER);
    assert_eq!(
        keys(&answer["order_product"]),
        keys(&sample["order_product"])
    );
    assert_eq!(shape(&answer), shape(&sample));
    assert_eq!(answer["order_product"]["product_id"], box_id);
    assert_eq!(
        answer["order_product"]["product_name"],
        "Another Box of Boxes"
    );
    for number in [
        r#""quantity":4.0"#,
        r#""price":30.0"#,
        r#""total_after_vat":120.0"#,
    ] {
        assert!(text.contains(number), "{number} in {text}");
    }
    let added = answer["order_product"]["id"].clone();

    // The order's totals follow: 2145 + 50.9438 + 101.8875 + 120, from the
    // exact line VATs (2000 + 47.5 + 95 + 120 before VAT).
    let order = exported(&app, &id).await;
    assert_eq!(order["total_before_vat"], "2262.5");
    assert_eq!(order["total_vat"], "155.3313");
    assert_eq!(order["gross_total"], "2417.8313");

    // order_product_note.
    let response = app
        .client
        .get(app.url(&format!(
            "/api/orders/{id}/order_product_note?order_product_id={first_line}"
        )))
        .header("x-api-key", &key)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let answer: Value = response.json().await.unwrap();
    let sample = parse(NOTE_ANSWER);
    assert_eq!(keys(&answer), ["order_product", "note"]);
    assert_eq!(
        keys(&answer["order_product"]),
        keys(&sample["order_product"])
    );
    assert_eq!(shape(&answer["order_product"]), {
        let mut expected = shape(&sample["order_product"]);
        expected["has_custom_price"] = json!("boolean");
        expected
    });
    assert_eq!(answer["note"], "Order line notes");
    assert_eq!(answer["order_product"]["has_custom_price"], true);
    assert_eq!(answer["order_product"]["price"], "100.0");
    assert_eq!(answer["order_product"]["total_vat"], "145.0");

    // remove_product.
    let (status, text) = send(
        Method::PATCH,
        "remove_product",
        format!(r#"{{"order_product_id":{added}}}"#),
    )
    .await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(
        parse(&text),
        json!({"status":200,"message":"The product was removed from the order"})
    );
    assert_eq!(
        exported(&app, &id).await["order_products"]
            .as_array()
            .unwrap()
            .len(),
        3
    );

    // add_message.
    let (status, text) = send(
        Method::POST,
        "add_message",
        r#"{"from_user":"demo@b2bwave.com","message_text":"This is a test message","notify":true}"#
            .into(),
    )
    .await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(
        parse(&text),
        json!({"status": 200, "message": "Message added to order" })
    );
    let messages = app
        .admin(
            "query($id: ID!) { order(id: $id) { messages { fromUser text } } }",
            json!({"id": id.to_string()}),
        )
        .await;
    assert_eq!(
        messages["order"]["messages"],
        json!([{"fromUser": "demo@b2bwave.com", "text": "This is a test message"}])
    );
}
