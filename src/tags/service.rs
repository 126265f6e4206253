//! Tag rules and writes: a tag is trimmed, its inner whitespace collapsed, at
//! most [`MAX_TAG_CHARS`] characters without commas or control characters,
//! and unique per order regardless of case (the first spelling stays). Adding
//! and removing run through [`OrderEdit`], so the order lock orders concurrent
//! changes, the per-order limit holds, and TAGS_UPDATED is written with them.

use std::collections::HashSet;

use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter};
use serde_json::json;

use crate::auth::Principal;
use crate::db::{self, Db};
use crate::entities::{order, order_tag};
use crate::error::{AppError, AppResult, FieldError};
use crate::events::OrderEventKind;
use crate::orders::edit::OrderEdit;

/// The longest tag, in characters (Shopify's limit).
pub const MAX_TAG_CHARS: usize = 40;
/// The most tags one order may have.
pub const MAX_TAGS_PER_ORDER: usize = 250;
/// The most tags one call or filter may name.
pub const MAX_TAGS_PER_CALL: usize = 100;

/// A normalised tag: as it is shown, and the key it is unique and found by.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tag {
    pub display: String,
    pub key: String,
}

/// The tag `raw` stands for, or what is wrong with it.
pub fn normalize(raw: &str) -> Result<Tag, String> {
    let display = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    if display.is_empty() {
        return Err("must not be empty".into());
    }
    if display.chars().count() > MAX_TAG_CHARS {
        return Err(format!("must be at most {MAX_TAG_CHARS} characters"));
    }
    // Commas separate tags wherever tags travel as one text (Shopify, CSV).
    if display.contains(',') {
        return Err("must not contain a comma".into());
    }
    if display.chars().any(char::is_control) {
        return Err("must not contain control characters".into());
    }
    let key = display.to_lowercase();
    Ok(Tag { display, key })
}

/// `raw` normalised, each problem reported at `path.i`; repeats (by key)
/// are dropped, the first spelling kept.
pub fn normalize_all(raw: &[String], path: &str, errors: &mut Vec<FieldError>) -> Vec<Tag> {
    if raw.len() > MAX_TAGS_PER_CALL {
        errors.push(FieldError::new(
            path,
            format!("at most {MAX_TAGS_PER_CALL} tags at a time"),
        ));
        return Vec::new();
    }
    let mut seen = HashSet::new();
    let mut tags = Vec::new();
    for (i, raw) in raw.iter().enumerate() {
        match normalize(raw) {
            Ok(tag) => {
                if seen.insert(tag.key.clone()) {
                    tags.push(tag);
                }
            }
            Err(message) => errors.push(FieldError::new(format!("{path}.{i}"), message)),
        }
    }
    tags
}

/// The orders with at least one of `keys` (`any`) or with all of them.
pub fn condition(keys: &[String], all: bool) -> Condition {
    let mut sub = Query::select();
    sub.column(order_tag::Column::OrderId)
        .from(order_tag::Entity)
        .and_where(order_tag::Column::TagKey.is_in(keys.iter().cloned()));
    if all {
        // (order_id, tag_key) is unique, so the count is of distinct keys.
        let n = i64::try_from(keys.len()).unwrap_or(i64::MAX);
        sub.group_by_col(order_tag::Column::OrderId)
            .and_having(Expr::col(order_tag::Column::Id).count().eq(n));
    }
    Condition::all().add(order::Column::Id.in_subquery(sub.to_owned()))
}

/// The filter on `tagsAny` / `tagsAll` (`path` names the field), added to
/// `cond`. An empty `tagsAny` matches no order; an empty `tagsAll` every one.
pub fn filter(
    cond: Condition,
    raw: Option<&[String]>,
    all: bool,
    path: &str,
    errors: &mut Vec<FieldError>,
) -> Condition {
    let Some(raw) = raw else {
        return cond;
    };
    let keys: Vec<String> = normalize_all(raw, path, errors)
        .into_iter()
        .map(|t| t.key)
        .collect();
    match (keys.is_empty(), all) {
        (true, true) => cond,
        (true, false) => cond.add(Expr::val(1).eq(0)),
        (false, _) => cond.add(condition(&keys, all)),
    }
}

fn displays(rows: &[order_tag::Model]) -> Vec<String> {
    rows.iter().map(|r| r.tag.clone()).collect()
}

/// Adds `tags` to order `order_id`; tags it has already (in any case) are
/// left as they are. Nothing new: nothing written.
#[tracing::instrument(name = "tags.add", skip_all, fields(order.id = order_id))]
pub async fn add(
    db: &Db,
    actor: &Principal,
    order_id: i64,
    tags: Vec<String>,
    expected_version: Option<i32>,
) -> AppResult<order::Model> {
    change(db, actor, order_id, tags, expected_version, true).await
}

/// Removes `tags` (in any case) from order `order_id`; tags it does not have
/// are ignored. Nothing removed: nothing written.
#[tracing::instrument(name = "tags.remove", skip_all, fields(order.id = order_id))]
pub async fn remove(
    db: &Db,
    actor: &Principal,
    order_id: i64,
    tags: Vec<String>,
    expected_version: Option<i32>,
) -> AppResult<order::Model> {
    change(db, actor, order_id, tags, expected_version, false).await
}

async fn change(
    db: &Db,
    actor: &Principal,
    order_id: i64,
    raw: Vec<String>,
    expected_version: Option<i32>,
    adding: bool,
) -> AppResult<order::Model> {
    let mut errors = Vec::new();
    if raw.is_empty() {
        errors.push(FieldError::new("tags", "name at least one tag"));
    }
    let tags = normalize_all(&raw, "tags", &mut errors);
    if !errors.is_empty() {
        return Err(AppError::invalid(errors));
    }

    let txn = db.begin_write().await?;
    let mut edit = OrderEdit::begin(&txn, order_id, expected_version, actor).await?;
    let mut before = order_tag::Entity::find()
        .filter(order_tag::Column::OrderId.eq(order_id))
        .all(&txn)
        .await?;
    before.sort_by(|a, b| a.tag_key.cmp(&b.tag_key));
    let have: HashSet<&str> = before.iter().map(|r| r.tag_key.as_str()).collect();
    let (added, removed): (Vec<Tag>, Vec<&order_tag::Model>) = if adding {
        let new: Vec<Tag> = tags
            .into_iter()
            .filter(|t| !have.contains(t.key.as_str()))
            .collect();
        if before.len() + new.len() > MAX_TAGS_PER_ORDER {
            return Err(AppError::invalid_field(
                "tags",
                format!(
                    "an order has at most {MAX_TAGS_PER_ORDER} tags; this one has {} and would get {} more",
                    before.len(),
                    new.len()
                ),
            ));
        }
        (new, Vec::new())
    } else {
        let keys: HashSet<&str> = tags.iter().map(|t| t.key.as_str()).collect();
        let gone = before
            .iter()
            .filter(|r| keys.contains(r.tag_key.as_str()))
            .collect();
        (Vec::new(), gone)
    };
    if !added.is_empty() {
        let now = db::now();
        order_tag::Entity::insert_many(added.iter().map(|t| order_tag::ActiveModel {
            id: NotSet,
            order_id: Set(order_id),
            tag: Set(t.display.clone()),
            tag_key: Set(t.key.clone()),
            created_at: Set(now),
        }))
        .exec_without_returning(&txn)
        .await?;
    }
    if !removed.is_empty() {
        order_tag::Entity::delete_many()
            .filter(order_tag::Column::Id.is_in(removed.iter().map(|r| r.id)))
            .exec(&txn)
            .await?;
    }
    if !added.is_empty() || !removed.is_empty() {
        record(&mut edit, &before, &added, &removed);
    }
    let saved = edit.finish().await?;
    txn.commit().await?;
    Ok(saved)
}

/// Notes the change on the edit: the version grows and TAGS_UPDATED says
/// what was added and removed, with the tags before and after.
fn record(
    edit: &mut OrderEdit<'_>,
    before: &[order_tag::Model],
    added: &[Tag],
    removed: &[&order_tag::Model],
) {
    let gone: HashSet<i64> = removed.iter().map(|r| r.id).collect();
    let mut after: Vec<(String, String)> = before
        .iter()
        .filter(|r| !gone.contains(&r.id))
        .map(|r| (r.tag_key.clone(), r.tag.clone()))
        .chain(added.iter().map(|t| (t.key.clone(), t.display.clone())))
        .collect();
    after.sort();
    edit.mark_changed();
    edit.event(OrderEventKind::TagsUpdated).data = Some(json!({
        "added": added.iter().map(|t| &t.display).collect::<Vec<_>>(),
        "removed": removed.iter().map(|r| &r.tag).collect::<Vec<_>>(),
        "tags": {
            "before": displays(before),
            "after": after.into_iter().map(|(_, display)| display).collect::<Vec<_>>(),
        },
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_trimmed_collapsed_and_keyed_case_insensitively() {
        let tag = normalize("  Big \t Order ").unwrap();
        assert_eq!(tag.display, "Big Order");
        assert_eq!(tag.key, "big order");
        assert_eq!(normalize("ÉTÉ").unwrap().key, "été");
    }

    #[test]
    fn empty_long_comma_and_control_tags_are_refused() {
        assert!(normalize("   ").is_err());
        assert!(normalize(&"x".repeat(MAX_TAG_CHARS + 1)).is_err());
        assert!(normalize(&"é".repeat(MAX_TAG_CHARS)).is_ok());
        assert!(normalize("a,b").is_err());
        assert!(normalize("a\u{7}b").is_err());
    }

    #[test]
    fn repeats_keep_the_first_spelling_and_problems_name_their_index() {
        let mut errors = Vec::new();
        let tags = normalize_all(
            &["VIP".into(), "vip".into(), " ".into(), "Gift".into()],
            "tags",
            &mut errors,
        );
        assert_eq!(
            tags.iter().map(|t| t.display.as_str()).collect::<Vec<_>>(),
            ["VIP", "Gift"]
        );
        assert_eq!(errors[0].path, "tags.2");
    }
}
