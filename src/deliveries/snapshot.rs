//! What a delivery says about its order and event, captured when it is
//! created (so a retry days later still describes the event it belongs to),
//! and shaped by the visibility policy of whoever receives it: integrations for
//! webhooks, the order's customer for e-mails. Field names follow the GraphQL
//! ones.

use serde_json::{Map, Value as Json, json};

use crate::auth::policy::Policy;
use crate::entities::{order, order_event, order_line, order_message};
use crate::ids::{NodeKind, global_id};
use crate::payments::ledger::Ledger;

/// The order as `policy` may see it, with its lines.
pub fn order_view(order: &order::Model, lines: &[order_line::Model], policy: Policy) -> Json {
    let ledger = Ledger::of(order);
    let figures = ledger.figures(order.gross_total).ok();
    let mut view = json!({
        "id": global_id(NodeKind::Order, order.id).0,
        "databaseId": order.id.to_string(),
        "number": order.number,
        "source": order.source,
        "externalId": order.external_id,
        "reference": order.reference,
        "status": order.status,
        "statusLabel": order.status.label(),
        "paymentStatus": order.payment_status,
        "financialStatus": ledger.financial_status(order.gross_total, order.payment_status),
        "paymentMethod": order.payment_method,
        "currency": order.currency,
        "test": order.test,
        "customerEmail": order.customer_email,
        "customerName": order.customer_name,
        "notes": order.notes,
        "integrationRef": order.integration_ref,
        "metadata": order.metadata,
        "version": order.version,
        "totals": {
            "totalQuantity": order.total_quantity,
            "productsBeforeDiscount": order.products_before_discount,
            "discountPercentage": order.discount_percentage,
            "discountTotal": order.discount_total,
            "totalBeforeVat": order.total_before_vat,
            "totalVat": order.total_vat,
            "shippingCosts": order.shipping_costs,
            "grossTotal": order.gross_total,
            "paidAmount": order.paid_amount,
            "refundedAmount": order.refunded_amount,
            "authorizedAmount": order.authorized_amount,
            "currentTotal": figures.map(|f| f.current_total),
            "outstandingAmount": figures.map(|f| f.outstanding),
        },
        "tracking": {
            "code": order.tracking_code,
            "url": order.tracking_url,
            "shippingOption": order.shipping_option,
        },
        "lines": lines.iter().map(line_view).collect::<Vec<_>>(),
        "submittedAt": order.submitted_at.to_rfc3339(),
        "createdAt": order.created_at.to_rfc3339(),
        "updatedAt": order.updated_at.to_rfc3339(),
    });
    if policy.sees_staff_notes() {
        view["staffNotes"] = json!(order.staff_notes);
    }
    view
}

fn line_view(line: &order_line::Model) -> Json {
    json!({
        "id": global_id(NodeKind::OrderLine, line.id).0,
        "databaseId": line.id.to_string(),
        "position": line.position,
        "productCode": line.product_code,
        "name": line.name,
        "sku": line.sku,
        "quantity": line.quantity,
        "price": line.price,
        "finalPrice": line.final_price,
        "vatPercentage": line.vat_percentage,
        "totalBeforeVat": line.total_before_vat,
        "totalVat": line.total_vat,
        "totalAfterVat": line.total_after_vat,
    })
}

/// The event as `policy` may see it; `None` when it may not see it at all.
pub fn event_view(event: &order_event::Model, policy: Policy) -> Option<Json> {
    if !policy.sees_event(event.kind) {
        return None;
    }
    Some(json!({
        "id": global_id(NodeKind::OrderEvent, event.id).0,
        "databaseId": event.id.to_string(),
        "kind": event.kind,
        "fromStatus": event.from_status,
        "toStatus": event.to_status,
        "actor": event.actor,
        "note": event.note,
        "notify": event.notify,
        "data": event.data,
        "createdAt": event.created_at.to_rfc3339(),
    }))
}

/// A message, for the MESSAGE_ADDED e-mail.
pub fn message_view(message: &order_message::Model) -> Json {
    json!({"fromUser": message.from_user, "text": message.text})
}

/// The context of an e-mail template: every key always present.
pub fn email_context(order: Json, event: Json, message: Option<Json>) -> Json {
    let mut context = Map::new();
    context.insert("order".into(), order);
    context.insert("event".into(), event);
    context.insert("message".into(), message.unwrap_or(Json::Null));
    Json::Object(context)
}
