//! `order_lines.stock_quantity`: the stock level a source reports with a line
//! (seed 001's `stock_quantity`), kept as given, in ten-thousandths like every
//! quantity; null when the source sent none.

use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261204_000009_line_stock_quantity"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(OrderLines::Table)
                    .add_column(big_integer_null(OrderLines::StockQuantity))
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(OrderLines::Table)
                    .drop_column(OrderLines::StockQuantity)
                    .take(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum OrderLines {
    Table,
    StockQuantity,
}
