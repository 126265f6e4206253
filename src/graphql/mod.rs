//! The GraphQL schema: roots merged from the domains, the limits, and the
//! extension that gives every error a code. [`schema_builder`] needs no database,
//! so `ordergraph schema` and the SDL test can build the schema anywhere.

pub mod budget;
pub mod context;
pub mod cost;
pub mod error_codes;
pub mod handoff;
pub mod idempotency;
pub mod limits;
pub mod loader;
pub mod node;
pub mod page_info;
pub mod shape;
pub mod spans;
pub mod trusted;

use std::sync::Arc;
use std::time::Duration;

use async_graphql::Positioned;
use async_graphql::parser::types::{DocumentOperations, ExecutableDocument, OperationDefinition};
use async_graphql::{MergedObject, MergedSubscription, Schema, SchemaBuilder};

use crate::admin::mutations::AdminFieldMutation;
use crate::auth::mutations::AuthMutation;
use crate::auth::queries::AuthQuery;
use crate::catalog::mutations::CatalogMutation;
use crate::catalog::queries::CatalogQuery;
use crate::customers::mutations::CustomerMutation;
use crate::customers::queries::CustomerQuery;
use crate::deliveries::mutations::DeliveryMutation;
use crate::deliveries::queries::DeliveryQuery;
use crate::events::subscriptions::EventSubscription;
use crate::fulfillments::mutations::FulfillmentMutation;
use crate::lines::mutations::LineMutation;
use crate::messages::mutations::MessageMutation;
use crate::orders::mutations::OrderMutation;
use crate::orders::queries::OrderQuery;
use crate::payments::mutations::PaymentMutation;
use crate::state::AppState;
use crate::tags::mutations::TagMutation;
use crate::views::mutations::SavedViewMutation;
use crate::views::queries::SavedViewQuery;
use budget::Budget;
use node::NodeQuery;

// One object per domain, merged.
/// Everything there is to read: orders, their statistics and workflow,
/// customers, the catalogue, the caller, and any object by its global id.
#[derive(MergedObject, Default)]
#[graphql(name = "Query")]
pub struct QueryRoot(
    NodeQuery,
    AuthQuery,
    OrderQuery,
    CustomerQuery,
    CatalogQuery,
    DeliveryQuery,
    trusted::TrustedDocumentQuery,
    SavedViewQuery,
);

// One object per domain, merged.
/// Every change: placing, syncing and importing orders, moving them through
/// their workflow, editing lines, payments and refunds, messages, admin
/// fields, customers, the catalogue, credentials, and shipping orders in
/// fulfillments.
#[derive(MergedObject, Default)]
#[graphql(name = "Mutation")]
pub struct MutationRoot(
    OrderMutation,
    AuthMutation,
    LineMutation,
    PaymentMutation,
    MessageMutation,
    AdminFieldMutation,
    CustomerMutation,
    CatalogMutation,
    DeliveryMutation,
    trusted::TrustedDocumentMutation,
    FulfillmentMutation,
    TagMutation,
    SavedViewMutation,
);

// One object per domain, merged.
/// Live updates over WebSocket (graphql-transport-ws or the legacy
/// graphql-ws): committed order events, resumable with `after`.
#[derive(MergedSubscription, Default)]
#[graphql(name = "Subscription")]
pub struct SubscriptionRoot(EventSubscription);

/// The executable schema type.
pub type AppSchema = Schema<QueryRoot, MutationRoot, SubscriptionRoot>;

/// The schema with its extensions but without server state or limits: enough to
/// print the SDL or validate documents.
pub fn schema_builder() -> SchemaBuilder<QueryRoot, MutationRoot, SubscriptionRoot> {
    bare_builder()
        .extension(error_codes::ErrorCodes)
        // Outside every other extension: what clients get is spec-shaped.
        .extension(shape::ResponseShape)
}

/// The roots without any extension.
fn bare_builder() -> SchemaBuilder<QueryRoot, MutationRoot, SubscriptionRoot> {
    Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        SubscriptionRoot::default(),
    )
    // Field suggestions ("did you mean ...") hand the schema to probes one
    // guess at a time; introspection stays on for tooling.
    .disable_suggestions()
}

/// The schema a running server executes: [`schema_builder`] plus the configured
/// limits and the server state.
pub fn build_schema(
    state: AppState,
    budget: Option<Arc<Budget>>,
    trusted: Arc<trusted::TrustedDocuments>,
) -> AppSchema {
    let config = &state.config;
    let ttl = Duration::from_secs(config.idempotency_ttl_hours.max(1) * 3600);
    // A running request holds its key a little longer than it may run.
    let lease = Duration::from_secs(config.request_timeout_seconds.max(1) + 5);
    let mut builder = schema_builder();
    let traced = config.otel_traces_endpoint.is_some();
    // Only with an exporter: an extension costs every field a boxed future.
    if traced {
        // Outside the limits, so a refused or timed-out operation has its span.
        builder = builder.extension(spans::Spans);
    }
    if config.graphql_trusted_documents {
        // Before every other check: an unregistered document is refused
        // without being parsed, costed or keyed.
        builder = builder.extension(trusted::TrustedOnly(trusted));
    }
    builder = builder
        // Outside the limits' timeout, so a timed-out mutation frees its key.
        .extension(idempotency::Idempotency::new(state.db.clone(), ttl, lease))
        .extension(limits::Limits::new(
            limits::LimitSettings::from_config(config),
            budget,
        ));
    // Traced operations stay on the served schema: their root fields' spans
    // are a `resolve` hook.
    if !traced {
        let executor = bare_builder()
            // The served schema ran every rule on this document already;
            // the fast mode still computes what execution needs.
            .validation_mode(async_graphql::ValidationMode::Fast)
            .limit_directives(config.graphql_max_directives)
            .data(state.clone())
            .finish();
        // Last, so innermost: every other extension wraps the hand-off.
        builder = builder.extension(handoff::Handoff::new(executor));
    }
    builder
        .limit_directives(config.graphql_max_directives)
        .data(state.clone())
        .finish()
}

/// The operation a request runs: the one named `name`, or the document's
/// only one. `None` when the name is unknown, or missing in a document of
/// several (execution refuses both).
pub fn selected_operation<'d>(
    document: &'d ExecutableDocument,
    name: Option<&str>,
) -> Option<&'d Positioned<OperationDefinition>> {
    match (&document.operations, name) {
        (DocumentOperations::Single(op), _) => Some(op),
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name),
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => ops.values().next(),
        (DocumentOperations::Multiple(_), None) => None,
    }
}

/// The SDL, as written to `schema.graphql`.
pub fn sdl() -> String {
    // async-graphql leaves `@specifiedBy` out of the SDL by default; clients
    // generating code from schema.graphql need it as much as introspection does.
    schema_builder()
        .finish()
        .sdl_with_options(async_graphql::SDLExportOptions::new().include_specified_by())
}
