//! Tags on orders: staff's labels ("vip", "gift", "wholesale"), added and
//! removed as order changes (TAGS_UPDATED, a version bump), listed on
//! `Order.tags` and filtered by with `tagsAny` / `tagsAll`. Admins, staff and
//! integrations see and set them; customers never see them.

pub mod loaders;
pub mod mutations;
pub mod service;
