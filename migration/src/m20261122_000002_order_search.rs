//! Read-path support: a lower-cased `search_text` per order (number, external
//! id, reference, customer e-mail and name, billing and shipping names) that
//! `orders(filter: {search})` matches with one LIKE, a trigram index on it on
//! PostgreSQL (so a substring search stays an index scan at 100k+ orders), and
//! an index for sorting by order number numerically.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261122_000002_order_search"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared("ALTER TABLE orders ADD COLUMN search_text TEXT NOT NULL DEFAULT ''")
            .await?;
        // Orders written before this migration: the order's own fields (the
        // write path keeps it complete from now on, addresses included).
        db.execute_unprepared(
            "UPDATE orders SET search_text = LOWER(number || ' ' || COALESCE(external_id, '') || ' ' || \
             COALESCE(reference, '') || ' ' || COALESCE(customer_email, '') || ' ' || COALESCE(customer_name, ''))",
        )
        .await?;
        // Order numbers are digit strings that grow in length: sorting by
        // (length, text) is numeric order, and this index serves it.
        db.execute_unprepared(
            "CREATE INDEX ix_orders_number_sort ON orders ((LENGTH(number)), number, id)",
        )
        .await?;
        db.execute_unprepared(
            "CREATE INDEX ix_orders_source_submitted_at ON orders (source, submitted_at, id)",
        )
        .await?;
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            db.execute_unprepared("CREATE EXTENSION IF NOT EXISTS pg_trgm")
                .await?;
            db.execute_unprepared(
                "CREATE INDEX ix_orders_search_text ON orders USING gin (search_text gin_trgm_ops)",
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for index in [
            "ix_orders_search_text",
            "ix_orders_number_sort",
            "ix_orders_source_submitted_at",
        ] {
            db.execute_unprepared(&format!("DROP INDEX IF EXISTS {index}"))
                .await?;
        }
        db.execute_unprepared("ALTER TABLE orders DROP COLUMN search_text")
            .await?;
        Ok(())
    }
}
