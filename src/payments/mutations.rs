//! Payment mutations: recording a transaction, refunding.

use async_graphql::{Context, ID, Object};

use super::inputs::{PaymentTransactionInput, RefundOrderInput};
use super::types::{CreateOrderTransactionPayload, PaymentTransaction, Refund, RefundOrderPayload};
use super::{record, refund};
use crate::auth::ORDER_WORKERS;
use crate::error::AppError;
use crate::graphql::context::{require_principal, state};
use crate::ids::{self, NodeKind};
use crate::orders::types::Order;

/// Payments.
#[derive(Default)]
pub struct PaymentMutation;

#[Object]
impl PaymentMutation {
    /// Records a payment transaction on an order: an AUTHORIZATION, a
    /// CAPTURE or a VOID, successful (the default) or FAILURE. A successful
    /// one is checked against the order's figures under its lock: an
    /// authorization covers at most what is outstanding beyond the open
    /// authorizations; a capture takes at most the outstanding amount, and at
    /// most the open authorization when there is one (it draws on it); a
    /// void releases the whole open authorization and needs one. The order's
    /// `paidAmount`, financial and payment status follow, its version grows,
    /// and a TRANSACTION_RECORDED event is written with it. Refused amounts
    /// are BAD_USER_INPUT naming `input.amount`; a currency other than the
    /// order's names `input.currency`. The same provider report sent again
    /// (gateway, kind and reference) records nothing and answers the first
    /// (`created: false`). Admins, staff and integrations (whose payment
    /// provider reports the transaction); FORBIDDEN for customers.
    async fn create_order_transaction(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            name = "idempotencyKey",
            desc = "Makes a retry safe: a request repeated with this key (and the same operation and variables) within 24 h returns the first response instead of running again. Or send the Idempotency-Key header."
        )]
        _idempotency_key: Option<String>,
        #[graphql(desc = "The order's id (its plain database id is accepted too, deprecated).")]
        order_id: ID,
        #[graphql(desc = "The transaction.")] input: PaymentTransactionInput,
    ) -> Result<CreateOrderTransactionPayload, AppError> {
        let principal = require_principal(ctx)?;
        principal.require(ORDER_WORKERS)?;
        let order_id = ids::parse(&order_id, NodeKind::Order, "orderId")?;
        let recorded =
            record::create_transaction(&state(ctx)?.db, principal, order_id, input).await?;
        Ok(CreateOrderTransactionPayload {
            transaction: PaymentTransaction(recorded.transaction),
            order: Order(recorded.order),
            created: recorded.created,
        })
    }

    /// Refunds an order: lines and quantities (their value is the amount
    /// unless `amount` is given), an amount, or both. Under the order's lock:
    /// a line's quantity never exceeds what is left to refund of it (named
    /// `input.lines.N.quantity`), and the amount never exceeds what was
    /// captured and not yet refunded (named `input.amount`, or `input.lines`
    /// when the amount comes from them), so concurrent refunds never give
    /// back more than was captured. Writes the refund, its REFUND
    /// transaction and a REFUND_CREATED event (`notify: true` e-mails the
    /// customer); the refund leaves the order's current total. When nothing
    /// paid remains (financial status REFUNDED) the order moves to REFUNDED
    /// if its workflow allows (SHIPPED, DELIVERED, COMPLETED or CANCELLED; a
    /// STATUS_CHANGED event in the same transaction); before that its status
    /// stays. Admins, staff and integrations (recording a refund their
    /// payment provider made); FORBIDDEN for customers.
    async fn refund_order(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            name = "idempotencyKey",
            desc = "Makes a retry safe: a request repeated with this key (and the same operation and variables) within 24 h returns the first response instead of running again. Or send the Idempotency-Key header."
        )]
        _idempotency_key: Option<String>,
        #[graphql(desc = "The order's id (its plain database id is accepted too, deprecated).")]
        order_id: ID,
        #[graphql(desc = "What to refund.")] input: RefundOrderInput,
    ) -> Result<RefundOrderPayload, AppError> {
        let principal = require_principal(ctx)?;
        principal.require(ORDER_WORKERS)?;
        let order_id = ids::parse(&order_id, NodeKind::Order, "orderId")?;
        let refunded = refund::refund_order(&state(ctx)?.db, principal, order_id, input).await?;
        Ok(RefundOrderPayload {
            refund: Refund(refunded.refund),
            order: Order(refunded.order),
            created: refunded.created,
        })
    }
}
