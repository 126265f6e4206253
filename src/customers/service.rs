//! Customer and address persistence. Customers are found or created by their
//! unique keys with insert-or-nothing followed by a read, so concurrent
//! first sightings of one customer create one row and fail no one.

use std::collections::HashMap;

use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::sea_query::{BinOper, Expr, ExprTrait, LockType, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QuerySelect,
};

use super::inputs::{AddressInput, CustomerInput, UpdateCustomerInput};
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
        return match customer::Entity::find_by_id(id)
            .lock_shared()
            .one(conn)
            .await?
        {
            Some(found) => Ok(Some(found)),
            None => Err(AppError::invalid_field(id_path, "no customer with this id")),
        };
    }
    if reference.is_empty() {
        return Ok(None);
    }
    Ok(Some(
        find_or_create(conn, reference, LockType::Share).await?,
    ))
}

/// The customer with one of these keys, locked for the rest of the
/// transaction (PostgreSQL) with `lock`: share for an order being written
/// for it, which then queues behind a `deleteCustomer` or archiving under way
/// (and they behind it) instead of failing on the foreign key or landing on
/// an archived customer; update for a caller that changes the row (two
/// sharers that both update would deadlock).
async fn find_by_keys<C: ConnectionTrait>(
    conn: &C,
    external_id: Option<&str>,
    email: Option<&str>,
    lock: LockType,
) -> Result<Option<customer::Model>, DbErr> {
    if let Some(external_id) = external_id
        && let Some(found) = customer::Entity::find()
            .filter(customer::Column::ExternalId.eq(external_id))
            .lock(lock)
            .one(conn)
            .await?
    {
        return Ok(Some(found));
    }
    if let Some(email) = email {
        return customer::Entity::find()
            .filter(customer::Column::Email.eq(email))
            .lock(lock)
            .one(conn)
            .await;
    }
    Ok(None)
}

async fn find_or_create<C: ConnectionTrait>(
    conn: &C,
    reference: &CustomerRef,
    lock: LockType,
) -> Result<customer::Model, DbErr> {
    let (external_id, email) = (reference.external_id.as_deref(), reference.email.as_deref());
    if let Some(found) = find_by_keys(conn, external_id, email, lock).await? {
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
    find_by_keys(conn, external_id, email, lock)
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
    let existing = find_or_create(&txn, &reference, LockType::Update).await?;
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
        add_search_term(&txn, saved.id, &id).await?;
    }
    txn.commit().await?;
    Ok(saved)
}

/// Makes the orders of `customer_id` findable by its new external id:
/// order search finds orders by their customer's external id (seed 002's
/// customer_id). The old id stays findable, which is harmless.
async fn add_search_term<C: ConnectionTrait>(
    conn: &C,
    customer_id: i64,
    external_id: &str,
) -> Result<(), DbErr> {
    order::Entity::update_many()
        .col_expr(
            order::Column::SearchText,
            Expr::col(order::Column::SearchText).binary(
                BinOper::Custom("||"),
                Expr::val(format!(" {}", external_id.to_lowercase())),
            ),
        )
        .filter(order::Column::CustomerId.eq(customer_id))
        .exec(conn)
        .await?;
    Ok(())
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
    // Share-locked, so a concurrent deleteCustomer waits for this address
    // (and then archives) instead of this insert failing on the foreign key.
    if customer::Entity::find_by_id(customer_id)
        .lock_shared()
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

/// Changes customer `id`. Keys stay unique (CONFLICT naming the field a
/// concurrent or existing customer holds) and the customer keeps at least
/// one of them. Archived customers may be changed too.
#[tracing::instrument(name = "customers.update", skip_all, fields(customer.id = id))]
pub async fn update(db: &Db, id: i64, input: UpdateCustomerInput) -> AppResult<customer::Model> {
    let mut errors = Vec::new();
    let given = [
        &input.external_id,
        &input.email,
        &input.name,
        &input.company_name,
        &input.phone,
        &input.reference_code,
    ];
    if given.iter().all(|v| v.is_none()) {
        errors.push(FieldError::new(
            "input",
            "name at least one field to change",
        ));
    }
    let email = match clean(&input.email) {
        Some(raw) => {
            let email = normalize_email(&raw);
            if email.is_none() {
                errors.push(FieldError::new("input.email", "is not an e-mail address"));
            }
            email
        }
        None => None,
    };
    for (value, path) in [
        (&input.external_id, "input.externalId"),
        (&input.name, "input.name"),
        (&input.company_name, "input.companyName"),
        (&input.phone, "input.phone"),
        (&input.reference_code, "input.referenceCode"),
    ] {
        check_len(value.as_deref(), MAX_SHORT, path, &mut errors);
    }
    if !errors.is_empty() {
        return Err(AppError::invalid(errors));
    }

    let txn = db.begin_write().await?;
    let existing = customer::Entity::find_by_id(id)
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("No customer with id {id}")))?;
    let mut next = existing.clone();
    if input.external_id.is_some() {
        next.external_id = clean(&input.external_id);
    }
    if input.email.is_some() {
        next.email = email;
    }
    for (value, field) in [
        (&input.name, &mut next.name),
        (&input.company_name, &mut next.company_name),
        (&input.phone, &mut next.phone),
        (&input.reference_code, &mut next.reference_code),
    ] {
        if value.is_some() {
            *field = clean(value);
        }
    }
    if next.external_id.is_none() && next.email.is_none() {
        return Err(AppError::invalid_field(
            if input.email.is_some() {
                "input.email"
            } else {
                "input.externalId"
            },
            "a customer keeps an externalId or an email (its keys); both cannot be empty",
        ));
    }
    if next == existing {
        return Ok(existing);
    }
    next.updated_at = db::now();
    let new_external_id = next
        .external_id
        .clone()
        .filter(|e| existing.external_id.as_ref() != Some(e));
    let email_changed = next.email != existing.email;
    let saved = match customer::ActiveModel::from(next)
        .reset_all()
        .update(&txn)
        .await
    {
        Ok(saved) => saved,
        Err(err) if crate::error::is_unique_violation(&err) => {
            // The one key that changed is the one taken; with both, the
            // e-mail when another customer has it.
            drop(txn);
            let field = match (&new_external_id, email_changed) {
                (Some(_), false) => "externalId",
                (None, _) => "email",
                (Some(external), true) => {
                    let holder = customer::Entity::find()
                        .filter(customer::Column::ExternalId.eq(external.as_str()))
                        .filter(customer::Column::Id.ne(id))
                        .one(db)
                        .await?;
                    if holder.is_some() {
                        "externalId"
                    } else {
                        "email"
                    }
                }
            };
            return Err(AppError::Conflict {
                message: format!("input.{field}: another customer already has it"),
                current_version: None,
            });
        }
        Err(err) => return Err(err.into()),
    };
    if let Some(external_id) = new_external_id {
        add_search_term(&txn, id, &external_id).await?;
    }
    txn.commit().await?;
    Ok(saved)
}

/// What `deleteCustomer` did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Deleted {
    /// The customer had no orders and is gone, with its addressbook.
    Deleted,
    /// The customer has orders (or its addresses are on orders): archived
    /// instead, as it now is.
    Archived(Box<customer::Model>),
}

/// Deletes customer `id`, or archives it when orders refer to it (orders
/// keep their customer and addresses). The customer row is locked first:
/// an order being written for it (which share-locks it) commits before this
/// looks, or waits and then finds the customer gone or archived.
#[tracing::instrument(name = "customers.delete", skip_all, fields(customer.id = id))]
pub async fn delete(db: &Db, id: i64) -> AppResult<Deleted> {
    let txn = db.begin_write().await?;
    let existing = customer::Entity::find_by_id(id)
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("No customer with id {id}")))?;
    let addresses = sea_orm::sea_query::Query::select()
        .column(addressbook::Column::Id)
        .from(addressbook::Entity)
        .and_where(addressbook::Column::CustomerId.eq(id))
        .to_owned();
    let orders = order::Entity::find()
        .filter(
            Condition::any()
                .add(order::Column::CustomerId.eq(id))
                .add(order::Column::ShippingAddressId.in_subquery(addresses.clone()))
                .add(order::Column::BillingAddressId.in_subquery(addresses.clone())),
        )
        .count(&txn)
        .await?;
    let lines = crate::entities::order_line::Entity::find()
        .filter(crate::entities::order_line::Column::AddressId.in_subquery(addresses))
        .count(&txn)
        .await?;
    if orders == 0 && lines == 0 {
        // The addressbook goes with it (ON DELETE CASCADE).
        customer::Entity::delete_by_id(id).exec(&txn).await?;
        txn.commit().await?;
        return Ok(Deleted::Deleted);
    }
    let archived = if existing.archived_at.is_some() {
        existing
    } else {
        let now = db::now();
        let mut row: customer::ActiveModel = existing.into();
        row.archived_at = sea_orm::ActiveValue::Set(Some(now));
        row.updated_at = sea_orm::ActiveValue::Set(now);
        row.update(&txn).await?
    };
    txn.commit().await?;
    Ok(Deleted::Archived(Box::new(archived)))
}

/// Brings an archived customer back: listed again, and it may place orders.
/// A customer that is not archived is returned as it is.
#[tracing::instrument(name = "customers.restore", skip_all, fields(customer.id = id))]
pub async fn restore(db: &Db, id: i64) -> AppResult<customer::Model> {
    let txn = db.begin_write().await?;
    let existing = customer::Entity::find_by_id(id)
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("No customer with id {id}")))?;
    if existing.archived_at.is_none() {
        return Ok(existing);
    }
    let mut row: customer::ActiveModel = existing.into();
    row.archived_at = sea_orm::ActiveValue::Set(None);
    row.updated_at = sea_orm::ActiveValue::Set(db::now());
    let saved = row.update(&txn).await?;
    txn.commit().await?;
    Ok(saved)
}
