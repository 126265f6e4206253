//! Deliveries: what ordergraph sends because of its events. Webhook endpoints,
//! e-mail template overrides, automation rules, and the outbox itself
//! (`deliveries`, one row per event and target, written in the transaction of
//! the change) with every attempt made.

use sea_orm_migration::sea_orm::{self, ConnectionTrait};
use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261129_000003_deliveries"
    }
}

fn stamp<T: IntoIden>(col: T) -> ColumnDef {
    timestamp_with_time_zone(col)
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
                    .table(WebhookEndpoints::Table)
                    .col(big_pk_auto(WebhookEndpoints::Id))
                    .col(text(WebhookEndpoints::Url))
                    .col(text_null(WebhookEndpoints::Description))
                    // Event kinds (JSON array of names); optional filters.
                    .col(json_binary(WebhookEndpoints::Kinds))
                    .col(json_binary_null(WebhookEndpoints::Sources))
                    .col(json_binary_null(WebhookEndpoints::Statuses))
                    .col(boolean(WebhookEndpoints::Active).default(true))
                    // Kept so it can sign (HMAC needs the key itself); shown once.
                    .col(text(WebhookEndpoints::Secret))
                    .col(integer(WebhookEndpoints::ConsecutiveFailures).default(0))
                    .col(text_null(WebhookEndpoints::DisabledReason))
                    .col(stamp(WebhookEndpoints::CreatedAt))
                    .col(stamp(WebhookEndpoints::UpdatedAt))
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(EmailTemplates::Table)
                    // One override per kind; a kind without a row uses the
                    // built-in default.
                    .col(string(EmailTemplates::Kind).primary_key())
                    .col(text(EmailTemplates::Subject))
                    .col(text(EmailTemplates::TextBody))
                    .col(text(EmailTemplates::HtmlBody))
                    .col(stamp(EmailTemplates::UpdatedAt))
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AutomationRules::Table)
                    .col(big_pk_auto(AutomationRules::Id))
                    .col(string(AutomationRules::Name))
                    .col(boolean(AutomationRules::Active).default(false))
                    .col(json_binary(AutomationRules::Kinds))
                    .col(json_binary_null(AutomationRules::Sources))
                    .col(json_binary_null(AutomationRules::Statuses))
                    .col(string_null(AutomationRules::Template))
                    .col(string_null(AutomationRules::Recipient))
                    .col(big_integer_null(AutomationRules::EndpointId))
                    .col(big_integer(AutomationRules::DelaySeconds).default(0))
                    .col(json_binary(AutomationRules::UnlessStatuses))
                    .col(stamp(AutomationRules::CreatedAt))
                    .col(stamp(AutomationRules::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(AutomationRules::Table, AutomationRules::EndpointId)
                            .to(WebhookEndpoints::Table, WebhookEndpoints::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Deliveries::Table)
                    .col(big_pk_auto(Deliveries::Id))
                    // Null only for an admin's test event.
                    .col(big_integer_null(Deliveries::EventId))
                    .col(big_integer_null(Deliveries::OrderId))
                    .col(string(Deliveries::Channel))
                    // Who it is for: "notify", "endpoint:<id>", "rule:<id>:email", ...
                    // With the event, the key that prevents doubles.
                    .col(string(Deliveries::Target))
                    .col(big_integer_null(Deliveries::EndpointId))
                    .col(big_integer_null(Deliveries::RuleId))
                    .col(string_null(Deliveries::Template))
                    .col(string_null(Deliveries::Recipient))
                    .col(string(Deliveries::State))
                    .col(text_null(Deliveries::Reason))
                    .col(stamp(Deliveries::DueAt))
                    .col(integer(Deliveries::Attempts).default(0))
                    .col(timestamp_with_time_zone_null(Deliveries::LeaseUntil))
                    .col(string_null(Deliveries::LeasedBy))
                    // What it is about, as of the event (the order as the
                    // recipient may see it).
                    .col(json_binary(Deliveries::Payload))
                    .col(json_binary_null(Deliveries::UnlessStatuses))
                    .col(text_null(Deliveries::Subject))
                    .col(text_null(Deliveries::TextBody))
                    .col(text_null(Deliveries::HtmlBody))
                    .col(timestamp_with_time_zone_null(Deliveries::SentAt))
                    .col(stamp(Deliveries::CreatedAt))
                    .col(stamp(Deliveries::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Deliveries::Table, Deliveries::EventId)
                            .to(OrderEvents::Table, OrderEvents::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Deliveries::Table, Deliveries::OrderId)
                            .to(Orders::Table, Orders::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Deliveries::Table, Deliveries::EndpointId)
                            .to(WebhookEndpoints::Table, WebhookEndpoints::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .take(),
            )
            .await?;
        manager
            .create_index(
                index(
                    Deliveries::Table,
                    "ux_deliveries_event_target",
                    &["event_id", "target"],
                )
                .unique()
                .take(),
            )
            .await?;
        // What workers claim: due, scheduled rows, oldest first.
        manager
            .create_index(index(
                Deliveries::Table,
                "ix_deliveries_state_due",
                &["state", "due_at", "id"],
            ))
            .await?;
        manager
            .create_index(index(
                Deliveries::Table,
                "ix_deliveries_order",
                &["order_id", "id"],
            ))
            .await?;
        manager
            .create_index(index(
                Deliveries::Table,
                "ix_deliveries_endpoint",
                &["endpoint_id", "id"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(DeliveryAttempts::Table)
                    .col(big_pk_auto(DeliveryAttempts::Id))
                    .col(big_integer(DeliveryAttempts::DeliveryId))
                    .col(integer(DeliveryAttempts::Attempt))
                    .col(string(DeliveryAttempts::Worker))
                    .col(stamp(DeliveryAttempts::StartedAt))
                    .col(big_integer(DeliveryAttempts::DurationMs))
                    .col(boolean(DeliveryAttempts::Success))
                    .col(integer_null(DeliveryAttempts::StatusCode))
                    .col(text_null(DeliveryAttempts::Error))
                    .col(text_null(DeliveryAttempts::Response))
                    .foreign_key(
                        ForeignKey::create()
                            .from(DeliveryAttempts::Table, DeliveryAttempts::DeliveryId)
                            .to(Deliveries::Table, Deliveries::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .take(),
            )
            .await?;
        manager
            .create_index(index(
                DeliveryAttempts::Table,
                "ix_delivery_attempts_delivery",
                &["delivery_id", "id"],
            ))
            .await?;

        // Ready to switch on: seed 004's review request (ten days after an
        // order is imported, e-mail its customer, unless it was cancelled or
        // refunded meanwhile) and seed 000's confirmation e-mail when an
        // order is created.
        let backend = manager.get_database_backend();
        let now = match backend {
            sea_orm::DatabaseBackend::Postgres => "now()",
            _ => "CURRENT_TIMESTAMP",
        };
        manager
            .get_connection()
            .execute_unprepared(&format!(
                "INSERT INTO automation_rules (name, active, kinds, template, delay_seconds, \
                 unless_statuses, created_at, updated_at) VALUES ('Review request 10 days after \
                 an import', false, '[\"IMPORTED\"]', 'REVIEW_REQUEST', 864000, \
                 '[\"CANCELLED\", \"REFUNDED\"]', {now}, {now}), \
                 ('Order confirmation when an order is created', false, '[\"CREATED\"]', \
                 'ORDER_CONFIRMATION', 0, '[]', {now}, {now})"
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            DeliveryAttempts::Table.into_iden(),
            Deliveries::Table.into_iden(),
            AutomationRules::Table.into_iden(),
            EmailTemplates::Table.into_iden(),
            WebhookEndpoints::Table.into_iden(),
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
enum OrderEvents {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum WebhookEndpoints {
    Table,
    Id,
    Url,
    Description,
    Kinds,
    Sources,
    Statuses,
    Active,
    Secret,
    ConsecutiveFailures,
    DisabledReason,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum EmailTemplates {
    Table,
    Kind,
    Subject,
    TextBody,
    HtmlBody,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum AutomationRules {
    Table,
    Id,
    Name,
    Active,
    Kinds,
    Sources,
    Statuses,
    Template,
    Recipient,
    EndpointId,
    DelaySeconds,
    UnlessStatuses,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Deliveries {
    Table,
    Id,
    EventId,
    OrderId,
    Channel,
    Target,
    EndpointId,
    RuleId,
    Template,
    Recipient,
    State,
    Reason,
    DueAt,
    Attempts,
    LeaseUntil,
    LeasedBy,
    Payload,
    UnlessStatuses,
    Subject,
    TextBody,
    HtmlBody,
    SentAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum DeliveryAttempts {
    Table,
    Id,
    DeliveryId,
    Attempt,
    Worker,
    StartedAt,
    DurationMs,
    Success,
    StatusCode,
    Error,
    Response,
}
