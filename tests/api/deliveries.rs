//! Deliveries over real peers: seed 003's notify e-mails through a real SMTP
//! server, e-mails kept without one, Standard Webhooks signatures checked by
//! an independent implementation, retries, disabled endpoints, slow endpoints,
//! follow-up rules (also across a restart), SSRF, templates and access.

use std::time::{Duration, Instant};

use ordergraph::auth::Role;
use ordergraph::config::Config;
use serde_json::{Value, json};

use crate::helpers::{Process, TestApp, database_id, error_code};
use crate::peers::{Mode, SmtpSink, WebhookReceiver, mail_header};

const WAIT: Duration = Duration::from_secs(15);

/// Fast polls and retries, receivers on loopback allowed, `smtp` as the
/// mail server (none: e-mails are kept).
fn delivering(config: &mut Config, smtp: Option<&SmtpSink>) {
    config.smtp_url = smtp.map(|s| ordergraph::config::Secret::new(s.url()));
    config.mail_from = "Shop <shop@example.com>".into();
    config.delivery_poll_ms = 100;
    config.delivery_retry_seconds = vec![1, 1, 1, 1, 1];
    config.webhook_allow_private = true;
    config.webhook_disable_after = 4;
}

async fn place_for(app: &TestApp, email: Option<&str>) -> Value {
    app.admin(
        "mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id number } }",
        json!({"input": {"customerEmail": email, "customerName": "Ann Buyer",
            "lines": [{"name": "Coffee Beans", "quantity": 2, "price": "9.50", "vatPercentage": "7.25"}]}}),
    )
    .await["placeOrder"]
    .clone()
}

const DELIVERIES: &str = "query($id: ID!) { order(id: $id) { deliveries {
    id databaseId channel state reason template recipient attemptCount sentAt
    email { subject textBody htmlBody }
    attempts { attempt success statusCode error } } } }";

async fn deliveries_of(app: &TestApp, order: &Value) -> Vec<Value> {
    app.admin(DELIVERIES, json!({"id": order["id"]})).await["order"]["deliveries"]
        .as_array()
        .unwrap()
        .clone()
}

/// Polls the order's deliveries until `done` holds, within `WAIT`.
async fn until(app: &TestApp, order: &Value, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    let deadline = Instant::now() + WAIT;
    loop {
        let rows = deliveries_of(app, order).await;
        if done(&rows) {
            return rows;
        }
        assert!(
            Instant::now() < deadline,
            "deliveries did not settle: {rows:#?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn seed_003_notify_changes_e_mail_the_customer_through_a_real_smtp_server() {
    let mut smtp = SmtpSink::start(0).await;
    let app = TestApp::spawn_with(|c| delivering(c, Some(&smtp))).await;
    let order = place_for(&app, Some("Ann@Example.com")).await;
    let number = order["number"].as_str().unwrap().to_owned();
    app.admin(
        "mutation($id: ID!) {
            quiet: orderAction(id: $id, input: {action: UPDATE_STATUS, status: CONFIRMED}) { id }
        }",
        json!({"id": order["id"]}),
    )
    .await;
    app.admin(
        "mutation($id: ID!) {
            a: orderAction(id: $id, input: {action: UPDATE_STATUS, status: PROCESSING, notify: true, note: \"Packed today\"}) { id }
            b: setOrderTracking(id: $id, input: {code: \"3SABC123\", url: \"https://track.example/3SABC123\", staffNotes: \"fragile, secret\", notify: true}) { id }
            c: addOrderMessage(id: $id, fromUser: \"shop@example.com\", text: \"Your parcel left today.\", notify: true) { id }
        }",
        json!({"id": order["id"]}),
    )
    .await;

    let mut mails = Vec::new();
    for _ in 0..3 {
        mails.push(smtp.next(WAIT).await);
    }
    assert!(
        smtp.quiet(Duration::from_millis(800)).await,
        "only notify: true changes send"
    );
    let subjects: Vec<String> = mails
        .iter()
        .map(|m| {
            mail_header(m["data"].as_str().unwrap(), "Subject")
                .unwrap()
                .to_owned()
        })
        .collect();
    for mail in &mails {
        assert_eq!(
            mail["rcpt_tos"],
            json!(["ann@example.com"]),
            "the customer's address"
        );
        assert_eq!(mail["mail_from"], "shop@example.com");
        let data = mail["data"].as_str().unwrap();
        assert!(
            !data.contains("fragile"),
            "no staff notes in a customer's e-mail"
        );
        assert!(
            mail_header(data, "Message-ID")
                .unwrap()
                .starts_with("<delivery-")
        );
    }
    assert!(
        subjects.contains(&format!("Your order {number} is now processing")),
        "{subjects:?}"
    );
    assert!(
        subjects.contains(&format!("Your order {number} is on its way")),
        "{subjects:?}"
    );
    assert!(
        subjects.contains(&format!("A message about your order {number}")),
        "{subjects:?}"
    );

    let rows = until(&app, &order, |r| r.iter().all(|d| d["state"] == "SENT")).await;
    assert_eq!(rows.len(), 3, "{rows:#?}");
    let text = |template: &str| {
        rows.iter().find(|d| d["template"] == template).unwrap()["email"]["textBody"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert!(text("STATUS_CHANGED").contains("Packed today"));
    assert!(text("TRACKING_ADDED").contains("https://track.example/3SABC123"));
    assert!(text("MESSAGE_ADDED").contains("Your parcel left today."));
    for row in &rows {
        assert_eq!(row["recipient"], "ann@example.com");
        assert_eq!(row["attempts"][0]["statusCode"], 250);
        let id = row["databaseId"].as_str().unwrap();
        assert!(
            mails.iter().any(|m| m["data"]
                .as_str()
                .unwrap()
                .contains(&format!("<delivery-{id}@example.com>"))),
            "the Message-ID carries the delivery id {id}"
        );
    }
}

#[tokio::test]
async fn without_smtp_e_mails_are_kept_and_readable_and_no_address_is_a_skip_with_reason() {
    let app = TestApp::spawn_with(|c| delivering(c, None)).await;
    let order = place_for(&app, Some("ann@example.com")).await;
    app.admin(
        "mutation($id: ID!) { addOrderMessage(id: $id, fromUser: \"shop\", text: \"<b>Hi</b> & welcome\", notify: true) { id } }",
        json!({"id": order["id"]}),
    )
    .await;
    let rows = until(&app, &order, |r| {
        r.first().is_some_and(|d| d["state"] == "KEPT")
    })
    .await;
    let email = &rows[0]["email"];
    assert!(
        email["subject"]
            .as_str()
            .unwrap()
            .contains(order["number"].as_str().unwrap())
    );
    assert!(
        email["textBody"]
            .as_str()
            .unwrap()
            .contains("<b>Hi</b> & welcome")
    );
    assert!(
        email["htmlBody"]
            .as_str()
            .unwrap()
            .contains("&lt;b&gt;Hi&lt;&#x2f;b&gt; &amp; welcome"),
        "HTML parts are escaped: {email}"
    );
    assert!(rows[0]["reason"].as_str().unwrap().contains("SMTP_URL"));
    // The playground's question: every kept e-mail.
    let kept = app
        .admin(
            "{ deliveries(filter: {channel: EMAIL, states: [KEPT]}) { nodes { id email { subject } } } }",
            json!({}),
        )
        .await;
    assert_eq!(kept["deliveries"]["nodes"].as_array().unwrap().len(), 1);

    let anonymous = place_for(&app, None).await;
    app.admin(
        "mutation($id: ID!) { addOrderMessage(id: $id, fromUser: \"shop\", text: \"hi\", notify: true) { id } }",
        json!({"id": anonymous["id"]}),
    )
    .await;
    let rows = deliveries_of(&app, &anonymous).await;
    assert_eq!(rows.len(), 1, "recorded, not dropped");
    assert_eq!(rows[0]["state"], "SKIPPED");
    assert_eq!(
        rows[0]["reason"],
        "the order has no customer e-mail address"
    );
}

#[tokio::test]
async fn a_refusing_smtp_server_is_retried_and_never_fails_the_mutation() {
    let mut smtp = SmtpSink::start(2).await;
    let app = TestApp::spawn_with(|c| delivering(c, Some(&smtp))).await;
    let order = place_for(&app, Some("ann@example.com")).await;
    let started = Instant::now();
    let body = app
        .gql(
            Some(&app.admin_token()),
            "mutation($id: ID!) { addOrderMessage(id: $id, fromUser: \"shop\", text: \"hi\", notify: true) { id } }",
            json!({"id": order["id"]}),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "the mutation does not wait for SMTP"
    );
    let mail = smtp.next(WAIT).await;
    assert_eq!(mail["rcpt_tos"], json!(["ann@example.com"]));
    let rows = until(&app, &order, |r| {
        r.first().is_some_and(|d| d["state"] == "SENT")
    })
    .await;
    let attempts = rows[0]["attempts"].as_array().unwrap();
    assert_eq!(
        attempts.len(),
        3,
        "two refusals, then accepted: {attempts:#?}"
    );
    assert_eq!(attempts[0]["statusCode"], 451);
    assert_eq!(attempts[2]["success"], true);
}

async fn endpoint(app: &TestApp, receiver: &WebhookReceiver, kinds: Value) -> Value {
    let created = app
        .admin(
            "mutation($input: WebhookEndpointInput!) { createWebhookEndpoint(input: $input) { secret endpoint { id active } } }",
            json!({"input": {"url": receiver.url(), "kinds": kinds}}),
        )
        .await["createWebhookEndpoint"]
        .clone();
    receiver.set_secret(created["secret"].as_str().unwrap());
    created["endpoint"].clone()
}

#[tokio::test]
async fn webhooks_are_signed_per_standard_webhooks_with_the_order_as_of_the_event() {
    let app = TestApp::spawn_with(|c| delivering(c, None)).await;
    let receiver = WebhookReceiver::start().await;
    let hook = endpoint(&app, &receiver, json!(["CREATED", "STATUS_CHANGED"])).await;
    let order = place_for(&app, Some("ann@example.com")).await;
    app.admin(
        "mutation($id: ID!) {
            t: setOrderTracking(id: $id, input: {code: \"X\", staffNotes: \"secret note\", status: CONFIRMED}) { id }
            f: setOrderAdminFields(id: $id, fields: [{name: \"margin\", value: \"secret margin\"}]) { id }
        }",
        json!({"id": order["id"]}),
    )
    .await;
    let received = receiver.wait_for(2, WAIT).await;
    assert!(
        received.iter().all(|r| r.verified),
        "standardwebhooks accepts every signature"
    );
    let created = received
        .iter()
        .find(|r| r.body["type"] == "order.created")
        .unwrap();
    assert_eq!(created.body["data"]["order"]["number"], order["number"]);
    assert_eq!(
        created.body["data"]["order"]["status"], "PENDING",
        "as of the event"
    );
    assert_eq!(created.body["data"]["event"]["kind"], "CREATED");
    assert!(created.id.starts_with("msg_"));
    let changed = received
        .iter()
        .find(|r| r.body["type"] == "order.status_changed")
        .unwrap();
    assert_eq!(changed.body["data"]["event"]["toStatus"], "CONFIRMED");
    for r in &received {
        let text = r.body.to_string();
        assert!(
            !text.contains("secret"),
            "integration visibility: no staff data: {text}"
        );
        assert!(r.body["data"]["order"].get("staffNotes").is_none());
    }
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(receiver.received().len(), 2, "not subscribed to the rest");

    // Admins see each delivery with its attempts, and may redeliver one.
    let listed = app
        .admin(
            "query($e: ID!) { deliveries(filter: {endpointId: $e}) { nodes { id state attempts { statusCode } } } }",
            json!({"e": hook["id"]}),
        )
        .await["deliveries"]["nodes"]
        .clone();
    assert_eq!(listed.as_array().unwrap().len(), 2);
    assert_eq!(listed[0]["attempts"][0]["statusCode"], 204);
    let again = app
        .admin(
            "mutation($id: ID!) { redeliver(id: $id) { state } }",
            json!({"id": listed[0]["id"]}),
        )
        .await;
    assert_eq!(again["redeliver"]["state"], "SCHEDULED");
    let after = receiver.wait_for(3, WAIT).await;
    let original = after[..2].iter().find(|r| r.body == after[2].body).unwrap();
    assert_eq!(
        after[2].id, original.id,
        "the same webhook-id on a redelivery"
    );
    assert!(after[2].verified);
}

#[tokio::test]
async fn failing_endpoints_are_retried_with_fresh_signatures_then_disabled_and_can_be_re_enabled() {
    let app = TestApp::spawn_with(|c| delivering(c, None)).await;
    let receiver = WebhookReceiver::start().await;
    receiver.set_mode(Mode::Fail(500));
    let hook = endpoint(&app, &receiver, json!(["CREATED"])).await;
    place_for(&app, None).await;
    // WEBHOOK_DISABLE_AFTER=4: four failed attempts, then the endpoint is off.
    let received = receiver.wait_for(4, WAIT).await;
    assert!(received.iter().all(|r| r.verified));
    assert!(
        received.iter().all(|r| r.id == received[0].id),
        "one delivery id across retries"
    );
    // Signed at each attempt with the time then (whole seconds, and retries
    // ~1 s apart with jitter): never an old timestamp, so never a stale one.
    let stamps: Vec<i64> = received
        .iter()
        .map(|r| r.timestamp.parse().unwrap())
        .collect();
    assert!(stamps.windows(2).all(|w| w[0] <= w[1]), "{stamps:?}");
    assert!(stamps[0] < stamps[3], "timestamps move on: {stamps:?}");
    let signatures: std::collections::HashSet<&str> =
        received.iter().map(|r| r.signature.as_str()).collect();
    let distinct: std::collections::HashSet<i64> = stamps.iter().copied().collect();
    assert_eq!(
        signatures.len(),
        distinct.len(),
        "a new signature with every new timestamp"
    );
    let deadline = Instant::now() + WAIT;
    let current = loop {
        let found = app
            .admin(
                "{ webhookEndpoints { id active consecutiveFailures disabledReason } }",
                json!({}),
            )
            .await["webhookEndpoints"][0]
            .clone();
        if found["active"] == false || Instant::now() > deadline {
            break found;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(current["active"], false, "{current}");
    assert!(
        current["disabledReason"]
            .as_str()
            .unwrap()
            .contains("4 consecutive")
    );
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        receiver.received().len(),
        4,
        "nothing is sent to a disabled endpoint"
    );

    // Fixed and re-enabled: the held delivery goes out.
    receiver.set_mode(Mode::Ok);
    let enabled = app
        .admin(
            "mutation($id: ID!) { updateWebhookEndpoint(id: $id, input: {active: true}) { active consecutiveFailures } }",
            json!({"id": hook["id"]}),
        )
        .await;
    assert_eq!(
        enabled["updateWebhookEndpoint"],
        json!({"active": true, "consecutiveFailures": 0})
    );
    let received = receiver.wait_for(5, WAIT).await;
    assert_eq!(received[4].id, received[0].id);
}

#[tokio::test]
async fn a_slow_endpoint_does_not_hold_up_other_endpoints() {
    let app = TestApp::spawn_with(|c| delivering(c, None)).await;
    let slow = WebhookReceiver::start().await;
    slow.set_mode(Mode::Slow(Duration::from_secs(10)));
    let fast = WebhookReceiver::start().await;
    endpoint(&app, &slow, json!(["CREATED", "MESSAGE_ADDED"])).await;
    endpoint(&app, &fast, json!(["MESSAGE_ADDED"])).await;
    // More work for the slow endpoint than there are slots in all (16).
    for _ in 0..20 {
        place_for(&app, None).await;
    }
    slow.wait_for(2, WAIT).await;
    let order = place_for(&app, None).await;
    let committed = Instant::now();
    app.admin(
        "mutation($id: ID!) { addOrderMessage(id: $id, fromUser: \"a\", text: \"b\") { id } }",
        json!({"id": order["id"]}),
    )
    .await;
    let got = fast.wait_for(1, WAIT).await;
    let delay = got[0].at.duration_since(committed);
    assert!(
        delay < Duration::from_secs(1),
        "the fast endpoint waited {delay:?}"
    );
}

#[tokio::test]
async fn endpoints_on_private_addresses_are_refused_unless_allowed() {
    let app = TestApp::spawn().await; // WEBHOOK_ALLOW_PRIVATE is off by default
    let receiver = WebhookReceiver::start().await;
    for url in [
        receiver.url(),
        format!("http://localhost:{}/hook", receiver.addr.port()),
        "http://169.254.169.254/latest/meta-data".to_owned(),
        "http://[::1]/hook".to_owned(),
    ] {
        let body = app
            .gql(
                Some(&app.admin_token()),
                "mutation($url: String!) { createWebhookEndpoint(input: {url: $url, kinds: [CREATED]}) { secret } }",
                json!({"url": url}),
            )
            .await;
        assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{url}: {body}");
        assert_eq!(
            body["errors"][0]["extensions"]["fields"][0]["path"],
            "input.url"
        );
    }
    assert_eq!(app.count("webhook_endpoints").await, 0, "nothing saved");

    // A name that resolved elsewhere at registration but to loopback now is
    // refused on the address actually connected to.
    use sea_orm::ConnectionTrait;
    app.db
        .execute_unprepared(&format!(
            "INSERT INTO webhook_endpoints (url, kinds, active, secret, consecutive_failures, created_at, updated_at) \
             VALUES ('http://localhost:{}/hook', '[\"CREATED\"]', true, 'whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=', 0, '2026-01-01 00:00:00+00:00', '2026-01-01 00:00:00+00:00')",
            receiver.addr.port()
        ))
        .await
        .unwrap();
    let order = place_for(&app, None).await;
    let deadline = Instant::now() + WAIT;
    let attempt = loop {
        let rows = deliveries_of(&app, &order).await;
        if let Some(a) = rows.first().and_then(|d| d["attempts"].get(0)).cloned() {
            break a;
        }
        assert!(Instant::now() < deadline, "{rows:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(attempt["success"], false);
    assert!(
        attempt["error"].as_str().unwrap().contains("loopback"),
        "{attempt}"
    );
    assert!(
        receiver.received().is_empty(),
        "the receiver never saw a request"
    );
}

#[tokio::test]
async fn a_follow_up_rule_fires_once_per_order_is_cancelled_for_cancelled_orders_and_survives_a_restart()
 {
    let mut smtp = SmtpSink::start(0).await;
    let smtp_url = smtp.url();
    let configure = move |c: &mut Config| {
        delivering(c, None);
        c.smtp_url = Some(ordergraph::config::Secret::new(smtp_url.clone()));
    };
    let first = TestApp::spawn_with(configure.clone()).await;
    // Seed 004's review request, made short: 3 s after an import.
    let rules = first
        .admin("{ automationRules { id name template active } }", json!({}))
        .await;
    let review = rules["automationRules"][0].clone();
    assert_eq!(review["template"], "REVIEW_REQUEST");
    assert_eq!(
        review["active"], false,
        "ready to switch on, off by default"
    );
    first
        .admin(
            "mutation($id: ID!) { updateAutomationRule(id: $id, input: {name: \"Review request\", active: true, kinds: [IMPORTED], template: REVIEW_REQUEST, delaySeconds: 3}) { id } }",
            json!({"id": review["id"]}),
        )
        .await;
    let imported = first
        .admin(
            "mutation { importOrders(input: {source: \"shop\", orders: [
                {source: \"shop\", externalId: \"A\", customerEmail: \"a@example.com\", lines: [{name: \"x\", quantity: 1, price: 1}]},
                {source: \"shop\", externalId: \"B\", customerEmail: \"b@example.com\", lines: [{name: \"x\", quantity: 1, price: 1}]}
            ]}) { results { order { id number } } } }",
            json!({}),
        )
        .await["importOrders"]["results"]
        .clone();
    let (a, b) = (imported[0]["order"].clone(), imported[1]["order"].clone());
    first
        .admin(
            "mutation($id: ID!) { orderAction(id: $id, input: {action: CANCEL}) { id } }",
            json!({"id": b["id"]}),
        )
        .await;
    let scheduled = deliveries_of(&first, &a).await;
    assert_eq!(scheduled[0]["state"], "SCHEDULED");
    assert_eq!(deliveries_of(&first, &b).await[0]["state"], "CANCELLED");

    // Restart before it is due: the follow-up is in the database, not in memory.
    let stopped = first.stop().await;
    assert!(
        smtp.quiet(Duration::from_secs(1)).await,
        "not before it is due"
    );
    let second = stopped.start(configure).await;
    let mail = smtp.next(WAIT).await;
    assert_eq!(mail["rcpt_tos"], json!(["a@example.com"]));
    let subject = mail_header(mail["data"].as_str().unwrap(), "Subject")
        .unwrap()
        .to_owned();
    assert_eq!(
        subject,
        format!("How was your order {}?", a["number"].as_str().unwrap())
    );
    assert!(
        smtp.quiet(Duration::from_secs(2)).await,
        "once per order, none for the cancelled one"
    );
    let done = deliveries_of(&second, &a).await;
    assert_eq!(done[0]["state"], "SENT");
}

#[tokio::test]
async fn templates_are_checked_when_saved_previewed_without_staff_data_and_used() {
    let app = TestApp::spawn_with(|c| delivering(c, None)).await;
    let order = place_for(&app, Some("ann@example.com")).await;
    app.admin(
        "mutation($id: ID!) { setOrderTracking(id: $id, input: {code: \"C1\", staffNotes: \"do not show\"}) { id } }",
        json!({"id": order["id"]}),
    )
    .await;
    let save = "mutation($kind: EmailTemplateKind!, $input: EmailTemplateInput!) { updateEmailTemplate(kind: $kind, input: $input) { kind subject isDefault } }";
    for (input, field) in [
        (
            json!({"subject": "{{ order.nmber }}", "textBody": "ok", "htmlBody": "ok"}),
            "input.subject",
        ),
        (
            json!({"subject": "ok", "textBody": "{% if %}", "htmlBody": "ok"}),
            "input.textBody",
        ),
        (
            json!({"subject": "ok", "textBody": "{{ order.staffNotes }}", "htmlBody": "ok"}),
            "input.textBody",
        ),
    ] {
        let body = app
            .gql(
                Some(&app.admin_token()),
                save,
                json!({"kind": "STATUS_CHANGED", "input": input}),
            )
            .await;
        assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
        assert_eq!(
            body["errors"][0]["extensions"]["fields"][0]["path"], field,
            "{body}"
        );
    }
    let saved = app
        .admin(
            save,
            json!({"kind": "STATUS_CHANGED", "input": {"subject": "Order {{ order.number }}: {{ order.statusLabel }}",
                "textBody": "Now {{ order.status }}.", "htmlBody": "<p>{{ order.customerName }}</p>"}}),
        )
        .await;
    assert_eq!(saved["updateEmailTemplate"]["isDefault"], false);
    let preview = app
        .admin(
            "query($id: ID!) { previewEmailTemplate(kind: STATUS_CHANGED, orderId: $id) { subject textBody } }",
            json!({"id": order["id"]}),
        )
        .await;
    assert_eq!(
        preview["previewEmailTemplate"]["subject"],
        format!("Order {}: Pending", order["number"].as_str().unwrap())
    );
    app.admin(
        "mutation($id: ID!) { orderAction(id: $id, input: {action: UPDATE_STATUS, status: CONFIRMED, notify: true}) { id } }",
        json!({"id": order["id"]}),
    )
    .await;
    let rows = until(&app, &order, |r| r.iter().any(|d| d["state"] == "KEPT")).await;
    let kept = rows.iter().find(|d| d["state"] == "KEPT").unwrap();
    assert_eq!(kept["email"]["textBody"], "Now CONFIRMED.");
    let reset = app
        .admin(
            "mutation { resetEmailTemplate(kind: STATUS_CHANGED) { isDefault } }",
            json!({}),
        )
        .await;
    assert_eq!(reset["resetEmailTemplate"]["isDefault"], true);
}

#[tokio::test]
async fn only_admins_manage_delivery_settings_and_only_staff_see_deliveries() {
    let app = TestApp::spawn().await;
    let order = place_for(&app, Some("ann@example.com")).await;
    let customer = database_id(
        &app.admin(
            "query($id: ID!) { order(id: $id) { customer { id } } }",
            json!({"id": order["id"]}),
        )
        .await["order"]["customer"]["id"],
    );
    let cases = [
        ("{ webhookEndpoints { id } }", [true, false, false, false]),
        ("{ automationRules { id } }", [true, false, false, false]),
        ("{ emailTemplates { kind } }", [true, false, false, false]),
        (
            "{ deliveries { nodes { id } } }",
            [true, true, false, false],
        ),
    ];
    let tokens = [
        app.token(Role::Admin, None),
        app.token(Role::Staff, None),
        app.token(Role::Integration, None),
        app.token(Role::Customer, Some(customer)),
    ];
    for (query, allowed) in cases {
        for (token, ok) in tokens.iter().zip(allowed) {
            let body = app.gql(Some(token), query, json!({})).await;
            assert_eq!(body.get("errors").is_none(), ok, "{query}: {body}");
            if !ok {
                assert_eq!(error_code(&body), Some("FORBIDDEN"));
            }
        }
    }
    let own = app
        .gql(
            Some(&tokens[3]),
            "query($id: ID!) { order(id: $id) { deliveries { id } } }",
            json!({"id": order["id"]}),
        )
        .await;
    assert_eq!(
        error_code(&own),
        Some("FORBIDDEN"),
        "customers do not see deliveries: {own}"
    );
    let bad = app
        .gql(
            Some(&tokens[0]),
            "mutation { createWebhookEndpoint(input: {url: \"ftp://x\", kinds: []}) { secret } }",
            json!({}),
        )
        .await;
    let paths: Vec<&str> = bad["errors"][0]["extensions"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["input.kinds", "input.url"], "{bad}");
}

#[tokio::test]
async fn kill_9_while_deliveries_are_in_flight_loses_none_of_them() {
    // A database made and migrated by a test server, then run by the binary.
    let database = TestApp::spawn().await.stop().await;
    let receiver = WebhookReceiver::start().await;
    receiver.set_mode(Mode::Slow(Duration::from_millis(40)));
    let mut server = Process::start(database.database_url()).await;
    let created = server
        .admin(
            "mutation($url: String!) { createWebhookEndpoint(input: {url: $url, kinds: [IMPORTED]}) { secret } }",
            json!({"url": receiver.url()}),
        )
        .await;
    receiver.set_secret(created["createWebhookEndpoint"]["secret"].as_str().unwrap());
    let orders: Vec<Value> = (0..150)
        .map(|i| json!({"source": "shop", "externalId": format!("K{i}"), "lines": [{"name": "x", "quantity": 1, "price": 1}]}))
        .collect();
    server
        .admin(
            "mutation($orders: [UpsertOrderInput!]!) { importOrders(input: {source: \"shop\", orders: $orders}) { ordersImported } }",
            json!({"orders": orders}),
        )
        .await;
    receiver.wait_for(20, WAIT).await;
    server.child.start_kill().unwrap();
    server.child.wait().await.unwrap();
    let at_kill = receiver.received().len();
    assert!(
        at_kill < 150,
        "killed while deliveries were in flight ({at_kill} arrived)"
    );

    let _restarted = Process::start(database.database_url()).await;
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let ids: std::collections::HashSet<String> =
            receiver.received().into_iter().map(|r| r.id).collect();
        if ids.len() == 150 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{} of 150 deliveries arrived",
            ids.len()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let all = receiver.received();
    assert!(all.iter().all(|r| r.verified));
    eprintln!(
        "kill -9 after {at_kill} deliveries: all 150 delivery ids arrived, {} copies in all (at least once)",
        all.len()
    );
}

#[tokio::test]
#[ignore = "PostgreSQL only (several instances share PostgreSQL): TEST_DATABASE_URL=postgres://... cargo test -- --include-ignored"]
async fn two_instances_share_the_work_and_send_each_delivery_once() {
    let app = TestApp::spawn_with(|c| delivering(c, None)).await;
    assert_eq!(
        app.backend,
        crate::helpers::Backend::Postgres,
        "this test needs PostgreSQL: set TEST_DATABASE_URL"
    );
    let mut config = Config::from_lookup(|var| match var {
        "DATABASE_URL" => Some(app.database_url().to_owned()),
        "BIND_ADDR" => Some("127.0.0.1:0".into()),
        "JWT_SECRET" => Some(crate::helpers::JWT_SECRET.into()),
        _ => None,
    })
    .unwrap();
    delivering(&mut config, None);
    let second = ordergraph::app::App::build(config).await.unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let second_server = tokio::spawn(second.run_until(async {
        let _ = rx.await;
    }));
    let receiver = WebhookReceiver::start().await;
    receiver.set_mode(Mode::Slow(Duration::from_millis(20)));
    endpoint(&app, &receiver, json!(["IMPORTED"])).await;
    let orders: Vec<Value> = (0..200)
        .map(|i| json!({"source": "shop", "externalId": format!("T{i}"), "lines": [{"name": "x", "quantity": 1, "price": 1}]}))
        .collect();
    app.admin(
        "mutation($orders: [UpsertOrderInput!]!) { importOrders(input: {source: \"shop\", orders: $orders}) { ordersImported } }",
        json!({"orders": orders}),
    )
    .await;
    let received = receiver.wait_for(200, Duration::from_secs(60)).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let received = if receiver.received().len() > received.len() {
        receiver.received()
    } else {
        received
    };
    let ids: std::collections::HashSet<&str> = received.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids.len(), 200, "every delivery");
    assert_eq!(received.len(), 200, "each once under normal operation");
    #[derive(sea_orm::FromQueryResult)]
    struct Worker {
        worker: String,
    }
    use sea_orm::FromQueryResult;
    let workers = Worker::find_by_statement(sea_orm::Statement::from_string(
        sea_orm::DbBackend::Postgres,
        "SELECT DISTINCT worker FROM delivery_attempts",
    ))
    .all(&app.db)
    .await
    .unwrap();
    assert_eq!(
        workers.len(),
        2,
        "both instances delivered: {:?}",
        workers.iter().map(|w| &w.worker).collect::<Vec<_>>()
    );
    let _ = tx.send(());
    let _ = second_server.await;
}

#[tokio::test]
async fn deliveries_are_written_with_the_change_and_rolled_back_with_it() {
    let app = TestApp::spawn_with(|c| {
        delivering(c, None);
        // Nothing is sent while this test looks at the outbox.
        c.delivery_poll_ms = 60_000;
    })
    .await;
    let order = place_for(&app, Some("ann@example.com")).await;
    let order_id = database_id(&order["id"]);
    let db = ordergraph::db::Db::new(app.db.clone());
    let event = || {
        let mut event = ordergraph::events::NewEvent::new(
            order_id,
            ordergraph::events::OrderEventKind::MessageAdded,
            "test",
        );
        event.notify = true;
        event
    };
    let before = app.count("deliveries").await;

    let txn = db.begin_write().await.unwrap();
    ordergraph::events::append(&txn, vec![event()])
        .await
        .unwrap();
    drop(txn); // rolled back: as if the change failed after its events
    assert_eq!(
        app.count("deliveries").await,
        before,
        "a rolled-back change has none"
    );

    let txn = db.begin_write().await.unwrap();
    ordergraph::events::append(&txn, vec![event()])
        .await
        .unwrap();
    txn.commit().await.unwrap();
    assert_eq!(
        app.count("deliveries").await,
        before + 1,
        "a committed one has its delivery"
    );
}

#[tokio::test]
async fn staff_cancel_a_scheduled_follow_up_and_bad_rules_are_refused_by_field() {
    let mut smtp = SmtpSink::start(0).await;
    let app = TestApp::spawn_with(|c| delivering(c, Some(&smtp))).await;
    let rules = app
        .admin(
            "{ automationRules { id name kinds template active } }",
            json!({}),
        )
        .await;
    let confirmation = rules["automationRules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["template"] == "ORDER_CONFIRMATION")
        .expect("seed 000's confirmation rule comes ready")
        .clone();
    assert_eq!(confirmation["kinds"], json!(["CREATED"]));
    app.admin(
        "mutation($id: ID!) { updateAutomationRule(id: $id, input: {name: \"Confirmation, a minute later\", active: true, kinds: [CREATED], template: ORDER_CONFIRMATION, delaySeconds: 60}) { id } }",
        json!({"id": confirmation["id"]}),
    )
    .await;
    let order = place_for(&app, Some("ann@example.com")).await;
    let scheduled = deliveries_of(&app, &order).await;
    assert_eq!(scheduled.len(), 1);
    assert_eq!(scheduled[0]["state"], "SCHEDULED");
    let staff = app.token(Role::Staff, None);
    let cancelled = app
        .gql(
            Some(&staff),
            "mutation($id: ID!) { cancelDelivery(id: $id) { state reason } }",
            json!({"id": scheduled[0]["id"]}),
        )
        .await;
    assert_eq!(
        cancelled["data"]["cancelDelivery"]["state"], "CANCELLED",
        "{cancelled}"
    );
    assert_eq!(
        cancelled["data"]["cancelDelivery"]["reason"],
        "cancelled by test-staff"
    );
    let again = app
        .gql(
            Some(&staff),
            "mutation($id: ID!) { cancelDelivery(id: $id) { state } }",
            json!({"id": scheduled[0]["id"]}),
        )
        .await;
    assert_eq!(
        error_code(&again),
        Some("BAD_USER_INPUT"),
        "only a scheduled one"
    );

    // Without a delay the rule sends at once.
    app.admin(
        "mutation($id: ID!) { updateAutomationRule(id: $id, input: {name: \"Confirmation\", active: true, kinds: [CREATED], template: ORDER_CONFIRMATION}) { id } }",
        json!({"id": confirmation["id"]}),
    )
    .await;
    let second = place_for(&app, Some("bob@example.com")).await;
    let mail = smtp.next(WAIT).await;
    assert_eq!(mail["rcpt_tos"], json!(["bob@example.com"]));
    let subject = mail_header(mail["data"].as_str().unwrap(), "Subject").unwrap();
    assert_eq!(
        subject,
        format!(
            "We received your order {}",
            second["number"].as_str().unwrap()
        )
    );
    assert!(
        smtp.quiet(Duration::from_millis(500)).await,
        "the cancelled one never goes"
    );

    let body = app
        .gql(
            Some(&app.admin_token()),
            "mutation { createAutomationRule(input: {name: \"\", kinds: [ADMIN_FIELDS_UPDATED], recipient: \"not-an-address\", delaySeconds: -5}) { id } }",
            json!({}),
        )
        .await;
    let paths: Vec<&str> = body["errors"][0]["extensions"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths,
        [
            "input.name",
            "input.kinds",
            "input.template",
            "input.recipient",
            "input.delaySeconds"
        ],
        "{body}"
    );
}

/// The planner configuration's version token.
async fn config_version(app: &TestApp) -> String {
    use sea_orm::ConnectionTrait;
    app.db
        .query_one_raw(sea_orm::Statement::from_string(
            app.db.get_database_backend(),
            "SELECT value FROM settings WHERE key = 'delivery_config_version'",
        ))
        .await
        .unwrap()
        .expect("the version row")
        .try_get::<String>("", "value")
        .unwrap()
}

async fn raw(app: &TestApp, sql: &str) {
    use sea_orm::ConnectionTrait;
    app.db.execute_unprepared(sql).await.unwrap();
}

/// Statements the server ran for one `placeOrder`.
async fn statements_of_a_place(app: &TestApp) -> (u64, Value) {
    let before = app.statements.load(std::sync::atomic::Ordering::Relaxed);
    let order = place_for(app, None).await;
    (
        app.statements.load(std::sync::atomic::Ordering::Relaxed) - before,
        order,
    )
}

#[tokio::test]
async fn the_planner_reads_endpoints_and_rules_only_after_they_change_however_they_change() {
    let app = TestApp::spawn_with(|c| delivering(c, None)).await;
    // The first write reads the configuration; the next ones do not: two
    // statements fewer (endpoints and rules). Counted while nothing is
    // delivered, so the worker's statements stay out of the count.
    let (cold, _) = statements_of_a_place(&app).await;
    let (warm, _) = statements_of_a_place(&app).await;
    assert_eq!(cold - warm, 2, "cold {cold}, warm {warm}");

    let receiver = WebhookReceiver::start().await;
    let created = endpoint(&app, &receiver, json!(["CREATED"])).await;
    let id = database_id(&created["id"]);
    let sent = |rows: &[Value]| rows.len() == 1 && rows[0]["state"] == "SENT";
    let first = place_for(&app, None).await;
    until(&app, &first, sent).await;

    // Changed behind the server's back (plain SQL, as another instance or an
    // operator would): the next write sees it.
    let version = config_version(&app).await;
    raw(
        &app,
        &format!("UPDATE webhook_endpoints SET active = false WHERE id = {id}"),
    )
    .await;
    assert_ne!(config_version(&app).await, version);
    let off = place_for(&app, None).await;
    assert!(
        deliveries_of(&app, &off).await.is_empty(),
        "the endpoint is off"
    );
    let (again, _) = statements_of_a_place(&app).await;
    assert_eq!(again, warm, "read once after the change, then kept");

    // The worker counting failures changes nothing the planner reads.
    let version = config_version(&app).await;
    raw(
        &app,
        &format!("UPDATE webhook_endpoints SET consecutive_failures = 3 WHERE id = {id}"),
    )
    .await;
    assert_eq!(config_version(&app).await, version);
    let (same, _) = statements_of_a_place(&app).await;
    assert_eq!(same, warm);

    raw(
        &app,
        &format!("UPDATE webhook_endpoints SET active = true WHERE id = {id}"),
    )
    .await;
    let on = place_for(&app, None).await;
    until(&app, &on, sent).await;

    // A rule created, and rows deleted, count as changes too.
    app.admin(
        "mutation { createAutomationRule(input: {name: \"thanks\", active: true, kinds: [CREATED], template: ORDER_CONFIRMATION, delaySeconds: 0}) { id } }",
        json!({}),
    )
    .await;
    let ruled = place_for(&app, None).await;
    assert_eq!(
        deliveries_of(&app, &ruled).await.len(),
        2,
        "the webhook and the rule's e-mail"
    );
    let version = config_version(&app).await;
    raw(&app, "DELETE FROM automation_rules").await;
    assert_ne!(config_version(&app).await, version);
    let unruled = place_for(&app, None).await;
    assert_eq!(deliveries_of(&app, &unruled).await.len(), 1);
}
