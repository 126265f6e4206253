//! Runs queries and mutations on a second schema that has no extensions, so
//! that their fields resolve on async-graphql's fast path.
//!
//! async-graphql 7 takes a slower path for every field and every list item
//! as soon as one extension is registered, whether or not any extension
//! hooks `resolve`: it builds a `ResolveInfo` (two registry lookups) and
//! one boxed future per extension (`resolver_utils::container`, `list`).
//! With error codes, response shaping, idempotency and the limits that was
//! five boxed futures for each of the ~20,000 fields of a nested page of
//! 100 orders. All of those extensions work on the request (parse,
//! validation, around execution), none on fields.
//!
//! So the served schema keeps every extension, and this one, registered
//! last and so innermost, replaces the execution step: it hands the already
//! parsed and validated document, the variables and the request's data to
//! the extension-free schema. Everything the outer extensions do around
//! execution (timeout, idempotency claim, reshaping, error codes, the cost
//! report) wraps this hand-off unchanged.
//!
//! Only requests marked [`Eligible`] are handed off: the HTTP endpoint marks
//! the queries and mutations it parsed. Subscriptions (the served schema's
//! stream executes their events, with their request data) and operations
//! over WebSocket (their data lives in the connection's session) run where
//! they are.

use std::any::{Any, TypeId};
use std::sync::{Arc, Mutex};

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextPrepareRequest,
};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{Data, Request, Response, ServerResult, Variables};

use super::AppSchema;
use super::idempotency::IdempotencyKey;
use crate::auth::Caller;

/// Request data marking an operation (a query or a mutation) whose request
/// data may move to the executing schema.
#[derive(Clone, Copy, Debug)]
pub struct Eligible;

/// The extension factory, holding the schema that executes.
pub struct Handoff(AppSchema);

impl Handoff {
    /// Hands execution to `executor`, which must be the same schema built
    /// without extensions (and may skip strict validation: the served schema
    /// validated the document already).
    pub fn new(executor: AppSchema) -> Self {
        Handoff(executor)
    }
}

impl ExtensionFactory for Handoff {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(HandoffExtension {
            executor: self.0.clone(),
            taken: Mutex::new(None),
        })
    }
}

/// What the executing schema needs of the request, gathered by the hooks
/// before execution.
struct Taken {
    data: Data,
    introspection_mode: async_graphql::IntrospectionMode,
    document: Option<(ExecutableDocument, Variables)>,
}

struct HandoffExtension {
    executor: AppSchema,
    taken: Mutex<Option<Taken>>,
}

/// The request data the outer extensions read (`ctx.data_opt`), copied
/// back after the request's data was taken for the executing schema.
fn keep_for_extensions(from: &Data, into: &mut Data) {
    fn copy<T: Any + Clone + Send + Sync>(from: &Data, into: &mut Data) {
        if let Some(value) = from
            .get(&TypeId::of::<T>())
            .and_then(|value| value.downcast_ref::<T>())
        {
            into.insert(value.clone());
        }
    }
    copy::<Caller>(from, into);
    copy::<IdempotencyKey>(from, into);
}

#[async_graphql::async_trait::async_trait]
impl Extension for HandoffExtension {
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        mut request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        if !request.data.contains_key(&TypeId::of::<Eligible>()) {
            return next.run(ctx, request).await;
        }
        let data = std::mem::take(&mut request.data);
        keep_for_extensions(&data, &mut request.data);
        if let Ok(mut taken) = self.taken.lock() {
            *taken = Some(Taken {
                data,
                introspection_mode: request.introspection_mode,
                document: None,
            });
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
        if let Ok(mut taken) = self.taken.lock()
            && let Some(taken) = taken.as_mut()
        {
            taken.document = Some((document.clone(), variables.clone()));
        }
        Ok(document)
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let taken = self.taken.lock().ok().and_then(|mut taken| taken.take());
        let Some(Taken {
            data,
            introspection_mode,
            document: Some((document, variables)),
        }) = taken
        else {
            return next.run(ctx, operation_name).await;
        };
        // The text is not parsed again: the document goes with it.
        let mut request = Request::new(String::new()).variables(variables);
        request.operation_name = operation_name.map(str::to_owned);
        request.data = data;
        request.introspection_mode = introspection_mode;
        request.set_parsed_query(document);
        self.executor.execute(request).await
    }
}
