//! Spans for traces (see `telemetry`): one per operation, named as
//! OpenTelemetry's GraphQL conventions say (`mutation PlaceOrder`), and one per
//! root field's resolver (`Mutation.placeOrder`), under which the services
//! and their SQL statements nest, nested fields' loaders included. Installed
//! only when traces are exported.
//!
//! Not async-graphql's stock `Tracing` extension: it records the document
//! with its variables' values (customers' names, e-mail addresses) on the
//! parse span, makes a span for every object field of every list item, and
//! logs each resolver error at `info`.

use std::sync::{Arc, Mutex, OnceLock};

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextPrepareRequest, NextRequest,
    NextResolve, ResolveInfo,
};
use async_graphql::parser::types::{ExecutableDocument, OperationType};
use async_graphql::{Request, Response, ServerError, ServerResult, Value, Variables};
use opentelemetry::trace::TraceContextExt;
use tracing::field::Empty;
use tracing::{Instrument, Span};
use tracing_opentelemetry::OpenTelemetrySpanExt;

use super::selected_operation;

/// The extension factory.
pub struct Spans;

impl ExtensionFactory for Spans {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(SpansExtension::default())
    }
}

#[derive(Default)]
struct SpansExtension {
    /// The operation's span, once `request` made it (subscriptions get none:
    /// a span as long as the subscription says nothing).
    operation: OnceLock<Span>,
    /// The request's `operationName`, to name the span once parsed.
    operation_name: Mutex<Option<String>>,
}

#[async_graphql::async_trait::async_trait]
impl Extension for SpansExtension {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let span = tracing::info_span!(
            "graphql",
            // Until the document is parsed: the conventions' name for an
            // operation of unknown type.
            otel.name = "GraphQL Operation",
            otel.status_code = Empty,
            graphql.operation.type = Empty,
            graphql.operation.name = Empty,
            graphql.error.codes = Empty,
        );
        let _ = self.operation.set(span.clone());
        let response = next.run(ctx).instrument(span.clone()).await;
        if !response.errors.is_empty() {
            let codes: Vec<&str> = response.errors.iter().map(code).collect();
            span.record("graphql.error.codes", codes.join(","));
            // Refusals and bad input are the client's; these are ours.
            if codes
                .iter()
                .any(|c| matches!(*c, "INTERNAL" | "TIMEOUT" | "UNAVAILABLE"))
            {
                span.record("otel.status_code", "ERROR");
            }
        }
        response
    }

    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        if let Ok(mut name) = self.operation_name.lock() {
            name.clone_from(&request.operation_name);
        }
        next.run(ctx, request).await
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        if let Some(span) = self.operation.get() {
            let name = self.operation_name.lock().ok().and_then(|n| n.clone());
            if let Some(operation) = selected_operation(&document, name.as_deref()) {
                let kind = match operation.node.ty {
                    OperationType::Query => "query",
                    OperationType::Mutation => "mutation",
                    OperationType::Subscription => "subscription",
                };
                span.record("graphql.operation.type", kind);
                let title = match &name {
                    Some(name) => {
                        span.record("graphql.operation.name", name.as_str());
                        format!("{kind} {name}")
                    }
                    None => kind.to_owned(),
                };
                // Recording `otel.name` no longer renames a span that has
                // started (the request's extensions ran in it already).
                span.context().span().update_name(title);
            }
        }
        Ok(document)
    }

    async fn resolve(
        &self,
        ctx: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> ServerResult<Option<Value>> {
        // Root fields only: they are what calls the services, and nested
        // fields (per list item) would multiply spans by the page size.
        if info.path_node.parent.is_some()
            || info.is_for_introspection
            || self.operation.get().is_none()
        {
            return next.run(ctx, info).await;
        }
        let span = tracing::info_span!(
            "graphql.resolve",
            otel.name = %format_args!("{}.{}", info.parent_type, info.name),
            otel.status_code = Empty,
            graphql.field.name = info.name,
            graphql.field.alias = info.alias,
            graphql.parent_type = info.parent_type,
            graphql.error.code = Empty,
        );
        let result = next.run(ctx, info).instrument(span.clone()).await;
        if let Err(error) = &result {
            let code = code(error);
            span.record("graphql.error.code", code);
            if code == "INTERNAL" {
                span.record("otel.status_code", "ERROR");
            }
        }
        result
    }
}

/// An error's `extensions.code`; an error without one is the client's
/// mistake, as `error_codes` will say in the response.
fn code(error: &ServerError) -> &str {
    match error.extensions.as_ref().and_then(|x| x.get("code")) {
        Some(Value::String(code)) => code,
        _ => "BAD_USER_INPUT",
    }
}
