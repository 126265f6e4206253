//! Live subscriptions shared by every client that would receive the same
//! bytes: one execution per event for a group, not one per subscriber.
//!
//! async-graphql runs a subscription's selection once per subscriber per
//! event, so 10,000 screens on one order cost 10,000 executions and
//! serialisations of the same answer. Here a live-only `orderEvents` or
//! `orderStatusChanged` subscription (no `after`) whose document, operation
//! name, variables and visibility class (role, and the customer for
//! customers) equal another's joins that one's [`Group`]: the group runs the
//! subscription once through the schema (with the first member's caller:
//! the visibility class decides everything the answer holds, so any member's
//! would do), serialises each answer once, and every member sends it on with
//! its own id. Anything else (replays with `after`, other roots, persisted
//! documents) takes async-graphql's path as before.
//!
//! What a member gets is exactly what its own execution would give:
//! - the same answers (same document, variables and visibility class);
//! - only events committed after it subscribed: each member takes its own
//!   "now" of the log ([`EventBus::now`](crate::events::bus::EventBus::now),
//!   one statement for all who ask together) after joining and after the group's stream took its own, and
//!   skips answers for events at or before it, by their log position
//!   ([`PositionTap`]);
//! - a member that falls behind the group's buffer is cut off alone with
//!   SUBSCRIBER_LAGGED and the cursor after the last event it got; the
//!   others go on. The connection's bounded outbox pushes back on the member
//!   only (its task waits), never on the group.
//!
//! A group ends when its last member leaves (or its stream ends, e.g. when
//! the group itself lagged: every member then gets that error, then
//! `complete`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use async_graphql::http::WebSocketProtocols;
use async_graphql::parser::types::{OperationType, Selection};
use async_graphql::{Request, Variables};
use axum::extract::ws::Message;
use futures_util::StreamExt;
use serde_json::Value;
use tokio::sync::{Notify, broadcast, mpsc, oneshot};
use tokio::task::AbortHandle;

use crate::auth::{Caller, Role};
use crate::error::AppError;
use crate::events::position::Position;
use crate::events::subscriptions::PositionTap;
use crate::graphql::AppSchema;
use crate::graphql::loader::new_loader;
use crate::state::AppState;

/// The roots whose live streams can be shared.
const SHARED_ROOTS: &[&str] = &["orderEvents", "orderStatusChanged"];

/// What makes two subscriptions receive the same bytes.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Key {
    query: String,
    operation: Option<String>,
    /// The variables as sent (same JSON text, same group).
    variables: String,
    role: Role,
    customer: Option<i64>,
}

/// One answer of a group's stream, serialised once.
struct Item {
    /// Where its event sits in the log; `None` for an answer that is not an
    /// event (an error), which every member gets.
    position: Option<Position>,
    /// The `payload` of the `next` message; `None`: the stream ended.
    payload: Option<Arc<str>>,
}

/// One execution shared by its members.
struct Group {
    sender: broadcast::Sender<Arc<Item>>,
    /// The group's stream has read its "now" (see [`PositionTap`]).
    placed: tokio::sync::watch::Receiver<bool>,
    /// Woken when a member leaves, so the last one ends the group at once.
    left: Notify,
}

/// Who a member is on its connection.
pub struct Member {
    /// The client's subscription id.
    pub id: String,
    pub protocol: WebSocketProtocols,
    /// The connection's outbox (bounded: a slow client waits here).
    pub outbox: mpsc::Sender<Message>,
}

/// The shared subscriptions of one server.
pub struct Fanout {
    schema: AppSchema,
    app: AppState,
    groups: Mutex<HashMap<Key, Arc<Group>>>,
}

impl Fanout {
    pub fn new(schema: AppSchema, app: AppState) -> Arc<Fanout> {
        Arc::new(Fanout {
            schema,
            app,
            groups: Mutex::new(HashMap::new()),
        })
    }

    /// Live groups now (the `subscription_groups` metric).
    pub fn groups(&self) -> usize {
        self.groups
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// The group key of a `subscribe` payload, when it can be shared: a
    /// document with one subscription whose only root field is a shared
    /// root without `after` (and without directives), sent as text.
    pub fn key(&self, payload: &Value, caller: &Caller) -> Option<Key> {
        let Caller::Authenticated(principal) = caller else {
            return None;
        };
        let object = payload.as_object()?;
        let plain = object.iter().all(|(k, v)| match k.as_str() {
            "query" | "variables" | "operationName" => true,
            // Persisted queries and other protocol extensions take the
            // stock path, which knows them.
            "extensions" => v.is_null() || v.as_object().is_some_and(|e| e.is_empty()),
            _ => false,
        });
        let query = object.get("query")?.as_str()?;
        if !plain || query.len() > self.app.config.graphql_max_document_bytes {
            return None;
        }
        let operation = match object.get("operationName") {
            None | Some(Value::Null) => None,
            Some(Value::String(name)) => Some(name.clone()),
            Some(_) => return None,
        };
        let variables = match object.get("variables") {
            None | Some(Value::Null) => "{}".to_owned(),
            Some(v @ Value::Object(_)) => serde_json::to_string(v).ok()?,
            Some(_) => return None,
        };
        let document = async_graphql::parser::parse_query(query).ok()?;
        let op = crate::graphql::selected_operation(&document, operation.as_deref())?;
        if op.node.ty != OperationType::Subscription || !op.node.directives.is_empty() {
            return None;
        }
        let [selection] = op.node.selection_set.node.items.as_slice() else {
            return None;
        };
        let Selection::Field(field) = &selection.node else {
            return None;
        };
        let field = &field.node;
        let shared = SHARED_ROOTS.contains(&field.name.node.as_str())
            && field.directives.is_empty()
            && !field.arguments.iter().any(|(name, _)| name.node == "after");
        shared.then(|| Key {
            query: query.to_owned(),
            operation,
            variables,
            role: principal.role,
            customer: principal.customer_id,
        })
    }

    /// Joins `member` to the group of `key` (starting it with `caller` when
    /// there is none) and serves it on a task of its own until the stream
    /// ends, the member lags, or `cancel` fires (the client completed it:
    /// the legacy protocol then gets `complete`). Dropping the returned
    /// handle does not stop it: abort it when the connection goes.
    pub fn join(
        self: &Arc<Self>,
        key: Key,
        caller: Caller,
        member: Member,
        cancel: oneshot::Receiver<()>,
    ) -> AbortHandle {
        let (group, receiver) = self.group(key, caller);
        let fanout = self.clone();
        tokio::spawn(async move {
            let membership = Membership {
                receiver: Some(receiver),
                group,
            };
            fanout.serve(membership, member, cancel).await;
        })
        .abort_handle()
    }

    /// The live group of `key` with a new receiver, started if need be. A
    /// receiver is taken under the registry's lock, so a group found there
    /// cannot end before this member counts.
    fn group(
        self: &Arc<Self>,
        key: Key,
        caller: Caller,
    ) -> (Arc<Group>, broadcast::Receiver<Arc<Item>>) {
        let mut groups = self.groups.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(group) = groups.get(&key) {
            return (group.clone(), group.sender.subscribe());
        }
        let (sender, receiver) = broadcast::channel(self.app.config.subscription_buffer.max(16));
        let tap = PositionTap::default();
        let group = Arc::new(Group {
            sender,
            placed: tap.placed(),
            left: Notify::new(),
        });
        groups.insert(key.clone(), group.clone());
        drop(groups);
        tokio::spawn(self.clone().run(key, caller, group.clone(), tap));
        (group, receiver)
    }

    /// Executes the group's subscription once, for all its members.
    async fn run(self: Arc<Self>, key: Key, caller: Caller, group: Arc<Group>, tap: PositionTap) {
        let variables = serde_json::from_str::<Value>(&key.variables).unwrap_or(Value::Null);
        let mut request = Request::new(key.query.clone())
            .variables(Variables::from_json(variables))
            .data(caller)
            // Cache off, as for every subscription: each answer must see
            // the order as it is now.
            .data(new_loader(self.app.db.clone(), false))
            .data(tap.clone());
        if let Some(operation) = &key.operation {
            request = request.operation_name(operation.clone());
        }
        let mut stream = self.schema.execute_stream(request);
        loop {
            tokio::select! {
                answer = stream.next() => {
                    let Some(answer) = answer else { break };
                    let position = tap.take();
                    let payload = match serde_json::to_string(&answer) {
                        Ok(text) => text,
                        Err(err) => {
                            tracing::error!(error = %err, "a shared subscription answer did not serialise");
                            continue;
                        }
                    };
                    // No receiver is fine: the last member just left, and the
                    // group ends below.
                    let _ = group.sender.send(Arc::new(Item {
                        position,
                        payload: Some(payload.into()),
                    }));
                    if group.sender.receiver_count() == 0 && self.end_if_empty(&key, &group) {
                        return;
                    }
                }
                () = group.left.notified() => {
                    if self.end_if_empty(&key, &group) {
                        return;
                    }
                }
            }
        }
        // The stream ended (refused, or lagged): no one may join it now, and
        // everyone in it hears so after what came before.
        self.remove(&key, &group);
        let _ = group.sender.send(Arc::new(Item {
            position: None,
            payload: None,
        }));
    }

    /// Ends the group when no member is left (under the registry's lock, so a
    /// member joining now starts a new group instead).
    fn end_if_empty(&self, key: &Key, group: &Arc<Group>) -> bool {
        let mut groups = self.groups.lock().unwrap_or_else(PoisonError::into_inner);
        if group.sender.receiver_count() > 0 {
            return false;
        }
        if groups.get(key).is_some_and(|g| Arc::ptr_eq(g, group)) {
            groups.remove(key);
        }
        true
    }

    fn remove(&self, key: &Key, group: &Arc<Group>) {
        let mut groups = self.groups.lock().unwrap_or_else(PoisonError::into_inner);
        if groups.get(key).is_some_and(|g| Arc::ptr_eq(g, group)) {
            groups.remove(key);
        }
    }

    /// Sends the group's answers to one member, from its own "now" on.
    async fn serve(
        &self,
        mut membership: Membership,
        member: Member,
        mut cancel: oneshot::Receiver<()>,
    ) {
        let id = serde_json::to_string(&member.id).unwrap_or_default();
        let next = match member.protocol {
            WebSocketProtocols::GraphQLWS => "next",
            WebSocketProtocols::SubscriptionsTransportWS => "data",
        };
        let send = |payload: &str| {
            Message::Text(format!(r#"{{"type":"{next}","id":{id},"payload":{payload}}}"#).into())
        };
        let complete = Message::Text(format!(r#"{{"type":"complete","id":{id}}}"#).into());
        // The member's place comes after the group's: what commits after the
        // member's is then in the group's stream. A stream refused at the
        // start never places itself; its error is in the receiver.
        let mut placed = membership.group.placed.clone();
        tokio::select! {
            _ = placed.wait_for(|placed| *placed) => {}
            _ = &mut cancel => return,
        }
        let now = match self.app.events.now().await.map_err(AppError::from) {
            Ok(now) => now,
            Err(err) => {
                let _ = member.outbox.send(send(&error_payload(err))).await;
                let _ = member.outbox.send(complete).await;
                return;
            }
        };
        // Counted as live once its "now" is known: from here on it gets
        // every event that commits.
        let _active = self.app.metrics.subscription();
        let mut last = now.before;
        let Some(receiver) = membership.receiver.as_mut() else {
            return;
        };
        loop {
            let item = tokio::select! {
                item = receiver.recv() => item,
                _ = &mut cancel => {
                    // graphql-transport-ws: the client's `complete` ends it
                    // silently; the legacy protocol answers `stop` with one.
                    if member.protocol == WebSocketProtocols::SubscriptionsTransportWS {
                        let _ = member.outbox.send(complete).await;
                    }
                    return;
                }
            };
            match item {
                Ok(item) => {
                    if let Some(position) = item.position {
                        if now.saw_position(position) {
                            continue;
                        }
                        last = position;
                    }
                    let Some(payload) = &item.payload else {
                        let _ = member.outbox.send(complete).await;
                        return;
                    };
                    if member.outbox.send(send(payload)).await.is_err() {
                        // The connection is gone.
                        return;
                    }
                }
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    let lagged = AppError::SubscriberLagged {
                        resume_after: last.cursor(),
                    };
                    let _ = member.outbox.send(send(&error_payload(lagged))).await;
                    let _ = member.outbox.send(complete).await;
                    return;
                }
                Err(broadcast::error::RecvError::Closed) => {
                    let _ = member.outbox.send(complete).await;
                    return;
                }
            }
        }
    }
}

/// A member's receiver; leaving wakes the group, which ends with its last
/// member.
struct Membership {
    receiver: Option<broadcast::Receiver<Arc<Item>>>,
    group: Arc<Group>,
}

impl Drop for Membership {
    fn drop(&mut self) {
        // The receiver goes first, so the group counts one fewer when woken.
        drop(self.receiver.take());
        self.group.left.notify_one();
    }
}

/// A GraphQL answer holding only `err`, as a stream item's error would be.
fn error_payload(err: AppError) -> String {
    let error: async_graphql::Error = err.into();
    let answer = async_graphql::Response::from_errors(vec![
        error.into_server_error(async_graphql::Pos::default()),
    ]);
    serde_json::to_string(&answer).unwrap_or_else(|_| r#"{"data":null}"#.into())
}

/// The shared subscriptions of one connection: takes the client's messages
/// that concern them, and ends them all when the connection goes.
pub struct Joined {
    fanout: Arc<Fanout>,
    caller: Caller,
    protocol: WebSocketProtocols,
    outbox: mpsc::Sender<Message>,
    members: HashMap<String, (oneshot::Sender<()>, AbortHandle)>,
}

impl Joined {
    pub fn new(
        fanout: Arc<Fanout>,
        caller: Caller,
        protocol: WebSocketProtocols,
        outbox: mpsc::Sender<Message>,
    ) -> Joined {
        Joined {
            fanout,
            caller,
            protocol,
            outbox,
            members: HashMap::new(),
        }
    }

    /// Handles `text` when it is a subscribe that can be shared (joining its
    /// group) or a complete of one of this connection's shared ones; true
    /// when it was taken. The guard (`ws_guard`) has checked the protocol
    /// rules (ids in use, message shapes) before.
    pub fn take(&mut self, text: &str) -> bool {
        let Ok(message) = serde_json::from_str::<Value>(text) else {
            return false;
        };
        let Some(id) = message.get("id").and_then(Value::as_str) else {
            return false;
        };
        match message.get("type").and_then(Value::as_str) {
            Some("subscribe" | "start") => {
                let payload = message.get("payload").unwrap_or(&Value::Null);
                let Some(key) = self.fanout.key(payload, &self.caller) else {
                    return false;
                };
                // A member that ended by itself leaves its id behind: let a
                // new subscription reuse it.
                self.members.retain(|_, (_, task)| !task.is_finished());
                let (cancel, cancelled) = oneshot::channel();
                let member = Member {
                    id: id.to_owned(),
                    protocol: self.protocol,
                    outbox: self.outbox.clone(),
                };
                let task = self
                    .fanout
                    .join(key, self.caller.clone(), member, cancelled);
                self.members.insert(id.to_owned(), (cancel, task));
                true
            }
            Some("complete" | "stop") => match self.members.remove(id) {
                Some((cancel, _)) => {
                    let _ = cancel.send(());
                    true
                }
                None => false,
            },
            _ => false,
        }
    }
}

impl Drop for Joined {
    fn drop(&mut self) {
        for (_, (_, task)) in self.members.drain() {
            task.abort();
        }
    }
}
