//! Payments and refunds: `payment_transactions` (authorizations, captures,
//! refunds and voids, each with its amount, currency, gateway, method and
//! gateway reference), `refunds` with their `refund_lines`, and the order's
//! running payment figures (`refunded_amount`, `authorized_amount`,
//! `voided_amount`, `refund_deductions`; `paid_amount` becomes Σ captures).
//!
//! Orders written before this migration have no transactions: a PAID order
//! gets one CAPTURE of its paid amount, a REFUNDED one a CAPTURE and a full
//! REFUND of its gross total (what `upsertOrder` records for those statuses
//! from now on), so their figures and financial status read as before.
//! Going down drops the tables and columns and gives `paid_amount` back its
//! old meaning (the gross total when PAID, else 0).

use sea_orm_migration::sea_orm::ConnectionTrait;
use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261207_000013_payments"
    }
}

/// An amount: ten-thousandths, like every amount (see `ordergraph::money`).
fn money<T: IntoIden>(col: T) -> ColumnDef {
    big_integer(col).default(0).take()
}

fn index(table: impl IntoIden, name: &str, cols: &[&'static str]) -> IndexCreateStatement {
    let mut stmt = Index::create();
    stmt.name(name).table(table);
    for col in cols {
        stmt.col(Alias::new(*col));
    }
    stmt.take()
}

/// The order columns this migration adds, in order.
const ORDER_COLUMNS: [Orders; 4] = [
    Orders::RefundedAmount,
    Orders::AuthorizedAmount,
    Orders::VoidedAmount,
    Orders::RefundDeductions,
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite's ALTER TABLE adds one at a time.
        for column in ORDER_COLUMNS {
            manager
                .alter_table(
                    Table::alter()
                        .table(Orders::Table)
                        .add_column(money(column))
                        .take(),
                )
                .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(Refunds::Table)
                    .col(big_pk_auto(Refunds::Id))
                    .col(big_integer(Refunds::OrderId))
                    // Money returned (the REFUND transaction's amount).
                    .col(money(Refunds::Amount))
                    // The value of the refunded lines at their after-VAT prices.
                    .col(money(Refunds::LinesAmount))
                    // How much the refund takes off the order's current total.
                    .col(money(Refunds::Deduction))
                    .col(string(Refunds::Currency))
                    .col(text_null(Refunds::Note))
                    .col(string_null(Refunds::Actor))
                    .col(timestamp_with_time_zone(Refunds::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Refunds::Table, Refunds::OrderId)
                            .to(Orders::Table, Orders::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .take(),
            )
            .await?;
        manager
            .create_index(index(Refunds::Table, "ix_refunds_order_id", &["order_id"]))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(RefundLines::Table)
                    .col(big_pk_auto(RefundLines::Id))
                    .col(big_integer(RefundLines::RefundId))
                    // The order's id again, so an order's refunded quantities
                    // are one grouped read.
                    .col(big_integer(RefundLines::OrderId))
                    // Null once an upsert replaced the order's lines; the
                    // name and amounts stay.
                    .col(big_integer_null(RefundLines::OrderLineId))
                    .col(integer(RefundLines::Position))
                    .col(string(RefundLines::Name))
                    .col(money(RefundLines::Quantity))
                    .col(money(RefundLines::Amount))
                    .foreign_key(
                        ForeignKey::create()
                            .from(RefundLines::Table, RefundLines::RefundId)
                            .to(Refunds::Table, Refunds::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(RefundLines::Table, RefundLines::OrderId)
                            .to(Orders::Table, Orders::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(RefundLines::Table, RefundLines::OrderLineId)
                            .to(OrderLines::Table, OrderLines::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .take(),
            )
            .await?;
        for (name, cols) in [
            ("ix_refund_lines_refund_id", &["refund_id", "position"][..]),
            (
                "ix_refund_lines_order_id",
                &["order_id", "order_line_id"][..],
            ),
            ("ix_refund_lines_order_line_id", &["order_line_id"][..]),
        ] {
            manager
                .create_index(index(RefundLines::Table, name, cols))
                .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(PaymentTransactions::Table)
                    .col(big_pk_auto(PaymentTransactions::Id))
                    .col(big_integer(PaymentTransactions::OrderId))
                    // The refund a REFUND transaction belongs to.
                    .col(big_integer_null(PaymentTransactions::RefundId))
                    // AUTHORIZATION, CAPTURE, REFUND, VOID.
                    .col(string(PaymentTransactions::Kind))
                    // SUCCESS or FAILURE.
                    .col(string(PaymentTransactions::Status))
                    .col(money(PaymentTransactions::Amount))
                    .col(string(PaymentTransactions::Currency))
                    .col(string(PaymentTransactions::Gateway))
                    .col(string_null(PaymentTransactions::Method))
                    .col(string_null(PaymentTransactions::Reference))
                    .col(timestamp_with_time_zone(PaymentTransactions::ProcessedAt))
                    .col(timestamp_with_time_zone(PaymentTransactions::CreatedAt))
                    .col(string_null(PaymentTransactions::Actor))
                    .foreign_key(
                        ForeignKey::create()
                            .from(PaymentTransactions::Table, PaymentTransactions::OrderId)
                            .to(Orders::Table, Orders::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(PaymentTransactions::Table, PaymentTransactions::RefundId)
                            .to(Refunds::Table, Refunds::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .take(),
            )
            .await?;
        manager
            .create_index(index(
                PaymentTransactions::Table,
                "ix_payment_transactions_order_id",
                &["order_id", "id"],
            ))
            .await?;
        // A provider's retried report is one transaction: the reference is
        // unique per gateway and kind (an authorization and its capture often
        // share the provider's payment id). NULL references never collide.
        manager
            .create_index(
                index(
                    PaymentTransactions::Table,
                    "ux_payment_transactions_reference",
                    &["gateway", "kind", "reference"],
                )
                .unique()
                .take(),
            )
            .await?;

        backfill(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            PaymentTransactions::Table.into_iden(),
            RefundLines::Table.into_iden(),
            Refunds::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).take())
                .await?;
        }
        for column in ORDER_COLUMNS.into_iter().rev() {
            manager
                .alter_table(
                    Table::alter()
                        .table(Orders::Table)
                        .drop_column(column)
                        .take(),
                )
                .await?;
        }
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE orders SET paid_amount = \
                 CASE WHEN payment_status = 'PAID' THEN gross_total ELSE 0 END",
            )
            .await
            .map(|_| ())
    }
}

/// The transactions (and refunds) of orders written before this migration,
/// as `upsertOrder` records them for their payment status.
async fn backfill(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = manager.get_connection();
    // What an order's source reported is recorded under the source's name.
    let capture = |amount: &str, statuses: &str| {
        format!(
            "INSERT INTO payment_transactions \
             (order_id, kind, status, amount, currency, gateway, method, processed_at, created_at, actor) \
             SELECT id, 'CAPTURE', 'SUCCESS', {amount}, currency, source, payment_method, \
             updated_at, updated_at, 'migration' FROM orders \
             WHERE payment_status IN ({statuses}) AND {amount} > 0 ORDER BY id"
        )
    };
    db.execute_unprepared(&capture("paid_amount", "'PAID'"))
        .await?;
    db.execute_unprepared(&capture("gross_total", "'REFUNDED'"))
        .await?;
    db.execute_unprepared(
        "INSERT INTO refunds (order_id, amount, lines_amount, deduction, currency, actor, created_at) \
         SELECT id, gross_total, 0, gross_total, currency, 'migration', updated_at FROM orders \
         WHERE payment_status = 'REFUNDED' AND gross_total > 0 ORDER BY id",
    )
    .await?;
    db.execute_unprepared(
        "INSERT INTO payment_transactions \
         (order_id, refund_id, kind, status, amount, currency, gateway, method, processed_at, created_at, actor) \
         SELECT o.id, r.id, 'REFUND', 'SUCCESS', r.amount, o.currency, o.source, o.payment_method, \
         r.created_at, r.created_at, 'migration' FROM refunds r JOIN orders o ON o.id = r.order_id \
         ORDER BY r.id",
    )
    .await?;
    db.execute_unprepared(
        "UPDATE orders SET paid_amount = gross_total, refunded_amount = gross_total, \
         refund_deductions = gross_total WHERE payment_status = 'REFUNDED' AND gross_total > 0",
    )
    .await?;
    Ok(())
}

#[derive(DeriveIden, Clone, Copy)]
enum Orders {
    Table,
    Id,
    RefundedAmount,
    AuthorizedAmount,
    VoidedAmount,
    RefundDeductions,
}

#[derive(DeriveIden)]
enum OrderLines {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Refunds {
    Table,
    Id,
    OrderId,
    Amount,
    LinesAmount,
    Deduction,
    Currency,
    Note,
    Actor,
    CreatedAt,
}

#[derive(DeriveIden)]
enum RefundLines {
    Table,
    Id,
    RefundId,
    OrderId,
    OrderLineId,
    Position,
    Name,
    Quantity,
    Amount,
}

#[derive(DeriveIden)]
enum PaymentTransactions {
    Table,
    Id,
    OrderId,
    RefundId,
    Kind,
    Status,
    Amount,
    Currency,
    Gateway,
    Method,
    Reference,
    ProcessedAt,
    CreatedAt,
    Actor,
}
