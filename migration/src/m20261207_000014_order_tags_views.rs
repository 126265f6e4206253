//! Tags on orders and saved list views.
//!
//! `order_tags`: one row per tag of an order, as first written (`tag`) and
//! lower-cased (`tag_key`): the unique index on (order_id, tag_key) makes a
//! tag case-insensitively unique per order under concurrency, and the index
//! on (tag_key, order_id) serves the `tagsAny`/`tagsAll` filters.
//!
//! `saved_views`: a named `orders` filter and sort (JSON in the GraphQL input
//! shapes), owned by a credential's subject and optionally shared with all
//! staff; a name is unique per owner.

use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261207_000014_order_tags_views"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(OrderTags::Table)
                    .col(big_pk_auto(OrderTags::Id))
                    .col(big_integer(OrderTags::OrderId))
                    .col(string(OrderTags::Tag))
                    .col(string(OrderTags::TagKey))
                    .col(timestamp_with_time_zone(OrderTags::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(OrderTags::Table, OrderTags::OrderId)
                            .to(Orders::Table, Orders::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .take(),
            )
            .await?;
        // Also serves the order_id foreign key and the per-order loads.
        manager
            .create_index(
                Index::create()
                    .name("ux_order_tags_order_id_tag_key")
                    .table(OrderTags::Table)
                    .col(OrderTags::OrderId)
                    .col(OrderTags::TagKey)
                    .unique()
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_order_tags_tag_key_order_id")
                    .table(OrderTags::Table)
                    .col(OrderTags::TagKey)
                    .col(OrderTags::OrderId)
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(SavedViews::Table)
                    .col(big_pk_auto(SavedViews::Id))
                    .col(string(SavedViews::Name))
                    .col(string(SavedViews::Owner))
                    .col(boolean(SavedViews::Shared).default(false))
                    .col(json_binary(SavedViews::Filter))
                    .col(json_binary(SavedViews::OrderBy))
                    .col(timestamp_with_time_zone(SavedViews::CreatedAt))
                    .col(timestamp_with_time_zone(SavedViews::UpdatedAt))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_saved_views_owner_name")
                    .table(SavedViews::Table)
                    .col(SavedViews::Owner)
                    .col(SavedViews::Name)
                    .unique()
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_saved_views_shared")
                    .table(SavedViews::Table)
                    .col(SavedViews::Shared)
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(SavedViews::Table).take())
            .await?;
        manager
            .drop_table(Table::drop().table(OrderTags::Table).take())
            .await
    }
}

#[derive(DeriveIden)]
enum Orders {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum OrderTags {
    Table,
    Id,
    OrderId,
    Tag,
    TagKey,
    CreatedAt,
}

#[derive(DeriveIden)]
enum SavedViews {
    Table,
    Id,
    Name,
    Owner,
    Shared,
    Filter,
    OrderBy,
    CreatedAt,
    UpdatedAt,
}
