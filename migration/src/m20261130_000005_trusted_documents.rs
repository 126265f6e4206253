//! Trusted documents: the GraphQL operations an admin registered. With
//! `GRAPHQL_TRUSTED_DOCUMENTS=on` only these run; clients may send just their
//! id (`documentId`, or Apollo's persisted-query hash).

use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261130_000005_trusted_documents"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(TrustedDocuments::Table)
                    .col(big_pk_auto(TrustedDocuments::Id))
                    // SHA-256 (hex) of the exact document text: its id.
                    .col(string_uniq(TrustedDocuments::Hash))
                    .col(string_null(TrustedDocuments::Name))
                    .col(text(TrustedDocuments::Document))
                    // Who registered it (`role:subject`, or `cli`).
                    .col(string(TrustedDocuments::CreatedBy))
                    .col(timestamp_with_time_zone(TrustedDocuments::CreatedAt))
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(TrustedDocuments::Table).take())
            .await
    }
}

#[derive(DeriveIden)]
enum TrustedDocuments {
    Table,
    Id,
    Hash,
    Name,
    Document,
    CreatedBy,
    CreatedAt,
}
