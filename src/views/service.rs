//! Saved views: who sees and changes one, creating, changing and deleting
//! them (each in one write transaction, the view row locked before its owner
//! is checked), and reading one back as the filter and sort `orders` runs.
//! A name is unique per owner: the unique index decides, never a read.

use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use super::inputs::{SavedViewInput, UpdateSavedViewInput, from_json, to_json};
use crate::auth::{Principal, Role};
use crate::db::{self, Db};
use crate::entities::saved_view;
use crate::error::{AppError, AppResult, FieldError, is_unique_violation};
use crate::orders::inputs::{OrderFilter, OrderOrderBy};
use crate::orders::listing;

/// The longest view name, in characters.
pub const MAX_NAME_CHARS: usize = 100;
/// The most sort keys a view keeps.
pub const MAX_SORT_KEYS: usize = 10;

/// Whether `actor` sees `view`: staff and admins see their own and the
/// shared ones; admins every one (they may change any).
pub fn visible(actor: &Principal, view: &saved_view::Model) -> bool {
    actor.policy().sees_saved_views()
        && (actor.role == Role::Admin || view.shared || view.owner == actor.subject)
}

/// Whether `actor` may change or delete `view`: its owner and admins.
pub fn may_change(actor: &Principal, view: &saved_view::Model) -> bool {
    actor.role == Role::Admin || (actor.role == Role::Staff && view.owner == actor.subject)
}

fn not_found(id: i64) -> AppError {
    AppError::NotFound(format!("No saved view with id {id}"))
}

/// The views `actor` lists: their own and the shared ones, by name.
pub async fn list(db: &Db, actor: &Principal) -> AppResult<Vec<saved_view::Model>> {
    Ok(saved_view::Entity::find()
        .filter(
            Condition::any()
                .add(saved_view::Column::Owner.eq(actor.subject.as_str()))
                .add(saved_view::Column::Shared.eq(true)),
        )
        .order_by_asc(saved_view::Column::Name)
        .order_by_asc(saved_view::Column::Id)
        .all(db)
        .await?)
}

fn check_name(raw: &str, path: &str, errors: &mut Vec<FieldError>) -> String {
    let name = raw.trim().to_owned();
    let chars = name.chars().count();
    if chars == 0 {
        errors.push(FieldError::new(path, "must not be empty"));
    } else if chars > MAX_NAME_CHARS {
        errors.push(FieldError::new(
            path,
            format!("must be at most {MAX_NAME_CHARS} characters"),
        ));
    }
    name
}

/// Checks a filter as `orders` would run it, reporting its problems under
/// `path` (`input.filter.ids.0`).
fn check_filter(filter: &OrderFilter, path: &str, errors: &mut Vec<FieldError>) {
    if let Err(AppError::BadUserInput { fields, .. }) = listing::condition(filter) {
        for field in fields {
            let rest = field
                .path
                .strip_prefix("filter")
                .unwrap_or(&field.path)
                .to_owned();
            errors.push(FieldError::new(format!("{path}{rest}"), field.message));
        }
    }
}

fn check_sort(order_by: &[OrderOrderBy], path: &str, errors: &mut Vec<FieldError>) {
    if order_by.len() > MAX_SORT_KEYS {
        errors.push(FieldError::new(
            path,
            format!("at most {MAX_SORT_KEYS} sort keys"),
        ));
    }
}

fn name_taken(name: &str) -> AppError {
    AppError::Conflict {
        message: format!("input.name: the owner already has a saved view named \"{name}\""),
        current_version: None,
    }
}

fn saved(result: Result<saved_view::Model, DbErr>, name: &str) -> AppResult<saved_view::Model> {
    match result {
        Ok(view) => Ok(view),
        Err(err) if is_unique_violation(&err) => Err(name_taken(name)),
        Err(err) => Err(err.into()),
    }
}

/// Saves a new view owned by `actor`.
#[tracing::instrument(name = "views.create", skip_all)]
pub async fn create(
    db: &Db,
    actor: &Principal,
    input: SavedViewInput,
) -> AppResult<saved_view::Model> {
    let mut errors = Vec::new();
    let name = check_name(&input.name, "input.name", &mut errors);
    let filter = input.filter.unwrap_or_default();
    check_filter(&filter, "input.filter", &mut errors);
    let order_by = input.order_by.unwrap_or_default();
    check_sort(&order_by, "input.orderBy", &mut errors);
    if !errors.is_empty() {
        return Err(AppError::invalid(errors));
    }
    let now = db::now();
    let row = saved_view::ActiveModel {
        id: NotSet,
        name: Set(name.clone()),
        owner: Set(actor.subject.clone()),
        shared: Set(input.shared.unwrap_or(false)),
        filter: Set(to_json(&filter)),
        order_by: Set(to_json(&order_by)),
        created_at: Set(now),
        updated_at: Set(now),
    };
    let txn = db.begin_write().await?;
    let view = saved(row.insert(&txn).await, &name)?;
    txn.commit().await?;
    Ok(view)
}

/// Changes view `id`: its owner and admins only (FORBIDDEN for other staff
/// who see it shared; NOT_FOUND for whoever does not see it).
#[tracing::instrument(name = "views.update", skip_all, fields(view.id = id))]
pub async fn update(
    db: &Db,
    actor: &Principal,
    id: i64,
    input: UpdateSavedViewInput,
) -> AppResult<saved_view::Model> {
    let mut errors = Vec::new();
    let name = input
        .name
        .as_deref()
        .map(|n| check_name(n, "input.name", &mut errors));
    if let Some(filter) = &input.filter {
        check_filter(filter, "input.filter", &mut errors);
    }
    if let Some(order_by) = &input.order_by {
        check_sort(order_by, "input.orderBy", &mut errors);
    }
    if !errors.is_empty() {
        return Err(AppError::invalid(errors));
    }
    let txn = db.begin_write().await?;
    let view = locked(&txn, actor, id).await?;
    let mut row: saved_view::ActiveModel = view.clone().into();
    if let Some(name) = &name
        && *name != view.name
    {
        row.name = Set(name.clone());
    }
    if let Some(filter) = &input.filter {
        let json = to_json(filter);
        if json != view.filter {
            row.filter = Set(json);
        }
    }
    if let Some(order_by) = &input.order_by {
        let json = to_json(order_by);
        if json != view.order_by {
            row.order_by = Set(json);
        }
    }
    if let Some(shared) = input.shared
        && shared != view.shared
    {
        row.shared = Set(shared);
    }
    if !row.is_changed() {
        return Ok(view);
    }
    row.updated_at = Set(db::now());
    let saved = saved(
        row.update(&txn).await,
        name.as_deref().unwrap_or(&view.name),
    )?;
    txn.commit().await?;
    Ok(saved)
}

/// Deletes view `id`, under the same rules as [`update`].
#[tracing::instrument(name = "views.delete", skip_all, fields(view.id = id))]
pub async fn delete(db: &Db, actor: &Principal, id: i64) -> AppResult<()> {
    let txn = db.begin_write().await?;
    locked(&txn, actor, id).await?;
    saved_view::Entity::delete_by_id(id).exec(&txn).await?;
    txn.commit().await?;
    Ok(())
}

/// View `id`, locked for the rest of the transaction, if `actor` may change
/// it.
async fn locked(txn: &db::WriteTxn, actor: &Principal, id: i64) -> AppResult<saved_view::Model> {
    let view = saved_view::Entity::find_by_id(id)
        .lock_exclusive()
        .one(txn)
        .await?
        .filter(|v| visible(actor, v))
        .ok_or_else(|| not_found(id))?;
    if !may_change(actor, &view) {
        return Err(AppError::Forbidden(format!(
            "Only its owner ({}) or an admin may change the saved view \"{}\"",
            view.owner, view.name
        )));
    }
    Ok(view)
}

/// The filter and sort `orders(view: id)` runs, for a caller who sees the
/// view; BAD_USER_INPUT at `path` otherwise, or when what the view keeps no
/// longer fits the inputs (it was saved before they changed).
pub async fn for_listing(
    db: &Db,
    actor: &Principal,
    id: i64,
    path: &str,
) -> AppResult<(OrderFilter, Vec<OrderOrderBy>)> {
    let view = saved_view::Entity::find_by_id(id)
        .one(db)
        .await?
        .filter(|v| visible(actor, v))
        .ok_or_else(|| AppError::invalid_field(path, "no saved view with this id"))?;
    let unreadable = |what: &str, problem: String| {
        AppError::invalid_field(
            path,
            format!(
                "the saved view \"{}\" keeps a {what} that no longer fits: {problem}; update the view",
                view.name
            ),
        )
    };
    let filter = from_json::<OrderFilter>(&view.filter).map_err(|e| unreadable("filter", e))?;
    let order_by =
        from_json::<Vec<OrderOrderBy>>(&view.order_by).map_err(|e| unreadable("sort", e))?;
    Ok((filter, order_by))
}
