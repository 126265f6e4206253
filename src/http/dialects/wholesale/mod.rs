//! Seed 003 (the B2B wholesale platform) on top of the GraphQL services:
//! `POST /api/orders` creates an order (HTTP Basic customer credentials, or
//! a staff/integration key acting for a named customer), and the staff
//! endpoints under `/api/orders/{id}/...` change its status, tracking,
//! integration reference, admin fields, products and messages. Amounts as
//! Ruby's BigDecimal prints them ("190.0"); numeric status ids
//! (`status_order_id`); errors as `{"status", "message", "code", "errors"}`.

mod body;
mod create;
mod orders;
mod products;
mod reply;
mod view;

pub use create::create;
pub use orders::{
    add_message, change_status, set_admin_fields, set_integration_ref, set_shipping_tracking,
};
pub use products::{add_product, change_product_quantity, order_product_note, remove_product};
