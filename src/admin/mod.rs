//! Staff's extra fields on orders (seed 003 set_admin_fields): set by name, a
//! null value removes the field.

pub mod inputs;
pub mod loaders;
pub mod mutations;
pub mod service;
pub mod types;
