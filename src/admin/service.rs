//! Setting admin fields: one transaction through [`OrderEdit`], recording
//! ADMIN_FIELDS_UPDATED with each field's before and after.

use std::collections::{HashMap, HashSet};

use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Map, json};

use super::inputs::AdminFieldInput;
use crate::auth::Principal;
use crate::db::{self, Db};
use crate::entities::{order, order_admin_field};
use crate::error::{AppError, AppResult, FieldError};
use crate::events::OrderEventKind;
use crate::orders::edit::OrderEdit;
use crate::validate::{MAX_LONG, MAX_SHORT, check_len};

/// Sets (or, for null values, removes) admin fields by name.
pub async fn set(
    db: &Db,
    actor: &Principal,
    order_id: i64,
    fields: Vec<AdminFieldInput>,
    expected_version: Option<i32>,
) -> AppResult<order::Model> {
    let mut errors = Vec::new();
    let mut names = HashSet::new();
    for (i, field) in fields.iter().enumerate() {
        let name = field.name.trim();
        if name.is_empty() {
            errors.push(FieldError::new(
                format!("fields.{i}.name"),
                "must not be empty",
            ));
        } else if !names.insert(name.to_owned()) {
            errors.push(FieldError::new(
                format!("fields.{i}.name"),
                "is given twice",
            ));
        }
        check_len(
            Some(name),
            MAX_SHORT,
            &format!("fields.{i}.name"),
            &mut errors,
        );
        check_len(
            field.value.as_deref(),
            MAX_LONG,
            &format!("fields.{i}.value"),
            &mut errors,
        );
    }
    if !errors.is_empty() {
        return Err(AppError::invalid(errors));
    }

    let txn = db.begin_write().await?;
    let mut edit = OrderEdit::begin(&txn, order_id, expected_version, actor).await?;
    let current: HashMap<String, order_admin_field::Model> = order_admin_field::Entity::find()
        .filter(order_admin_field::Column::OrderId.eq(order_id))
        .all(&txn)
        .await?
        .into_iter()
        .map(|f| (f.name.clone(), f))
        .collect();
    let mut changes = Map::new();
    for field in fields {
        let name = field.name.trim().to_owned();
        let existing = current.get(&name);
        match (existing, field.value) {
            (Some(row), None) => {
                order_admin_field::Entity::delete_by_id(row.id)
                    .exec(&txn)
                    .await?;
                changes.insert(name, json!({"before": row.value, "after": null}));
            }
            (Some(row), Some(value)) if row.value != value => {
                let mut active: order_admin_field::ActiveModel = row.clone().into();
                active.value = Set(value.clone());
                active.updated_at = Set(db::now());
                active.update(&txn).await?;
                changes.insert(name, json!({"before": row.value, "after": value}));
            }
            (None, Some(value)) => {
                order_admin_field::ActiveModel {
                    order_id: Set(order_id),
                    name: Set(name.clone()),
                    value: Set(value.clone()),
                    updated_at: Set(db::now()),
                    ..Default::default()
                }
                .insert(&txn)
                .await?;
                changes.insert(name, json!({"before": null, "after": value}));
            }
            // Unchanged, or removing a field that is not there.
            _ => {}
        }
    }
    if !changes.is_empty() {
        edit.mark_changed();
        edit.event(OrderEventKind::AdminFieldsUpdated).data = Some(json!({ "changes": changes }));
    }
    let saved = edit.finish().await?;
    txn.commit().await?;
    Ok(saved)
}
