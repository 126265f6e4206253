//! The whole data model of DESIGN.md: customers and their addressbooks, the product
//! catalogue, orders with lines, messages, admin fields and events, API keys and
//! server settings.
//!
//! Amounts, quantities and percentages are BIGINT ten-thousandths (see
//! `ordergraph::money`): exact on both backends and still summable in SQL.

use sea_orm_migration::sea_orm::{self, ConnectionTrait};
use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261122_000001_initial"
    }
}

/// A money/quantity/percentage column: ten-thousandths, zero unless set.
fn money<T: IntoIden>(col: T) -> ColumnDef {
    big_integer(col).default(0).take()
}

fn created_at() -> ColumnDef {
    timestamp_with_time_zone(Common::CreatedAt)
}

fn updated_at() -> ColumnDef {
    timestamp_with_time_zone(Common::UpdatedAt)
}

fn index(table: impl IntoIden, name: &str, cols: &[&'static str]) -> IndexCreateStatement {
    let mut stmt = Index::create();
    stmt.name(name).table(table);
    for col in cols {
        stmt.col(Alias::new(*col));
    }
    stmt.take()
}

fn foreign_key(
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(on_delete)
        .take()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Settings::Table)
                    .col(string(Settings::Key).primary_key())
                    .col(text(Settings::Value))
                    .col(updated_at())
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Customers::Table)
                    .col(big_pk_auto(Customers::Id))
                    .col(string_null(Customers::ExternalId))
                    // Stored lower-cased, so the unique index is case-insensitive.
                    .col(string_null(Customers::Email))
                    .col(string_null(Customers::Name))
                    .col(string_null(Customers::CompanyName))
                    .col(string_null(Customers::Phone))
                    // Customer API token (HTTP Basic): an id part to look it up and a
                    // hash of the secret part; never the token itself.
                    .col(string_null(Customers::ApiTokenId))
                    .col(string_null(Customers::ApiTokenHash))
                    .col(created_at())
                    .col(updated_at())
                    .take(),
            )
            .await?;
        // NULLs never collide in a unique index on either backend, so these hold
        // "unique when set" without partial indexes.
        for (name, col) in [
            ("ux_customers_external_id", "external_id"),
            ("ux_customers_email", "email"),
            ("ux_customers_api_token_id", "api_token_id"),
        ] {
            manager
                .create_index(index(Customers::Table, name, &[col]).unique().take())
                .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(Addressbooks::Table)
                    .col(big_pk_auto(Addressbooks::Id))
                    // Null for addresses of orders placed without a customer.
                    .col(big_integer_null(Addressbooks::CustomerId))
                    .col(string_null(Addressbooks::Name))
                    .col(string_null(Addressbooks::FirstName))
                    .col(string_null(Addressbooks::LastName))
                    .col(string_null(Addressbooks::CompanyName))
                    .col(string_null(Addressbooks::Address1))
                    .col(string_null(Addressbooks::Address2))
                    .col(string_null(Addressbooks::PostalCode))
                    .col(string_null(Addressbooks::City))
                    .col(string_null(Addressbooks::Province))
                    .col(string_null(Addressbooks::Country))
                    .col(string_null(Addressbooks::Phone))
                    .col(string_null(Addressbooks::Email))
                    .col(text_null(Addressbooks::Comments))
                    .col(created_at())
                    .foreign_key(&mut foreign_key(
                        (Addressbooks::Table, Addressbooks::CustomerId),
                        (Customers::Table, Customers::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(index(
                Addressbooks::Table,
                "ix_addressbooks_customer_id",
                &["customer_id"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Products::Table)
                    .col(big_pk_auto(Products::Id))
                    .col(string(Products::Code))
                    .col(string(Products::Name))
                    .col(money(Products::Price))
                    .col(money(Products::VatPercentage))
                    .col(string_null(Products::ExternalId))
                    .col(string_null(Products::Ean13))
                    .col(string_null(Products::Sku))
                    .col(string_null(Products::Mpn))
                    .col(string_null(Products::Upc))
                    .col(string_null(Products::Brand))
                    .col(string_null(Products::Category))
                    .col(string_null(Products::Supplier))
                    .col(text_null(Products::ImageUrl))
                    .col(text_null(Products::Url))
                    .col(json_binary_null(Products::Custom))
                    .col(created_at())
                    .col(updated_at())
                    .take(),
            )
            .await?;
        manager
            .create_index(
                index(Products::Table, "ux_products_code", &["code"])
                    .unique()
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Orders::Table)
                    .col(big_pk_auto(Orders::Id))
                    .col(string(Orders::Number))
                    .col(string(Orders::Source))
                    .col(string_null(Orders::ExternalId))
                    .col(string_null(Orders::Reference))
                    .col(string(Orders::Status))
                    .col(string_null(Orders::PaymentStatus))
                    .col(string_null(Orders::PaymentMethod))
                    .col(string_len(Orders::Currency, 3))
                    .col(boolean(Orders::Test).default(false))
                    .col(big_integer_null(Orders::CustomerId))
                    .col(string_null(Orders::CustomerEmail))
                    .col(string_null(Orders::CustomerName))
                    .col(big_integer_null(Orders::ShippingAddressId))
                    .col(big_integer_null(Orders::BillingAddressId))
                    .col(money(Orders::TotalQuantity))
                    .col(money(Orders::ProductsBeforeDiscount))
                    .col(money(Orders::DiscountPercentage))
                    .col(money(Orders::DiscountTotal))
                    .col(money(Orders::TotalBeforeVat))
                    .col(money(Orders::TotalVat))
                    .col(money(Orders::ShippingCosts))
                    .col(money(Orders::GrossTotal))
                    .col(money(Orders::PaidAmount))
                    .col(string_null(Orders::TrackingCode))
                    .col(text_null(Orders::TrackingUrl))
                    .col(string_null(Orders::ShippingOption))
                    .col(string_null(Orders::IntegrationRef))
                    .col(text_null(Orders::Notes))
                    .col(text_null(Orders::StaffNotes))
                    .col(json_binary_null(Orders::Metadata))
                    // Optimistic concurrency: grows on every change to the order or
                    // its lines.
                    .col(integer(Orders::Version).default(1))
                    .col(timestamp_with_time_zone(Orders::SubmittedAt))
                    .col(created_at())
                    .col(updated_at())
                    .foreign_key(&mut foreign_key(
                        (Orders::Table, Orders::CustomerId),
                        (Customers::Table, Customers::Id),
                        ForeignKeyAction::Restrict,
                    ))
                    .foreign_key(&mut foreign_key(
                        (Orders::Table, Orders::ShippingAddressId),
                        (Addressbooks::Table, Addressbooks::Id),
                        ForeignKeyAction::Restrict,
                    ))
                    .foreign_key(&mut foreign_key(
                        (Orders::Table, Orders::BillingAddressId),
                        (Addressbooks::Table, Addressbooks::Id),
                        ForeignKeyAction::Restrict,
                    ))
                    .take(),
            )
            .await?;
        // The upsert and import keys: a unique index decides under concurrency.
        // (source, reference) only binds when a reference is set: NULLs are distinct.
        for (name, cols) in [
            ("ux_orders_number", &["number"][..]),
            (
                "ux_orders_source_external_id",
                &["source", "external_id"][..],
            ),
            ("ux_orders_source_reference", &["source", "reference"][..]),
        ] {
            manager
                .create_index(index(Orders::Table, name, cols).unique().take())
                .await?;
        }
        // Foreign keys and list filters/sorts. The id rides along as the tie-breaker
        // of every sort, so it closes each composite index.
        for (name, cols) in [
            (
                "ix_orders_customer_id",
                &["customer_id", "submitted_at", "id"][..],
            ),
            (
                "ix_orders_shipping_address_id",
                &["shipping_address_id"][..],
            ),
            ("ix_orders_billing_address_id", &["billing_address_id"][..]),
            ("ix_orders_status", &["status", "submitted_at", "id"][..]),
            ("ix_orders_submitted_at", &["submitted_at", "id"][..]),
            ("ix_orders_gross_total", &["gross_total", "id"][..]),
            ("ix_orders_updated_at", &["updated_at", "id"][..]),
            ("ix_orders_created_at", &["created_at", "id"][..]),
        ] {
            manager
                .create_index(index(Orders::Table, name, cols))
                .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(OrderLines::Table)
                    .col(big_pk_auto(OrderLines::Id))
                    .col(big_integer(OrderLines::OrderId))
                    .col(integer(OrderLines::Position))
                    .col(big_integer_null(OrderLines::ProductId))
                    .col(string_null(OrderLines::ProductCode))
                    .col(string_null(OrderLines::ExternalId))
                    .col(string(OrderLines::Name))
                    .col(string_null(OrderLines::Sku))
                    .col(string_null(OrderLines::Ean13))
                    .col(string_null(OrderLines::Mpn))
                    .col(string_null(OrderLines::Upc))
                    .col(string_null(OrderLines::Brand))
                    .col(string_null(OrderLines::Category))
                    .col(string_null(OrderLines::Supplier))
                    .col(text_null(OrderLines::ImageUrl))
                    .col(text_null(OrderLines::Url))
                    .col(money(OrderLines::Quantity))
                    .col(money(OrderLines::Price))
                    .col(money(OrderLines::FinalPrice))
                    .col(money(OrderLines::DiscountPercentage))
                    .col(money(OrderLines::VatPercentage))
                    .col(boolean(OrderLines::HasCustomPrice).default(false))
                    .col(money(OrderLines::TotalBeforeVat))
                    .col(money(OrderLines::TotalVat))
                    .col(money(OrderLines::TotalAfterVat))
                    .col(text_null(OrderLines::Note))
                    .col(json_binary_null(OrderLines::Custom))
                    .col(big_integer_null(OrderLines::AddressId))
                    .col(created_at())
                    .col(updated_at())
                    .foreign_key(&mut foreign_key(
                        (OrderLines::Table, OrderLines::OrderId),
                        (Orders::Table, Orders::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut foreign_key(
                        (OrderLines::Table, OrderLines::ProductId),
                        (Products::Table, Products::Id),
                        ForeignKeyAction::SetNull,
                    ))
                    .foreign_key(&mut foreign_key(
                        (OrderLines::Table, OrderLines::AddressId),
                        (Addressbooks::Table, Addressbooks::Id),
                        ForeignKeyAction::Restrict,
                    ))
                    .take(),
            )
            .await?;
        for (name, cols) in [
            ("ix_order_lines_order_id", &["order_id", "position"][..]),
            ("ix_order_lines_product_id", &["product_id"][..]),
            ("ix_order_lines_address_id", &["address_id"][..]),
        ] {
            manager
                .create_index(index(OrderLines::Table, name, cols))
                .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(OrderMessages::Table)
                    .col(big_pk_auto(OrderMessages::Id))
                    .col(big_integer(OrderMessages::OrderId))
                    .col(string(OrderMessages::FromUser))
                    .col(text(OrderMessages::Text))
                    .col(boolean(OrderMessages::Notify).default(false))
                    .col(created_at())
                    .foreign_key(&mut foreign_key(
                        (OrderMessages::Table, OrderMessages::OrderId),
                        (Orders::Table, Orders::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(index(
                OrderMessages::Table,
                "ix_order_messages_order_id",
                &["order_id", "id"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(OrderAdminFields::Table)
                    .col(big_pk_auto(OrderAdminFields::Id))
                    .col(big_integer(OrderAdminFields::OrderId))
                    .col(string(OrderAdminFields::Name))
                    .col(text(OrderAdminFields::Value))
                    .col(updated_at())
                    .foreign_key(&mut foreign_key(
                        (OrderAdminFields::Table, OrderAdminFields::OrderId),
                        (Orders::Table, Orders::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .take(),
            )
            .await?;
        // One value per name and order; it also serves the order_id foreign key and
        // the `adminField: {name, value}` filter.
        manager
            .create_index(
                index(
                    OrderAdminFields::Table,
                    "ux_order_admin_fields_order_id_name",
                    &["order_id", "name"],
                )
                .unique()
                .take(),
            )
            .await?;
        manager
            .create_index(index(
                OrderAdminFields::Table,
                "ix_order_admin_fields_name_value",
                &["name", "value"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(OrderEvents::Table)
                    // The subscription cursor: AUTOINCREMENT on SQLite never reuses an
                    // id, and PostgreSQL identity columns only grow.
                    .col(big_pk_auto(OrderEvents::Id))
                    .col(big_integer(OrderEvents::OrderId))
                    .col(string(OrderEvents::Kind))
                    .col(string_null(OrderEvents::FromStatus))
                    .col(string_null(OrderEvents::ToStatus))
                    .col(string_null(OrderEvents::Actor))
                    .col(text_null(OrderEvents::Note))
                    .col(boolean(OrderEvents::Notify).default(false))
                    .col(json_binary_null(OrderEvents::Data))
                    .col(created_at())
                    .foreign_key(&mut foreign_key(
                        (OrderEvents::Table, OrderEvents::OrderId),
                        (Orders::Table, Orders::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(index(
                OrderEvents::Table,
                "ix_order_events_order_id",
                &["order_id", "id"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ApiKeys::Table)
                    .col(big_pk_auto(ApiKeys::Id))
                    .col(string(ApiKeys::Name))
                    .col(string(ApiKeys::Role))
                    // The public id part of the key, used to look it up; the secret
                    // part is only stored as a hash.
                    .col(string(ApiKeys::KeyId))
                    .col(string(ApiKeys::KeyHash))
                    .col(created_at())
                    .col(timestamp_with_time_zone_null(ApiKeys::LastUsedAt))
                    .col(timestamp_with_time_zone_null(ApiKeys::RevokedAt))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                index(ApiKeys::Table, "ux_api_keys_key_id", &["key_id"])
                    .unique()
                    .take(),
            )
            .await?;

        // Order numbers: a sequence on PostgreSQL (concurrent writers never wait
        // for each other); a counter row on SQLite, whose writers are serialized
        // anyway.
        let db = manager.get_connection();
        match manager.get_database_backend() {
            sea_orm::DatabaseBackend::Postgres => {
                db.execute_unprepared("CREATE SEQUENCE order_number_seq START WITH 100001")
                    .await?;
            }
            _ => {
                db.execute_unprepared(
                    "INSERT INTO settings (key, value, updated_at) \
                     VALUES ('order_number_next', '100001', CURRENT_TIMESTAMP)",
                )
                .await?;
            }
        }

        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Children before parents, so foreign keys never block a drop.
        let tables: [DynIden; 10] = [
            ApiKeys::Table.into_iden(),
            OrderEvents::Table.into_iden(),
            OrderAdminFields::Table.into_iden(),
            OrderMessages::Table.into_iden(),
            OrderLines::Table.into_iden(),
            Orders::Table.into_iden(),
            Products::Table.into_iden(),
            Addressbooks::Table.into_iden(),
            Customers::Table.into_iden(),
            Settings::Table.into_iden(),
        ];
        for table in tables {
            manager
                .drop_table(Table::drop().table(table).if_exists().take())
                .await?;
        }
        if manager.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared("DROP SEQUENCE IF EXISTS order_number_seq")
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Common {
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Settings {
    Table,
    Key,
    Value,
}

#[derive(DeriveIden)]
enum Customers {
    Table,
    Id,
    ExternalId,
    Email,
    Name,
    CompanyName,
    Phone,
    ApiTokenId,
    ApiTokenHash,
}

#[derive(DeriveIden)]
enum Addressbooks {
    Table,
    Id,
    CustomerId,
    Name,
    FirstName,
    LastName,
    CompanyName,
    Address1,
    Address2,
    PostalCode,
    City,
    Province,
    Country,
    Phone,
    Email,
    Comments,
}

#[derive(DeriveIden)]
enum Products {
    Table,
    Id,
    Code,
    Name,
    Price,
    VatPercentage,
    ExternalId,
    Ean13,
    Sku,
    Mpn,
    Upc,
    Brand,
    Category,
    Supplier,
    ImageUrl,
    Url,
    Custom,
}

#[derive(DeriveIden)]
enum Orders {
    Table,
    Id,
    Number,
    Source,
    ExternalId,
    Reference,
    Status,
    PaymentStatus,
    PaymentMethod,
    Currency,
    Test,
    CustomerId,
    CustomerEmail,
    CustomerName,
    ShippingAddressId,
    BillingAddressId,
    TotalQuantity,
    ProductsBeforeDiscount,
    DiscountPercentage,
    DiscountTotal,
    TotalBeforeVat,
    TotalVat,
    ShippingCosts,
    GrossTotal,
    PaidAmount,
    TrackingCode,
    TrackingUrl,
    ShippingOption,
    IntegrationRef,
    Notes,
    StaffNotes,
    Metadata,
    Version,
    SubmittedAt,
}

#[derive(DeriveIden)]
enum OrderLines {
    Table,
    Id,
    OrderId,
    Position,
    ProductId,
    ProductCode,
    ExternalId,
    Name,
    Sku,
    Ean13,
    Mpn,
    Upc,
    Brand,
    Category,
    Supplier,
    ImageUrl,
    Url,
    Quantity,
    Price,
    FinalPrice,
    DiscountPercentage,
    VatPercentage,
    HasCustomPrice,
    TotalBeforeVat,
    TotalVat,
    TotalAfterVat,
    Note,
    Custom,
    AddressId,
}

#[derive(DeriveIden)]
enum OrderMessages {
    Table,
    Id,
    OrderId,
    FromUser,
    Text,
    Notify,
}

#[derive(DeriveIden)]
enum OrderAdminFields {
    Table,
    Id,
    OrderId,
    Name,
    Value,
}

#[derive(DeriveIden)]
enum OrderEvents {
    Table,
    Id,
    OrderId,
    Kind,
    FromStatus,
    ToStatus,
    Actor,
    Note,
    Notify,
    Data,
}

#[derive(DeriveIden)]
enum ApiKeys {
    Table,
    Id,
    Name,
    Role,
    KeyId,
    KeyHash,
    LastUsedAt,
    RevokedAt,
}
