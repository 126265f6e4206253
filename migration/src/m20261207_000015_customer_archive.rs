//! Archived customers: `deleteCustomer` deletes a customer without orders, and
//! archives one with orders (`archived_at`), since orders keep their
//! customer. Archived customers are left out of `customers` unless asked for
//! and place no new orders.

use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261207_000015_customer_archive"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Customers::Table)
                    .add_column(timestamp_with_time_zone_null(Customers::ArchivedAt))
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Customers::Table)
                    .drop_column(Customers::ArchivedAt)
                    .take(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Customers {
    Table,
    ArchivedAt,
}
