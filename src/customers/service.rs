//! Customer and address persistence. Customers are found or created by their
//! unique keys with insert-or-nothing followed by a read, so concurrent
//! first sightings of one customer create one row and fail no one.

use std::collections::HashMap;

use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::sea_query::{BinOper, Expr, ExprTrait, OnConflict};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

use super::inputs::{AddressInput, CustomerInput};
use crate::db::{self, Db};
use crate::entities::{addressbook, customer, order};
use crate::error::{AppError, AppResult, FieldError};
use crate::ids::{self, NodeKind};
use crate::validate::{MAX_SHORT, check_len, clean, normalize_email};

/// Stores `input` as an addressbook row of `customer_id` (or an unowned one),
/// or, when it names an `id`, checks that the address is the customer's.
/// Returns the address id. `path` names the input in errors.
pub async fn save_address<C: ConnectionTrait>(
    conn: &C,
    customer_id: Option<i64>,
    input: &AddressInput,
    path: &str,
) -> AppResult<i64> {
    if let Some(id) = &input.id {
        let id = ids::parse(id, NodeKind::Address, &format!("{path}.id"))?;
        let found = addressbook::Entity::find_by_id(id).one(conn).await?;
        return match found {
            Some(address)
                if address.customer_id.is_some() && address.customer_id == customer_id =>
            {
                Ok(id)
            }
            _ => Err(AppError::invalid_field(
                format!("{path}.id"),
                "no such address in the customer's addressbook",
            )),
        };
    }
    let row = addressbook::ActiveModel {
        id: NotSet,
        customer_id: Set(customer_id),
        name: Set(clean(&input.name)),
        first_name: Set(clean(&input.first_name)),
        last_name: Set(clean(&input.last_name)),
        company_name: Set(clean(&input.company_name)),
        address1: Set(clean(&input.address1)),
        address2: Set(clean(&input.address2)),
        postal_code: Set(clean(&input.postal_code)),
        city: Set(clean(&input.city)),
        province: Set(clean(&input.province)),
        country: Set(clean(&input.country).map(|c| c.to_ascii_uppercase())),
        phone: Set(clean(&input.phone)),
        email: Set(input.email.as_deref().and_then(normalize_email)),
        comments: Set(clean(&input.comments)),
        created_at: Set(db::now()),
    };
    Ok(row.insert(conn).await?.id)
}

/// How an order or a call names its customer.
#[derive(Clone, Debug, Default)]
pub struct CustomerRef {
    /// An existing customer's id.
    pub id: Option<i64>,
    /// Found or created by external id.
    pub external_id: Option<String>,
    /// Found or created by e-mail (already normalized).
    pub email: Option<String>,
    /// Used when the customer is created.
    pub name: Option<String>,
}

impl CustomerRef {
    /// Whether it names any customer at all.
    pub fn is_empty(&self) -> bool {
        self.id.is_none() && self.external_id.is_none() && self.email.is_none()
    }
}

/// The customer `reference` names, created on first sight when it is named by
/// external id or e-mail; `None` when it names none. An unknown `id` is a
/// BAD_USER_INPUT at `id_path`.
pub async fn resolve<C: ConnectionTrait>(
    conn: &C,
    reference: &CustomerRef,
    id_path: &str,
) -> AppResult<Option<customer::Model>> {
    if let Some(id) = reference.id {
        return match customer::Entity::find_by_id(id).one(conn).await? {
            Some(found) => Ok(Some(found)),
            None => Err(AppError::invalid_field(id_path, "no customer with this id")),
        };
    }
    if reference.is_empty() {
        return Ok(None);
    }
    Ok(Some(find_or_create(conn, reference).await?))
}

async fn find_by_keys<C: ConnectionTrait>(
    conn: &C,
    external_id: Option<&str>,
    email: Option<&str>,
) -> Result<Option<customer::Model>, DbErr> {
    if let Some(external_id) = external_id
        && let Some(found) = customer::Entity::find()
            .filter(customer::Column::ExternalId.eq(external_id))
            .one(conn)
            .await?
    {
        return Ok(Some(found));
    }
    if let Some(email) = email {
        return customer::Entity::find()
            .filter(customer::Column::Email.eq(email))
            .one(conn)
            .await;
    }
    Ok(None)
}

async fn find_or_create<C: ConnectionTrait>(
    conn: &C,
    reference: &CustomerRef,
) -> Result<customer::Model, DbErr> {
    let (external_id, email) = (reference.external_id.as_deref(), reference.email.as_deref());
    if let Some(found) = find_by_keys(conn, external_id, email).await? {
        return Ok(found);
    }
    let now = db::now();
    let row = customer::ActiveModel {
        external_id: Set(reference.external_id.clone()),
        email: Set(reference.email.clone()),
        name: Set(reference.name.clone()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    // A concurrent first sighting may win the race: then nothing is inserted
    // here and the read below finds the winner's row.
    customer::Entity::insert(row)
        .on_conflict(OnConflict::new().do_nothing().to_owned())
        .exec_without_returning(conn)
        .await?;
    find_by_keys(conn, external_id, email)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("customer after insert".into()))
}

/// Creates or updates a customer, keyed by external id, else e-mail.
#[tracing::instrument(name = "customers.upsert", skip_all)]
pub async fn upsert(db: &Db, input: CustomerInput) -> AppResult<customer::Model> {
    let mut errors = Vec::new();
    let external_id = clean(&input.external_id);
    let email = match clean(&input.email) {
        Some(raw) => match normalize_email(&raw) {
            Some(email) => Some(email),
            None => {
                errors.push(FieldError::new("email", "is not an e-mail address"));
                None
            }
        },
        None => None,
    };
    if external_id.is_none() && input.email.as_deref().is_none_or(|e| e.trim().is_empty()) {
        errors.push(FieldError::new(
            "externalId",
            "give an externalId or an email to identify the customer",
        ));
    }
    check_len(external_id.as_deref(), MAX_SHORT, "externalId", &mut errors);
    check_len(input.name.as_deref(), MAX_SHORT, "name", &mut errors);
    check_len(
        input.company_name.as_deref(),
        MAX_SHORT,
        "companyName",
        &mut errors,
    );
    check_len(input.phone.as_deref(), MAX_SHORT, "phone", &mut errors);
    check_len(
        input.reference_code.as_deref(),
        MAX_SHORT,
        "referenceCode",
        &mut errors,
    );
    if !errors.is_empty() {
        return Err(AppError::invalid(errors));
    }

    let txn = db.begin_write().await?;
    let reference = CustomerRef {
        id: None,
        external_id: external_id.clone(),
        email: email.clone(),
        name: clean(&input.name),
    };
    let existing = find_or_create(&txn, &reference).await?;
    let mut row: customer::ActiveModel = existing.clone().into();
    let new_external_id = external_id
        .clone()
        .filter(|_| existing.external_id != external_id);
    if let Some(id) = &new_external_id {
        row.external_id = Set(Some(id.clone()));
    }
    if email.is_some() && existing.email != email {
        row.email = Set(email);
    }
    for (value, field) in [
        (clean(&input.name), &mut row.name),
        (clean(&input.company_name), &mut row.company_name),
        (clean(&input.phone), &mut row.phone),
        (clean(&input.reference_code), &mut row.reference_code),
    ] {
        if value.is_some() {
            *field = Set(value);
        }
    }
    let saved = if row.is_changed() {
        row.updated_at = Set(db::now());
        match row.update(&txn).await {
            Ok(saved) => saved,
            Err(err) if crate::error::is_unique_violation(&err) => {
                return Err(AppError::Conflict {
                    message: "email: another customer already has this e-mail address".into(),
                    current_version: None,
                });
            }
            Err(err) => return Err(err.into()),
        }
    } else {
        existing
    };
    if let Some(id) = new_external_id {
        // Order search finds orders by their customer's external id (seed
        // 002's customer_id); the old id stays findable, which is harmless.
        order::Entity::update_many()
            .col_expr(
                order::Column::SearchText,
                Expr::col(order::Column::SearchText).binary(
                    BinOper::Custom("||"),
                    Expr::val(format!(" {}", id.to_lowercase())),
                ),
            )
            .filter(order::Column::CustomerId.eq(saved.id))
            .exec(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok(saved)
}

/// A customer by id.
pub async fn get(db: &Db, id: i64) -> AppResult<Option<customer::Model>> {
    Ok(customer::Entity::find_by_id(id).one(db).await?)
}

/// Customers by id, for answers that show several orders' customers.
pub async fn get_many(
    db: &Db,
    ids: impl IntoIterator<Item = i64>,
) -> AppResult<HashMap<i64, customer::Model>> {
    let ids: Vec<i64> = ids.into_iter().collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = customer::Entity::find()
        .filter(customer::Column::Id.is_in(ids))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|c| (c.id, c)).collect())
}

/// An address by id. Access checks are the caller's.
pub async fn address(db: &Db, id: i64) -> AppResult<Option<addressbook::Model>> {
    Ok(addressbook::Entity::find_by_id(id).one(db).await?)
}

/// Saves a new address in a customer's addressbook.
pub async fn add_address(
    db: &Db,
    customer_id: i64,
    input: AddressInput,
) -> AppResult<addressbook::Model> {
    let mut errors = Vec::new();
    if input.id.is_some() {
        errors.push(FieldError::new(
            "input.id",
            "a new address cannot name an id",
        ));
    } else {
        input.validate("input", &mut errors);
    }
    if !errors.is_empty() {
        return Err(AppError::invalid(errors));
    }
    let txn = db.begin_write().await?;
    if customer::Entity::find_by_id(customer_id)
        .one(&txn)
        .await?
        .is_none()
    {
        return Err(AppError::NotFound(format!(
            "No customer with id {customer_id}"
        )));
    }
    let id = save_address(&txn, Some(customer_id), &input, "input").await?;
    let saved = addressbook::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::internal(DbErr::RecordNotFound("address after insert".into())))?;
    txn.commit().await?;
    Ok(saved)
}
