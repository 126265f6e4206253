//! The event log's reading order without a writer-side lock: every event
//! records the id of the transaction that wrote it (`tx`). On PostgreSQL the
//! column defaults to `pg_current_xact_id()`, and readers take only events of
//! transactions older than the oldest one still running, in `(tx, id)` order
//! (see `ordergraph::events::bus`). Events written before this migration keep
//! `tx = 0`, so they stay first, in id order. SQLite has one writer at a time:
//! its events keep `tx = 0` and are read in id order.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261130_000006_event_log_position"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(OrderEvents::Table)
                    .add_column(
                        ColumnDef::new(OrderEvents::Tx)
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .take(),
            )
            .await?;
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            // xid8 is 64 bits with the epoch, so it never wraps; bigint holds
            // it (and sorts it) as long as the cluster lives. Set after the
            // column exists, so old rows keep 0 instead of this migration's id.
            manager
                .get_connection()
                .execute_unprepared(
                    "ALTER TABLE order_events ALTER COLUMN tx SET DEFAULT (pg_current_xact_id()::text::bigint)",
                )
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("order_events_position")
                    .table(OrderEvents::Table)
                    .col(OrderEvents::Tx)
                    .col(OrderEvents::Id)
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("order_events_position")
                    .table(OrderEvents::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(OrderEvents::Table)
                    .drop_column(OrderEvents::Tx)
                    .take(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum OrderEvents {
    Table,
    Tx,
    Id,
}
