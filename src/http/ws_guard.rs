//! What graphql-ws requires beyond async-graphql's stock handler, once a
//! connection is initialised: a malformed message closes with 4400, a second
//! `connection_init` with 4429, a subscription id already in use with 4409;
//! and the server sends keep-alive pings. Incoming messages pass [`Guard`];
//! outgoing ones go through a small bounded channel to [`forward`], which
//! notes completed ids, pings when idle, and closes with the recorded code.
//! The channel is bounded, so a client that stops reading still pushes back
//! on its subscriptions (which then lag and end) instead of growing a queue.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_graphql::http::WebSocketProtocols;
use axum::extract::ws::{CloseFrame, Message};
use futures_util::{Sink, SinkExt, Stream, StreamExt};
use serde_json::Value;
use tokio::sync::mpsc;

/// Messages the forwarder may hold for a slow client.
const OUTBOX: usize = 16;

/// State shared by the incoming guard and the outgoing forwarder.
#[derive(Default)]
pub struct Shared {
    active: Mutex<HashSet<String>>,
    close: Mutex<Option<(u16, &'static str)>>,
}

impl Shared {
    fn violation(&self, code: u16, reason: &'static str) {
        if let Ok(mut close) = self.close.lock() {
            close.get_or_insert((code, reason));
        }
    }

    fn closing(&self) -> Option<(u16, &'static str)> {
        self.close.lock().ok().and_then(|c| *c)
    }
}

/// Checks one incoming message; `false` ends the connection (the reason is
/// recorded in `shared`).
fn admit(shared: &Shared, message: &Message) -> bool {
    let Message::Text(text) = message else {
        // Pings, pongs and closes are the transport's business.
        return !matches!(message, Message::Binary(_));
    };
    let Ok(value) = serde_json::from_str::<Value>(text) else {
        shared.violation(4400, "Malformed message");
        return false;
    };
    let id = value.get("id").and_then(Value::as_str).map(str::to_owned);
    match value.get("type").and_then(Value::as_str) {
        Some("connection_init") => {
            shared.violation(4429, "Too many initialisation requests");
            false
        }
        Some("subscribe" | "start") => {
            let Some(id) = id else {
                shared.violation(4400, "A subscription needs an id");
                return false;
            };
            let inserted = shared
                .active
                .lock()
                .map(|mut a| a.insert(id))
                .unwrap_or(false);
            if !inserted {
                shared.violation(4409, "Subscriber for this id already exists");
            }
            inserted
        }
        Some("complete" | "stop") => {
            if let (Some(id), Ok(mut active)) = (id, shared.active.lock()) {
                active.remove(&id);
            }
            true
        }
        Some("ping" | "pong" | "connection_terminate") => true,
        _ => {
            shared.violation(4400, "Unknown message type");
            false
        }
    }
}

/// The incoming stream, ending at the first protocol violation.
pub fn guard<S>(
    incoming: S,
    shared: Arc<Shared>,
) -> impl Stream<Item = Result<Message, axum::Error>>
where
    S: Stream<Item = Result<Message, axum::Error>>,
{
    incoming.take_while(move |message| {
        let keep = match message {
            Ok(message) => admit(&shared, message),
            Err(_) => false,
        };
        std::future::ready(keep)
    })
}

/// A sink for the stock handler that feeds [`forward`], and a sender into
/// the same outbox (shared subscriptions write there too).
pub fn outbox() -> (
    impl Sink<Message, Error = axum::Error> + Unpin,
    mpsc::Sender<Message>,
    mpsc::Receiver<Message>,
) {
    let (tx, rx) = mpsc::channel::<Message>(OUTBOX);
    let sender = tx.clone();
    let sink = futures_util::sink::unfold(tx, |tx, message: Message| async move {
        tx.send(message).await.map_err(axum::Error::new)?;
        Ok::<_, axum::Error>(tx)
    });
    (Box::pin(sink), sender, rx)
}

/// Writes the handler's messages to the socket until it finishes, pinging
/// every `keepalive` while idle, then closes with the recorded code, if any.
pub async fn forward<W>(
    mut socket: W,
    mut outgoing: mpsc::Receiver<Message>,
    shared: Arc<Shared>,
    protocol: WebSocketProtocols,
    keepalive: Duration,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) where
    W: Sink<Message> + Unpin,
{
    let ping = match protocol {
        WebSocketProtocols::GraphQLWS => r#"{"type":"ping"}"#,
        WebSocketProtocols::SubscriptionsTransportWS => r#"{"type":"ka"}"#,
    };
    let mut ticker = tokio::time::interval(keepalive);
    ticker.tick().await;
    loop {
        tokio::select! {
            message = outgoing.recv() => {
                let Some(message) = message else { break };
                if let Message::Text(text) = &message
                    && let Ok(value) = serde_json::from_str::<Value>(text)
                    && value.get("type").and_then(Value::as_str) == Some("complete")
                    && let (Some(id), Ok(mut active)) = (value.get("id").and_then(Value::as_str), shared.active.lock())
                {
                    active.remove(id);
                }
                if socket.send(message).await.is_err() {
                    return;
                }
            }
            _ = ticker.tick() => {
                if socket.send(Message::Text(ping.into())).await.is_err() {
                    return;
                }
            }
            // The server is stopping: say so (1001 going away), so clients
            // reconnect elsewhere and resume, instead of seeing 1006.
            () = stopping(&mut shutdown) => {
                let frame = CloseFrame {
                    code: 1001,
                    reason: "Server shutting down".into(),
                };
                let _ = socket.send(Message::Close(Some(frame))).await;
                return;
            }
        }
    }
    if let Some((code, reason)) = shared.closing() {
        let frame = CloseFrame {
            code,
            reason: reason.into(),
        };
        let _ = socket.send(Message::Close(Some(frame))).await;
    }
}

/// Completes when the server starts shutting down (or is gone).
async fn stopping(shutdown: &mut tokio::sync::watch::Receiver<bool>) {
    let _ = shutdown.wait_for(|stopping| *stopping).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Message {
        Message::Text(s.into())
    }

    #[test]
    fn duplicate_ids_and_bad_messages_are_violations() {
        let shared = Shared::default();
        assert!(admit(
            &shared,
            &text(r#"{"id":"1","type":"subscribe","payload":{}}"#)
        ));
        assert!(!admit(
            &shared,
            &text(r#"{"id":"1","type":"subscribe","payload":{}}"#)
        ));
        assert_eq!(
            shared.closing(),
            Some((4409, "Subscriber for this id already exists"))
        );

        let shared = Shared::default();
        assert!(!admit(&shared, &text("{not json")));
        assert_eq!(shared.closing().map(|c| c.0), Some(4400));

        let shared = Shared::default();
        assert!(admit(&shared, &text(r#"{"id":"1","type":"subscribe"}"#)));
        assert!(admit(&shared, &text(r#"{"id":"1","type":"complete"}"#)));
        assert!(
            admit(&shared, &text(r#"{"id":"1","type":"subscribe"}"#)),
            "an id is free again after complete"
        );
        assert!(!admit(&shared, &text(r#"{"type":"connection_init"}"#)));
        assert_eq!(shared.closing().map(|c| c.0), Some(4429));
    }
}
