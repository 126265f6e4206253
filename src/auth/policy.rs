//! The one visibility policy (DESIGN.md "Access"): which orders, customers,
//! addresses and events a caller may see, and who sees staff data (staff notes,
//! admin fields and their events). Every interface asks it: GraphQL fields and
//! roots, `node`, subscriptions, order edits, the REST exports and the seed
//! adapters. Nothing else decides, so a new interface cannot disagree.

use sea_orm::sea_query::IntoCondition;
use sea_orm::{ColumnTrait, Condition};

use super::principal::Principal;
use super::role::Role;
use crate::entities::{addressbook, order};
use crate::events::OrderEventKind;

/// What one caller may see. Cheap to copy; make it with [`Principal::policy`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Policy {
    role: Role,
    /// For customers: the one customer whose data they see. A customer
    /// principal without an id sees nothing (no row has customer -1).
    customer: Option<i64>,
}

impl Principal {
    /// The visibility policy of this caller.
    pub fn policy(&self) -> Policy {
        Policy {
            role: self.role,
            customer: (self.role == Role::Customer).then(|| self.customer_id.unwrap_or(-1)),
        }
    }
}

impl Policy {
    /// The policy of a role acting for `customer_id` (customers) without a
    /// request: what a webhook receiver (an integration) or an e-mail's
    /// recipient (the order's customer) may see.
    pub fn for_role(role: Role, customer_id: Option<i64>) -> Policy {
        Principal {
            role,
            subject: String::new(),
            customer_id,
        }
        .policy()
    }

    /// For customers, the only customer whose orders they see and act on;
    /// `None` for every other role (no restriction).
    pub fn customer_scope(&self) -> Option<i64> {
        self.customer
    }

    /// Whether the caller may see data belonging to `customer_id` (an order's
    /// customer, or none).
    fn owns(&self, customer_id: Option<i64>) -> bool {
        self.customer.is_none_or(|own| customer_id == Some(own))
    }

    /// Whether the caller may see this order. Another customer's order must
    /// look exactly like a missing one, so callers answer null or NOT_FOUND.
    pub fn sees_order(&self, order: &order::Model) -> bool {
        self.owns(order.customer_id)
    }

    /// Whether the caller may see an order of `customer_id` (for rows that
    /// carry only the order's customer, like published events).
    pub fn sees_order_of(&self, customer_id: Option<i64>) -> bool {
        self.owns(customer_id)
    }

    /// Whether the caller may see every order ([`Self::orders`] selects all).
    pub fn sees_every_order(&self) -> bool {
        self.customer.is_none()
    }

    /// The orders the caller may see, as SQL: every list, count, statistic
    /// and export adds it to its filter.
    pub fn orders(&self) -> Condition {
        match self.customer {
            Some(own) => order::Column::CustomerId.eq(own).into_condition(),
            None => Condition::all(),
        }
    }

    /// Whether the caller may see this customer: customers only themselves.
    pub fn sees_customer(&self, customer_id: i64) -> bool {
        self.owns(Some(customer_id))
    }

    /// Whether the caller may see this address: customers only their own
    /// addressbook (addresses of their orders are in it).
    pub fn sees_address(&self, address: &addressbook::Model) -> bool {
        self.owns(address.customer_id)
    }

    /// Whether the caller may read and write staff notes.
    pub fn sees_staff_notes(&self) -> bool {
        matches!(self.role, Role::Admin | Role::Staff)
    }

    /// Whether the caller may read admin fields and filter by them.
    pub fn sees_admin_fields(&self) -> bool {
        matches!(self.role, Role::Admin | Role::Staff)
    }

    /// Whether the caller may see and set order tags and filter by them:
    /// everyone but customers. Tags are the shop's own labels ("fraud-check",
    /// "vip"), not meant for the buyer; integrations (ERPs, fulfilment apps)
    /// tag orders as Shopify apps do.
    pub fn sees_tags(&self) -> bool {
        self.role != Role::Customer
    }

    /// Whether the caller may see events of this kind: changes to admin
    /// fields and staff notes are staff data, tag changes not for customers.
    pub fn sees_event(&self, kind: OrderEventKind) -> bool {
        match kind {
            OrderEventKind::AdminFieldsUpdated => self.sees_admin_fields(),
            OrderEventKind::StaffNotesUpdated => self.sees_staff_notes(),
            OrderEventKind::TagsUpdated => self.sees_tags(),
            _ => true,
        }
    }

    /// Whether the caller may keep and use saved order views: staff and
    /// admins, whose dashboards they serve.
    pub fn sees_saved_views(&self) -> bool {
        matches!(self.role, Role::Admin | Role::Staff)
    }

    /// Whether the caller may see how an order's money moved at the payment
    /// provider (a transaction's gateway, gateway reference and who recorded
    /// it): the shop's staff and its integrations. A customer sees the
    /// amounts, kinds and statuses of its own order's transactions, never
    /// these.
    pub fn sees_payment_internals(&self) -> bool {
        self.role != Role::Customer
    }

    /// Whether the caller may see API keys (admins only).
    pub fn sees_api_keys(&self) -> bool {
        self.role == Role::Admin
    }

    /// Whether the caller may see deliveries (e-mails and webhook calls with
    /// their recipients and payloads): staff and admins.
    pub fn sees_deliveries(&self) -> bool {
        matches!(self.role, Role::Admin | Role::Staff)
    }

    /// Whether the caller may see webhook endpoints, automation rules and
    /// e-mail templates (admins only).
    pub fn sees_delivery_settings(&self) -> bool {
        self.role == Role::Admin
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(role: Role, customer_id: Option<i64>) -> Policy {
        Principal {
            role,
            subject: "t".into(),
            customer_id,
        }
        .policy()
    }

    fn order_of(customer_id: Option<i64>) -> order::Model {
        order::Model {
            customer_id,
            ..Default::default()
        }
    }

    #[test]
    fn only_staff_and_admins_see_staff_data() {
        for (role, sees) in [
            (Role::Admin, true),
            (Role::Staff, true),
            (Role::Integration, false),
            (Role::Customer, false),
        ] {
            let p = policy(role, Some(1));
            assert_eq!(p.sees_staff_notes(), sees, "{role:?}");
            assert_eq!(p.sees_admin_fields(), sees, "{role:?}");
            assert_eq!(
                p.sees_event(OrderEventKind::AdminFieldsUpdated),
                sees,
                "{role:?}"
            );
            assert_eq!(
                p.sees_event(OrderEventKind::StaffNotesUpdated),
                sees,
                "{role:?}"
            );
            assert!(p.sees_event(OrderEventKind::StatusChanged));
        }
    }

    #[test]
    fn everyone_but_customers_sees_tags() {
        for (role, sees) in [
            (Role::Admin, true),
            (Role::Staff, true),
            (Role::Integration, true),
            (Role::Customer, false),
        ] {
            let p = policy(role, Some(1));
            assert_eq!(p.sees_tags(), sees, "{role:?}");
            assert_eq!(p.sees_event(OrderEventKind::TagsUpdated), sees, "{role:?}");
        }
    }

    #[test]
    fn customers_see_only_their_own_orders_and_others_see_all() {
        let customer = policy(Role::Customer, Some(7));
        assert!(customer.sees_order(&order_of(Some(7))));
        assert!(!customer.sees_order(&order_of(Some(8))));
        assert!(!customer.sees_order(&order_of(None)));
        assert!(customer.sees_customer(7) && !customer.sees_customer(8));
        let staff = policy(Role::Staff, None);
        assert!(staff.sees_order(&order_of(Some(8))) && staff.sees_order(&order_of(None)));
    }

    #[test]
    fn a_customer_without_an_id_sees_nothing() {
        let orphan = policy(Role::Customer, None);
        assert!(!orphan.sees_order(&order_of(None)));
        assert_eq!(orphan.customer_scope(), Some(-1));
    }

    #[test]
    fn customers_never_see_payment_internals() {
        assert!(!policy(Role::Customer, Some(1)).sees_payment_internals());
        for role in [Role::Admin, Role::Staff, Role::Integration] {
            assert!(policy(role, None).sees_payment_internals(), "{role:?}");
        }
    }

    #[test]
    fn only_admins_see_api_keys() {
        assert!(policy(Role::Admin, None).sees_api_keys());
        assert!(!policy(Role::Staff, None).sees_api_keys());
    }
}
