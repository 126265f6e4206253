//! Catalogue persistence: upsert by code, search, and the batched lookups the
//! order write path resolves lines with.

use std::collections::HashMap;

use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, ExprTrait, Func, OnConflict};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use super::inputs::ProductInput;
use crate::db::contains_pattern;
use crate::db::{self, Db};
use crate::entities::product;
use crate::error::{AppError, AppResult, FieldError};
use crate::money::Money;
use crate::validate::{MAX_SHORT, check_len, check_percentage};

/// Creates a product or replaces the one with the same code.
#[tracing::instrument(name = "catalog.upsert", skip_all)]
pub async fn upsert(db: &Db, input: ProductInput) -> AppResult<product::Model> {
    let mut errors = Vec::new();
    let code = input.code.trim().to_owned();
    if code.is_empty() {
        errors.push(FieldError::new("code", "must not be empty"));
    }
    if input.name.trim().is_empty() {
        errors.push(FieldError::new("name", "must not be empty"));
    }
    if input.price < Money::ZERO {
        errors.push(FieldError::new("price", "must not be negative"));
    }
    check_percentage(input.vat_percentage, "vatPercentage", &mut errors);
    check_len(Some(&code), MAX_SHORT, "code", &mut errors);
    check_len(Some(&input.name), MAX_SHORT, "name", &mut errors);
    if let Some(custom) = &input.custom
        && !custom.0.is_object()
    {
        errors.push(FieldError::new(
            "custom",
            "must be an object of key/value pairs",
        ));
    }
    if !errors.is_empty() {
        return Err(AppError::invalid(errors));
    }
    let now = db::now();
    let row = product::ActiveModel {
        code: Set(code.clone()),
        name: Set(input.name.trim().to_owned()),
        price: Set(input.price),
        vat_percentage: Set(input.vat_percentage.unwrap_or_default()),
        external_id: Set(input.external_id),
        ean13: Set(input.ean13),
        sku: Set(input.sku),
        mpn: Set(input.mpn),
        upc: Set(input.upc),
        brand: Set(input.brand),
        category: Set(input.category),
        supplier: Set(input.supplier),
        image_url: Set(input.image_url),
        url: Set(input.url),
        custom: Set(input.custom.map(|c| c.0)),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    use product::Column as C;
    // One statement decides between insert and update, so concurrent upserts of
    // one code never collide.
    let on_conflict = OnConflict::column(C::Code)
        .update_columns([
            C::Name,
            C::Price,
            C::VatPercentage,
            C::ExternalId,
            C::Ean13,
            C::Sku,
            C::Mpn,
            C::Upc,
            C::Brand,
            C::Category,
            C::Supplier,
            C::ImageUrl,
            C::Url,
            C::Custom,
            C::UpdatedAt,
        ])
        .to_owned();
    let txn = db.begin_write().await?;
    product::Entity::insert(row)
        .on_conflict(on_conflict)
        .exec_without_returning(&txn)
        .await?;
    let saved = product::Entity::find()
        .filter(C::Code.eq(code))
        .one(&txn)
        .await?
        .ok_or_else(|| {
            AppError::internal(sea_orm::DbErr::RecordNotFound(
                "product after upsert".into(),
            ))
        })?;
    txn.commit().await?;
    Ok(saved)
}

/// Products whose code or name contains `search` (any case), by code; at most
/// `first` (1–100, default 20).
pub async fn search(
    db: &Db,
    search: Option<String>,
    first: Option<i32>,
) -> AppResult<Vec<product::Model>> {
    let limit = match first {
        None => 20,
        Some(n) if (1..=100).contains(&n) => n as u64,
        Some(_) => {
            return Err(AppError::invalid_field(
                "first",
                "must be between 1 and 100",
            ));
        }
    };
    if search
        .as_ref()
        .is_some_and(|s| s.chars().count() > crate::validate::MAX_SEARCH_CHARS)
    {
        return Err(AppError::invalid_field(
            "search",
            format!("at most {} characters", crate::validate::MAX_SEARCH_CHARS),
        ));
    }
    let mut query = product::Entity::find()
        .order_by_asc(product::Column::Code)
        .limit(limit);
    if let Some(term) = search
        .map(|s| s.trim().to_lowercase())
        .filter(|s| !s.is_empty())
    {
        query = query.filter(
            Condition::any()
                .add(
                    Expr::expr(Func::lower(Expr::col(product::Column::Code)))
                        .like(contains_pattern(&term)),
                )
                .add(
                    Expr::expr(Func::lower(Expr::col(product::Column::Name)))
                        .like(contains_pattern(&term)),
                ),
        );
    }
    Ok(query.all(db).await?)
}

/// The catalogue rows the lines of one request name, read in one query and
/// kept by id and by code.
#[derive(Default)]
pub struct Catalog {
    by_id: HashMap<i64, product::Model>,
    by_code: HashMap<String, product::Model>,
}

impl Catalog {
    /// Reads every product with one of these ids or codes.
    pub async fn load<C: ConnectionTrait>(
        conn: &C,
        mut ids: Vec<i64>,
        mut codes: Vec<String>,
    ) -> AppResult<Catalog> {
        ids.sort_unstable();
        ids.dedup();
        codes.sort_unstable();
        codes.dedup();
        if ids.is_empty() && codes.is_empty() {
            return Ok(Catalog::default());
        }
        let rows = product::Entity::find()
            .filter(
                Condition::any()
                    .add(product::Column::Id.is_in(ids))
                    .add(product::Column::Code.is_in(codes)),
            )
            .all(conn)
            .await?;
        Ok(Catalog {
            by_id: rows.iter().map(|p| (p.id, p.clone())).collect(),
            by_code: rows.into_iter().map(|p| (p.code.clone(), p)).collect(),
        })
    }

    /// The product with this id, if it was asked for and exists.
    pub fn by_id(&self, id: i64) -> Option<&product::Model> {
        self.by_id.get(&id)
    }

    /// The product with this code, if it was asked for and exists.
    pub fn by_code(&self, code: &str) -> Option<&product::Model> {
        self.by_code.get(code)
    }
}
