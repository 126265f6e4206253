//! Customer and address persistence. Customers are found or created by their
//! unique keys with insert-or-nothing followed by a read, so concurrent
//! first sightings of one customer create one row and fail no one.

use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter,
};

use super::types::{AddressInput, CustomerInput};
use crate::db;
use crate::entities::{addressbook, customer};
use crate::error::{AppError, AppResult, FieldError};

/// Longest accepted short text (names, address lines).
const MAX_SHORT: usize = 255;
/// Longest accepted long text (comments).
const MAX_LONG: usize = 5_000;

/// A trimmed, lower-cased e-mail address, or `None` when it cannot be one.
pub fn normalize_email(raw: &str) -> Option<String> {
    let email = raw.trim().to_lowercase();
    let (local, domain) = email.split_once('@')?;
    let plausible = !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email.chars().any(char::is_whitespace)
        && email.len() <= MAX_SHORT;
    plausible.then_some(email)
}

/// Reports a text longer than `max` at `path`.
pub fn check_len(value: Option<&str>, max: usize, path: &str, errors: &mut Vec<FieldError>) {
    if let Some(v) = value
        && v.chars().count() > max
    {
        errors.push(FieldError::new(
            path,
            format!("must be at most {max} characters"),
        ));
    }
}

/// Checks an address input, reporting problems under `path`.
pub fn validate_address(input: &AddressInput, path: &str, errors: &mut Vec<FieldError>) {
    if let Some(id) = &input.id {
        if id.parse::<i64>().is_err() {
            errors.push(FieldError::new(
                format!("{path}.id"),
                "is not an address id",
            ));
        }
        return;
    }
    let short = [
        ("name", &input.name),
        ("firstName", &input.first_name),
        ("lastName", &input.last_name),
        ("companyName", &input.company_name),
        ("address1", &input.address1),
        ("address2", &input.address2),
        ("postalCode", &input.postal_code),
        ("city", &input.city),
        ("province", &input.province),
        ("phone", &input.phone),
        ("email", &input.email),
    ];
    for (field, value) in short {
        check_len(
            value.as_deref(),
            MAX_SHORT,
            &format!("{path}.{field}"),
            errors,
        );
    }
    check_len(
        input.comments.as_deref(),
        MAX_LONG,
        &format!("{path}.comments"),
        errors,
    );
    if let Some(country) = input.country.as_deref().map(str::trim)
        && !(country.len() == 2 && country.chars().all(|c| c.is_ascii_alphabetic()))
    {
        errors.push(FieldError::new(
            format!("{path}.country"),
            "must be a two-letter ISO 3166-1 country code, such as NL or US",
        ));
    }
    if let Some(email) = input.email.as_deref()
        && !email.trim().is_empty()
        && normalize_email(email).is_none()
    {
        errors.push(FieldError::new(
            format!("{path}.email"),
            "is not an e-mail address",
        ));
    }
    let empty =
        short.iter().all(|(_, v)| blank(v)) && blank(&input.country) && blank(&input.comments);
    if empty {
        errors.push(FieldError::new(
            path,
            "an address needs at least one field, or the id of a saved address",
        ));
    }
}

fn blank(value: &Option<String>) -> bool {
    value.as_deref().is_none_or(|v| v.trim().is_empty())
}

fn clean(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

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
        let id: i64 = id
            .parse()
            .map_err(|_| AppError::invalid_field(format!("{path}.id"), "is not an address id"))?;
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
pub async fn upsert(db: &DatabaseConnection, input: CustomerInput) -> AppResult<customer::Model> {
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
    if !errors.is_empty() {
        return Err(AppError::invalid(errors));
    }

    let txn = db::begin_write(db).await?;
    let reference = CustomerRef {
        id: None,
        external_id: external_id.clone(),
        email: email.clone(),
        name: clean(&input.name),
    };
    let existing = find_or_create(&txn, &reference).await?;
    let mut row: customer::ActiveModel = existing.clone().into();
    if external_id.is_some() && existing.external_id != external_id {
        row.external_id = Set(external_id);
    }
    if email.is_some() && existing.email != email {
        row.email = Set(email);
    }
    for (value, field) in [
        (clean(&input.name), &mut row.name),
        (clean(&input.company_name), &mut row.company_name),
        (clean(&input.phone), &mut row.phone),
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
    txn.commit().await?;
    Ok(saved)
}

/// A customer by id.
pub async fn get(db: &DatabaseConnection, id: i64) -> AppResult<Option<customer::Model>> {
    Ok(customer::Entity::find_by_id(id).one(db).await?)
}

/// Saves a new address in a customer's addressbook.
pub async fn add_address(
    db: &DatabaseConnection,
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
        validate_address(&input, "input", &mut errors);
    }
    if !errors.is_empty() {
        return Err(AppError::invalid(errors));
    }
    let txn = db::begin_write(db).await?;
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
