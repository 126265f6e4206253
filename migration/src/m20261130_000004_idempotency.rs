//! Idempotency keys: one row per (caller, key), written when a mutation with a
//! key starts, marked in the mutation's own transaction when it commits, and
//! holding the response once there is one, so a retry gets that response.

use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261130_000004_idempotency"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(IdempotencyKeys::Table)
                    .col(big_pk_auto(IdempotencyKeys::Id))
                    // The caller (`role:subject`): one tenant never sees
                    // another's response.
                    .col(text(IdempotencyKeys::Scope))
                    .col(text(IdempotencyKeys::Key))
                    // SHA-256 of the operation, its name and its variables.
                    .col(text(IdempotencyKeys::RequestHash))
                    // running | committed | done
                    .col(string(IdempotencyKeys::State))
                    .col(text_null(IdempotencyKeys::Response))
                    // The order the mutation's transaction changed: what a
                    // retry answers with when the response itself was lost.
                    .col(big_integer_null(IdempotencyKeys::OrderId))
                    .col(timestamp_with_time_zone(IdempotencyKeys::LeaseUntil))
                    .col(timestamp_with_time_zone(IdempotencyKeys::CreatedAt))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idempotency_keys_scope_key")
                    .table(IdempotencyKeys::Table)
                    .col(IdempotencyKeys::Scope)
                    .col(IdempotencyKeys::Key)
                    .unique()
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idempotency_keys_created_at")
                    .table(IdempotencyKeys::Table)
                    .col(IdempotencyKeys::CreatedAt)
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(IdempotencyKeys::Table).take())
            .await
    }
}

#[derive(DeriveIden)]
enum IdempotencyKeys {
    Table,
    Id,
    Scope,
    Key,
    RequestHash,
    State,
    Response,
    OrderId,
    LeaseUntil,
    CreatedAt,
}
