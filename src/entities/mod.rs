//! sea-orm entities, one file per table. Plain data: no business logic here, and
//! nothing here is exposed to GraphQL directly (the domain `types.rs` wrap them).

pub mod addressbook;
pub mod api_key;
pub mod automation_rule;
pub mod customer;
pub mod delivery;
pub mod delivery_attempt;
pub mod email_template;
pub mod fulfillment;
pub mod fulfillment_line;
pub mod idempotency_key;
pub mod order;
pub mod order_admin_field;
pub mod order_event;
pub mod order_line;
pub mod order_message;
pub mod order_tag;
pub mod payment_transaction;
pub mod product;
pub mod refund;
pub mod refund_line;
pub mod saved_view;
pub mod setting;
pub mod trusted_document;
pub mod webhook_endpoint;
