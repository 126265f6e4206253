//! Seed 003's export fields that had no home: a line's product variant code
//! (`product_variant_code`) and a customer's reference code
//! (`customer_reference_code`, the wholesaler's own code for the customer).
//! Both are optional text, set through GraphQL.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261204_000008_wholesale_fields"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite's ALTER TABLE adds one at a time.
        manager
            .alter_table(
                Table::alter()
                    .table(OrderLines::Table)
                    .add_column(
                        ColumnDef::new(OrderLines::ProductVariantCode)
                            .string()
                            .null(),
                    )
                    .take(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Customers::Table)
                    .add_column(ColumnDef::new(Customers::ReferenceCode).string().null())
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Customers::Table)
                    .drop_column(Customers::ReferenceCode)
                    .take(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(OrderLines::Table)
                    .drop_column(OrderLines::ProductVariantCode)
                    .take(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum OrderLines {
    Table,
    ProductVariantCode,
}

#[derive(DeriveIden)]
enum Customers {
    Table,
    ReferenceCode,
}
