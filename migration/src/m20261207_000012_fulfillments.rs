//! Fulfillments (partial shipments): `fulfillments`, one row per shipment of
//! an order with its status, carrier, tracking codes and timestamps, and
//! `fulfillment_lines`, which order lines it holds and how many of each.
//!
//! Quantities are BIGINT ten-thousandths like every other quantity (see
//! `ordergraph::money`). A fulfillment line keeps its row when its order line
//! is removed (the order line id becomes null): the service allows that only
//! for cancelled fulfillments, so what a live shipment holds never vanishes.

use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261207_000012_fulfillments"
    }
}

fn stamp<T: IntoIden>(col: T) -> ColumnDef {
    timestamp_with_time_zone(col)
}

fn stamp_null<T: IntoIden>(col: T) -> ColumnDef {
    timestamp_with_time_zone_null(col)
}

fn index(table: impl IntoIden, name: &str, cols: &[&'static str]) -> IndexCreateStatement {
    let mut stmt = Index::create();
    stmt.name(name).table(table);
    for col in cols {
        stmt.col(Alias::new(*col));
    }
    stmt.take()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Fulfillments::Table)
                    .col(big_pk_auto(Fulfillments::Id))
                    .col(big_integer(Fulfillments::OrderId))
                    // PENDING, SHIPPED, DELIVERED or CANCELLED (the GraphQL names).
                    .col(string(Fulfillments::Status))
                    .col(string_null(Fulfillments::Carrier))
                    // A JSON array of {code, url}, in the order given.
                    .col(json_binary(Fulfillments::Tracking))
                    .col(stamp(Fulfillments::CreatedAt))
                    .col(stamp(Fulfillments::UpdatedAt))
                    .col(stamp_null(Fulfillments::ShippedAt))
                    .col(stamp_null(Fulfillments::DeliveredAt))
                    .col(stamp_null(Fulfillments::CancelledAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Fulfillments::Table, Fulfillments::OrderId)
                            .to(Orders::Table, Orders::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .take(),
            )
            .await?;
        manager
            .create_index(index(
                Fulfillments::Table,
                "ix_fulfillments_order_id",
                &["order_id", "id"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(FulfillmentLines::Table)
                    .col(big_pk_auto(FulfillmentLines::Id))
                    .col(big_integer(FulfillmentLines::FulfillmentId))
                    .col(big_integer_null(FulfillmentLines::OrderLineId))
                    .col(
                        big_integer(FulfillmentLines::Quantity)
                            .check(Expr::col(FulfillmentLines::Quantity).gt(0)),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(FulfillmentLines::Table, FulfillmentLines::FulfillmentId)
                            .to(Fulfillments::Table, Fulfillments::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(FulfillmentLines::Table, FulfillmentLines::OrderLineId)
                            .to(OrderLines::Table, OrderLines::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .take(),
            )
            .await?;
        for (name, cols) in [
            (
                "ix_fulfillment_lines_fulfillment_id",
                &["fulfillment_id", "id"][..],
            ),
            ("ix_fulfillment_lines_order_line_id", &["order_line_id"][..]),
        ] {
            manager
                .create_index(index(FulfillmentLines::Table, name, cols))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            FulfillmentLines::Table.into_iden(),
            Fulfillments::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).if_exists().take())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Orders {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum OrderLines {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Fulfillments {
    Table,
    Id,
    OrderId,
    Status,
    Carrier,
    Tracking,
    CreatedAt,
    UpdatedAt,
    ShippedAt,
    DeliveredAt,
    CancelledAt,
}

#[derive(DeriveIden)]
enum FulfillmentLines {
    Table,
    Id,
    FulfillmentId,
    OrderLineId,
    Quantity,
}
