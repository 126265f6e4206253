//! A version of the outbox planner's configuration (`webhook_endpoints`,
//! `automation_rules`), kept in `settings` under `delivery_config_version`
//! and replaced by triggers whenever either table changes, however it
//! changes (the API, the delivery worker disabling an endpoint, plain SQL).
//! Every write transaction reads it with its events and reads the tables
//! themselves only when it moved, instead of twice per write.
//!
//! The version is a fresh random token, not a counter: a change that rolls
//! back must never leave a version that a later committed change reuses
//! (an instance that planned with the rolled-back rows would take them for
//! the committed ones). The triggers list the columns the planner reads, so
//! the worker's failure counting (`consecutive_failures`) leaves the version
//! alone; a column the planner starts reading must be added here.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261204_000011_delivery_config_version"
    }
}

const ENDPOINT_COLUMNS: &str = "url, kinds, sources, statuses, active, secret";
const RULE_COLUMNS: &str = "name, active, kinds, sources, statuses, template, recipient, endpoint_id, delay_seconds, unless_statuses";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DatabaseBackend::Postgres => {
                db.execute_unprepared(
                    "INSERT INTO settings (key, value, updated_at) \
                     VALUES ('delivery_config_version', gen_random_uuid()::text, now()) \
                     ON CONFLICT (key) DO NOTHING",
                )
                .await?;
                db.execute_unprepared(
                    "CREATE OR REPLACE FUNCTION ordergraph_delivery_config_changed() RETURNS trigger \
                     LANGUAGE plpgsql AS $$ BEGIN \
                       UPDATE settings SET value = gen_random_uuid()::text, updated_at = now() \
                       WHERE key = 'delivery_config_version'; \
                       RETURN NULL; \
                     END $$",
                )
                .await?;
                for (table, columns) in [
                    ("webhook_endpoints", ENDPOINT_COLUMNS),
                    ("automation_rules", RULE_COLUMNS),
                ] {
                    db.execute_unprepared(&format!(
                        "CREATE TRIGGER {table}_delivery_config \
                         AFTER INSERT OR DELETE OR TRUNCATE OR UPDATE OF {columns} ON {table} \
                         FOR EACH STATEMENT EXECUTE FUNCTION ordergraph_delivery_config_changed()"
                    ))
                    .await?;
                }
            }
            _ => {
                db.execute_unprepared(
                    "INSERT OR IGNORE INTO settings (key, value, updated_at) \
                     VALUES ('delivery_config_version', lower(hex(randomblob(16))), CURRENT_TIMESTAMP)",
                )
                .await?;
                for (table, columns) in [
                    ("webhook_endpoints", ENDPOINT_COLUMNS),
                    ("automation_rules", RULE_COLUMNS),
                ] {
                    for (name, event) in [
                        ("insert", "INSERT".to_owned()),
                        ("delete", "DELETE".to_owned()),
                        ("update", format!("UPDATE OF {columns}")),
                    ] {
                        db.execute_unprepared(&format!(
                            "CREATE TRIGGER {table}_delivery_config_{name} AFTER {event} ON {table} \
                             BEGIN UPDATE settings SET value = lower(hex(randomblob(16))) \
                             WHERE key = 'delivery_config_version'; END"
                        ))
                        .await?;
                    }
                }
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DatabaseBackend::Postgres => {
                for table in ["webhook_endpoints", "automation_rules"] {
                    db.execute_unprepared(&format!(
                        "DROP TRIGGER IF EXISTS {table}_delivery_config ON {table}"
                    ))
                    .await?;
                }
                db.execute_unprepared(
                    "DROP FUNCTION IF EXISTS ordergraph_delivery_config_changed()",
                )
                .await?;
            }
            _ => {
                for table in ["webhook_endpoints", "automation_rules"] {
                    for name in ["insert", "delete", "update"] {
                        db.execute_unprepared(&format!(
                            "DROP TRIGGER IF EXISTS {table}_delivery_config_{name}"
                        ))
                        .await?;
                    }
                }
            }
        }
        db.execute_unprepared("DELETE FROM settings WHERE key = 'delivery_config_version'")
            .await?;
        Ok(())
    }
}
