//! importOrders (seed 004): up to 1,000 orders in one call, each validated on
//! its own. Existing orders are never changed: an order whose (source,
//! externalId) or (source, reference) is taken is a DUPLICATE. Writes are
//! batched (one statement per kind of row and chunk), not one per order.

use std::collections::{HashMap, HashSet};

use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, TryInsertResult,
};

use super::create::reserve_numbers;
use super::draft::{Defaults, NewOrder};
use super::inputs::ImportOrdersInput;
use crate::customers::service::{CustomerRef, save_address};
use crate::db::{self, Db};
use crate::entities::{customer, order};
use crate::error::{AppError, AppResult, FieldError};
use crate::events::{self, NewEvent, OrderEventKind};
use crate::lines::draft::catalog_for;
use crate::lines::service::insert_line_rows;

/// Most orders one import may hold.
pub const MAX_IMPORT: usize = 1_000;
/// Rows per multi-row statement: keeps every statement far below both
/// backends' bind-parameter limits.
const CHUNK: usize = 200;

/// What became of one imported order.
#[derive(async_graphql::Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum ImportResultStatus {
    /// Created.
    Imported,
    /// Already known by (source, externalId) or (source, reference); unchanged.
    Duplicate,
    /// Not imported: see `errors`.
    Invalid,
}

/// The outcome for one input order, in input order.
#[derive(Clone, Debug)]
pub struct ImportOutcome {
    pub external_id: Option<String>,
    pub status: ImportResultStatus,
    pub order_id: Option<i64>,
    pub errors: Vec<String>,
}

fn invalid(external_id: &str, errors: Vec<FieldError>) -> ImportOutcome {
    ImportOutcome {
        external_id: Some(external_id.to_owned()),
        status: ImportResultStatus::Invalid,
        order_id: None,
        errors: errors
            .into_iter()
            .map(|e| format!("{}: {}", e.path, e.message))
            .collect(),
    }
}

fn duplicate(external_id: &str, order_id: Option<i64>) -> ImportOutcome {
    ImportOutcome {
        external_id: Some(external_id.to_owned()),
        status: ImportResultStatus::Duplicate,
        order_id,
        errors: Vec::new(),
    }
}

/// Imports `input`; one outcome per input order, in input order.
#[tracing::instrument(name = "orders.import", skip_all, fields(import.orders = input.orders.len()))]
pub async fn import(
    db: &Db,
    defaults: Defaults<'_>,
    actor: &str,
    input: ImportOrdersInput,
) -> AppResult<Vec<ImportOutcome>> {
    let source = input.source.trim().to_owned();
    let mut errors = Vec::new();
    if source.is_empty() {
        errors.push(FieldError::new("source", "must not be empty"));
    }
    if input.orders.len() > MAX_IMPORT {
        errors.push(FieldError::new(
            "orders",
            format!(
                "an import holds at most {MAX_IMPORT} orders; this one has {}",
                input.orders.len()
            ),
        ));
    }
    if !errors.is_empty() {
        return Err(AppError::invalid(errors));
    }

    let catalog = catalog_for(
        db,
        input.orders.iter().flat_map(|o| o.lines.iter().flatten()),
    )
    .await?;
    let mut outcomes: Vec<Option<ImportOutcome>> = vec![None; input.orders.len()];
    let mut candidates: Vec<(usize, NewOrder)> = Vec::new();
    let (mut seen_external, mut seen_reference) = (HashSet::new(), HashSet::new());
    for (i, order) in input.orders.iter().enumerate() {
        let prefix = format!("orders.{i}");
        if order.source.trim() != source {
            outcomes[i] = Some(invalid(
                &order.external_id,
                vec![FieldError::new(
                    format!("{prefix}.source"),
                    "must equal the import's source",
                )],
            ));
            continue;
        }
        match NewOrder::from_upsert(order, &catalog, defaults, &prefix) {
            Err(errors) => outcomes[i] = Some(invalid(&order.external_id, errors)),
            Ok(new) => {
                let external = new.external_id.clone().unwrap_or_default();
                // A repeat inside the call is a duplicate of its first occurrence.
                let repeated = !seen_external.insert(external.clone())
                    || new
                        .reference
                        .as_ref()
                        .is_some_and(|r| !seen_reference.insert(r.clone()));
                if repeated {
                    outcomes[i] = Some(duplicate(&external, None));
                } else {
                    candidates.push((i, new));
                }
            }
        }
    }

    let txn = db.begin_write().await?;
    let known = existing_keys(&txn, &source, &candidates).await?;
    candidates.retain(|(i, new)| {
        let hit = new
            .external_id
            .as_ref()
            .and_then(|e| known.by_external.get(e))
            .or_else(|| {
                new.reference
                    .as_ref()
                    .and_then(|r| known.by_reference.get(r))
            });
        match hit {
            Some(id) => {
                outcomes[*i] = Some(duplicate(
                    new.external_id.as_deref().unwrap_or_default(),
                    Some(*id),
                ));
                false
            }
            None => true,
        }
    });

    let customers = resolve_customers(&txn, &candidates, &mut outcomes).await?;
    candidates.retain(|(i, _)| outcomes[*i].is_none());

    let numbers = reserve_numbers(&txn, candidates.len()).await?;
    let mut rows = Vec::with_capacity(candidates.len());
    for ((i, new), number) in candidates.iter().zip(numbers) {
        let customer = customers.get(i);
        let customer_id = customer.map(|c| c.id);
        // Addresses are rare in imports; they are saved one by one.
        let prefix = format!("orders.{i}");
        let shipping = match &new.shipping_address {
            Some(a) => Some(
                save_address(&txn, customer_id, a, &format!("{prefix}.shippingAddress")).await?,
            ),
            None => None,
        };
        let billing = match &new.billing_address {
            Some(a) => {
                Some(save_address(&txn, customer_id, a, &format!("{prefix}.billingAddress")).await?)
            }
            None => None,
        };
        // An address named by id adds no terms to search here: a read per
        // order is not worth it for what imports rarely send.
        rows.push(new.to_row(
            number,
            customer,
            shipping,
            billing,
            &new.inline_search_terms(),
        ));
    }

    let mut inserted: HashMap<String, order::Model> = HashMap::new();
    for chunk in rows.chunks(CHUNK) {
        // DO NOTHING without a target covers both keys: an order a concurrent
        // import created since the check above is skipped, not an error.
        let result = order::Entity::insert_many(chunk.to_vec())
            .on_conflict(OnConflict::new().do_nothing().to_owned())
            .try_insert()
            .exec_with_returning_many(&txn)
            .await?;
        if let TryInsertResult::Inserted(models) = result {
            inserted.extend(
                models
                    .into_iter()
                    .map(|o| (o.external_id.clone().unwrap_or_default(), o)),
            );
        }
    }

    let mut line_rows = Vec::new();
    let mut events = Vec::new();
    for (i, new) in &candidates {
        let external = new.external_id.clone().unwrap_or_default();
        let Some(order) = inserted.get(&external) else {
            outcomes[*i] = Some(duplicate(&external, None));
            continue;
        };
        for (position, line) in new.lines.iter().enumerate() {
            let address = match &line.address {
                Some(a) => Some(
                    save_address(
                        &txn,
                        order.customer_id,
                        a,
                        &format!("orders.{i}.lines.{position}.address"),
                    )
                    .await?,
                ),
                None => None,
            };
            line_rows.push(line.to_row(
                order.id,
                i32::try_from(position).unwrap_or(i32::MAX),
                address,
            ));
        }
        let mut event = NewEvent::new(order.id, OrderEventKind::Imported, actor);
        event.to_status = Some(order.status);
        event.data =
            Some(serde_json::json!({"number": order.number, "externalId": order.external_id}));
        events.push(event);
        outcomes[*i] = Some(ImportOutcome {
            external_id: Some(external.clone()),
            status: ImportResultStatus::Imported,
            order_id: Some(order.id),
            errors: Vec::new(),
        });
    }
    insert_line_rows(&txn, line_rows).await?;
    let created: Vec<&order::Model> = inserted.values().collect();
    crate::payments::mirror::record_opening(&txn, &created, actor).await?;
    events::append(&txn, events).await?;
    txn.commit().await?;

    Ok(outcomes
        .into_iter()
        .zip(&input.orders)
        .map(|(outcome, order)| outcome.unwrap_or_else(|| duplicate(&order.external_id, None)))
        .collect())
}

struct KnownKeys {
    by_external: HashMap<String, i64>,
    by_reference: HashMap<String, i64>,
}

/// Orders of `source` that already hold one of the candidates' keys.
async fn existing_keys<C: ConnectionTrait>(
    conn: &C,
    source: &str,
    candidates: &[(usize, NewOrder)],
) -> AppResult<KnownKeys> {
    let mut known = KnownKeys {
        by_external: HashMap::new(),
        by_reference: HashMap::new(),
    };
    for chunk in candidates.chunks(CHUNK) {
        let externals = chunk.iter().filter_map(|(_, n)| n.external_id.clone());
        let references: Vec<String> = chunk
            .iter()
            .filter_map(|(_, n)| n.reference.clone())
            .collect();
        let mut keys = Condition::any().add(order::Column::ExternalId.is_in(externals));
        if !references.is_empty() {
            keys = keys.add(order::Column::Reference.is_in(references));
        }
        let rows = order::Entity::find()
            .filter(order::Column::Source.eq(source))
            .filter(keys)
            .all(conn)
            .await?;
        for row in rows {
            if let Some(external) = row.external_id {
                known.by_external.insert(external, row.id);
            }
            if let Some(reference) = row.reference {
                known.by_reference.insert(reference, row.id);
            }
        }
    }
    Ok(known)
}

/// Finds or creates every candidate's customer with a few statements in all.
/// A candidate naming an unknown customer id becomes INVALID.
async fn resolve_customers<C: ConnectionTrait>(
    conn: &C,
    candidates: &[(usize, NewOrder)],
    outcomes: &mut [Option<ImportOutcome>],
) -> AppResult<HashMap<usize, customer::Model>> {
    let refs: Vec<(usize, &CustomerRef, &NewOrder)> = candidates
        .iter()
        .filter(|(_, n)| !n.customer.is_empty())
        .map(|(i, n)| (*i, &n.customer, n))
        .collect();
    if refs.is_empty() {
        return Ok(HashMap::new());
    }
    let now = db::now();
    let mut creatable: Vec<customer::ActiveModel> = Vec::new();
    let mut seen = HashSet::new();
    for (_, r, _) in &refs {
        if r.id.is_none() && seen.insert((r.external_id.clone(), r.email.clone())) {
            creatable.push(customer::ActiveModel {
                external_id: sea_orm::ActiveValue::Set(r.external_id.clone()),
                email: sea_orm::ActiveValue::Set(r.email.clone()),
                name: sea_orm::ActiveValue::Set(r.name.clone()),
                created_at: sea_orm::ActiveValue::Set(now),
                updated_at: sea_orm::ActiveValue::Set(now),
                ..Default::default()
            });
        }
    }
    for chunk in creatable.chunks(CHUNK) {
        // Known customers (either key taken) are simply not inserted again.
        customer::Entity::insert_many(chunk.to_vec())
            .on_conflict(OnConflict::new().do_nothing().to_owned())
            .try_insert()
            .exec_without_returning(conn)
            .await?;
    }
    let ids: Vec<i64> = refs.iter().filter_map(|(_, r, _)| r.id).collect();
    let externals: Vec<String> = refs
        .iter()
        .filter_map(|(_, r, _)| r.external_id.clone())
        .collect();
    let emails: Vec<String> = refs
        .iter()
        .filter_map(|(_, r, _)| r.email.clone())
        .collect();
    let mut rows = Vec::new();
    let chunks = ids
        .len()
        .max(externals.len())
        .max(emails.len())
        .div_ceil(CHUNK);
    for c in 0..chunks {
        let (ids, externals, emails) = (part(&ids, c), part(&externals, c), part(&emails, c));
        rows.extend(
            customer::Entity::find()
                .filter(
                    Condition::any()
                        .add(customer::Column::Id.is_in(ids.iter().copied()))
                        .add(customer::Column::ExternalId.is_in(externals.iter().cloned()))
                        .add(customer::Column::Email.is_in(emails.iter().cloned())),
                )
                // Held until commit, so a deleteCustomer waits for these
                // orders (and then archives) instead of failing them.
                .lock_shared()
                .all(conn)
                .await?,
        );
    }
    let by_id: HashMap<i64, &customer::Model> = rows.iter().map(|c| (c.id, c)).collect();
    let by_external: HashMap<&str, &customer::Model> = rows
        .iter()
        .filter_map(|c| c.external_id.as_deref().map(|e| (e, c)))
        .collect();
    let by_email: HashMap<&str, &customer::Model> = rows
        .iter()
        .filter_map(|c| c.email.as_deref().map(|e| (e, c)))
        .collect();

    let mut resolved = HashMap::new();
    for (i, r, new) in refs {
        let found = match r.id {
            Some(id) => by_id.get(&id),
            None => r
                .external_id
                .as_deref()
                .and_then(|e| by_external.get(e))
                .or_else(|| r.email.as_deref().and_then(|e| by_email.get(e))),
        };
        match found {
            Some(customer) => {
                resolved.insert(i, (*customer).clone());
            }
            None => {
                outcomes[i] = Some(invalid(
                    new.external_id.as_deref().unwrap_or_default(),
                    vec![FieldError::new(
                        format!("orders.{i}.customerId"),
                        "no customer with this id",
                    )],
                ));
            }
        }
    }
    Ok(resolved)
}

/// The `c`-th chunk of `items` (empty past the end), so lookups of several
/// key lists stay small and aligned.
fn part<T>(items: &[T], c: usize) -> &[T] {
    let start = (c * CHUNK).min(items.len());
    let end = ((c + 1) * CHUNK).min(items.len());
    &items[start..end]
}
