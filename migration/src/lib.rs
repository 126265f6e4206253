//! Database migrations for ordergraph: one sea-orm-migration `Migrator` that both
//! the server (at start) and `ordergraph migrate` run, on SQLite and PostgreSQL.

pub use sea_orm_migration;
pub use sea_orm_migration::prelude::*;

mod m20261122_000001_initial;
mod m20261122_000002_order_search;
mod m20261129_000003_deliveries;
mod m20261130_000004_idempotency;
mod m20261130_000005_trusted_documents;
mod m20261130_000006_event_log_position;
mod m20261204_000007_order_user_id;
mod m20261204_000008_wholesale_fields;
mod m20261204_000009_line_stock_quantity;
mod m20261204_000011_delivery_config_version;
mod m20261207_000012_fulfillments;
mod m20261207_000013_payments;
mod m20261207_000014_order_tags_views;
mod m20261207_000015_customer_archive;
mod m20261207_000016_order_count;

/// Every migration, oldest first.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_initial::Migration),
            Box::new(m20261122_000002_order_search::Migration),
            Box::new(m20261129_000003_deliveries::Migration),
            Box::new(m20261130_000004_idempotency::Migration),
            Box::new(m20261130_000005_trusted_documents::Migration),
            Box::new(m20261130_000006_event_log_position::Migration),
            Box::new(m20261204_000007_order_user_id::Migration),
            Box::new(m20261204_000008_wholesale_fields::Migration),
            Box::new(m20261204_000009_line_stock_quantity::Migration),
            Box::new(m20261204_000011_delivery_config_version::Migration),
            Box::new(m20261207_000012_fulfillments::Migration),
            Box::new(m20261207_000013_payments::Migration),
            Box::new(m20261207_000014_order_tags_views::Migration),
            Box::new(m20261207_000015_customer_archive::Migration),
            Box::new(m20261207_000016_order_count::Migration),
        ]
    }
}
