//! Adding a message: the message row and its MESSAGE_ADDED event in one
//! transaction. A message does not change the order, so its version stays.

use sea_orm::ActiveModelTrait;
use sea_orm::ActiveValue::Set;
use serde_json::json;

use crate::auth::Principal;
use crate::db::{self, Db};
use crate::entities::order_message;
use crate::error::{AppError, AppResult, FieldError};
use crate::events::OrderEventKind;
use crate::orders::edit::OrderEdit;
use crate::validate::{MAX_LONG, MAX_SHORT, check_len};

/// Adds a message to order `order_id`.
#[tracing::instrument(name = "messages.add", skip_all, fields(order.id = order_id))]
pub async fn add(
    db: &Db,
    actor: &Principal,
    order_id: i64,
    from_user: String,
    text: String,
    notify: bool,
) -> AppResult<order_message::Model> {
    let mut errors = Vec::new();
    let from_user = from_user.trim().to_owned();
    if from_user.is_empty() {
        errors.push(FieldError::new("fromUser", "must not be empty"));
    }
    if text.trim().is_empty() {
        errors.push(FieldError::new("text", "must not be empty"));
    }
    check_len(Some(&from_user), MAX_SHORT, "fromUser", &mut errors);
    check_len(Some(&text), MAX_LONG, "text", &mut errors);
    if !errors.is_empty() {
        return Err(AppError::invalid(errors));
    }
    let txn = db.begin_write().await?;
    let mut edit = OrderEdit::begin(&txn, order_id, None, actor).await?;
    let message = order_message::ActiveModel {
        order_id: Set(order_id),
        from_user: Set(from_user),
        text: Set(text),
        notify: Set(notify),
        created_at: Set(db::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let event = edit.event(OrderEventKind::MessageAdded);
    event.notify = notify;
    event.data = Some(json!({"messageId": message.id.to_string(), "fromUser": message.from_user}));
    edit.finish().await?;
    txn.commit().await?;
    Ok(message)
}
