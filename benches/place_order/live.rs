//! A live screen for the bench: one graphql-transport-ws subscriber to every
//! order event, as a dashboard would hold open while orders come in. With it
//! the server reads and publishes its log as it goes (without one, an idle
//! instance only moves its position on), so the run beside it shows what a
//! live subscriber costs the write path. It also checks the feed's promise
//! under the load: every order placed in the run arrives, once.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value as Json, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;

// Fields of the event itself: `order { ... }` would cost a read per event in
// the shared execution, which then falls behind a write load of a thousand
// orders a second and is cut off (SUBSCRIBER_LAGGED), as designed.
const SUBSCRIPTION: &str = "subscription { orderEvents { id kind orderId } }";

/// A subscriber counting the CREATED events it receives.
pub struct LiveScreen {
    created: Arc<Mutex<HashSet<String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl LiveScreen {
    /// Connects to `addr` with `token` and subscribes. Subscribing has no
    /// acknowledgement: the caller places orders until
    /// [`created`](LiveScreen::created) shows one.
    pub async fn open(addr: std::net::SocketAddr, token: &str) -> LiveScreen {
        let mut request = format!("ws://{addr}/graphql/ws")
            .into_client_request()
            .expect("ws request");
        request.headers_mut().insert(
            "Sec-WebSocket-Protocol",
            HeaderValue::from_static("graphql-transport-ws"),
        );
        let (mut ws, _) = tokio_tungstenite::connect_async(request)
            .await
            .expect("ws connects");
        let send = |v: Json| Message::Text(v.to_string().into());
        ws.send(send(json!({"type": "connection_init", "payload": {"Authorization": format!("Bearer {token}")}})))
            .await
            .expect("init");
        loop {
            match ws.next().await {
                Some(Ok(Message::Text(text))) if text.contains("connection_ack") => break,
                Some(Ok(_)) => {}
                other => panic!("no connection_ack: {other:?}"),
            }
        }
        ws.send(send(
            json!({"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIPTION}}),
        ))
        .await
        .expect("subscribe");
        let created = Arc::new(Mutex::new(HashSet::new()));
        let task = tokio::spawn({
            let created = created.clone();
            async move {
                while let Some(Ok(message)) = ws.next().await {
                    let Message::Text(text) = message else {
                        continue;
                    };
                    let body: Json = serde_json::from_str(&text).expect("json frame");
                    assert_eq!(body["type"], "next", "live screen got {body}");
                    let event = &body["payload"]["data"]["orderEvents"];
                    if event["kind"] == "CREATED" {
                        let order = event["orderId"].as_str().expect("order id").to_owned();
                        let fresh = created.lock().expect("set").insert(order);
                        assert!(fresh, "an order's CREATED event arrived twice");
                    }
                }
            }
        });
        LiveScreen { created, task }
    }

    /// Orders whose CREATED event arrived so far.
    pub fn created(&self) -> usize {
        self.created.lock().expect("set").len()
    }

    /// Waits until `n` orders' CREATED events arrived (panics after 30 s:
    /// the feed lost some).
    pub async fn until(&self, n: usize) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        while self.created() < n {
            assert!(
                tokio::time::Instant::now() < deadline,
                "the live screen got {} of {n} orders",
                self.created()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for LiveScreen {
    fn drop(&mut self) {
        self.task.abort();
    }
}
