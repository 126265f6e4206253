//! Seed 002's Userhub user on the order (`orders.user_id`, filterable through
//! an index), and the search text of existing orders extended with what
//! search now also finds: the customer's external id and the billing
//! address's e-mail, phone and city (the write path composes it from now on).

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261204_000007_order_user_id"
    }
}

#[derive(DeriveIden)]
enum Orders {
    Table,
    UserId,
    CreatedAt,
    Id,
}

const INDEX: &str = "ix_orders_user_id";

/// ` term` for a present, non-blank `expr`, else nothing (`' ' || NULL` is
/// NULL on both backends).
fn term(expr: &str) -> String {
    format!("COALESCE(' ' || NULLIF(TRIM({expr}), ''), '')")
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Orders::Table)
                    .add_column(ColumnDef::new(Orders::UserId).string().null())
                    .take(),
            )
            .await?;
        // Filtered by user, newest first: seed 002's list, whose default
        // order is created_at.
        manager
            .create_index(
                Index::create()
                    .name(INDEX)
                    .table(Orders::Table)
                    .col(Orders::UserId)
                    .col(Orders::CreatedAt)
                    .col(Orders::Id)
                    .take(),
            )
            .await?;
        // Appended in the order the write path appends them (see
        // `ordergraph::orders::search`). LOWER is ASCII-only on SQLite, so a
        // backfilled city with a non-ASCII capital ("Århus") is found there
        // only once the order is next written.
        let customer = |column: &str| {
            format!("(SELECT c.{column} FROM customers c WHERE c.id = orders.customer_id)")
        };
        let billing = |column: &str| {
            format!(
                "(SELECT a.{column} FROM addressbooks a WHERE a.id = orders.billing_address_id)"
            )
        };
        let sql = format!(
            "UPDATE orders SET search_text = LOWER(search_text || {} || {} || {} || {}) \
             WHERE customer_id IS NOT NULL OR billing_address_id IS NOT NULL",
            term(&customer("external_id")),
            term(&billing("email")),
            term(&billing("phone")),
            term(&billing("city")),
        );
        manager.get_connection().execute_unprepared(&sql).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // The longer search text stays: it only finds more, and the write
        // path of the older version rewrites it on the next change.
        manager
            .drop_index(Index::drop().name(INDEX).table(Orders::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Orders::Table)
                    .drop_column(Orders::UserId)
                    .take(),
            )
            .await
    }
}
