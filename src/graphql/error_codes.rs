//! Gives every error a client sees an `extensions.code`. Resolver errors carry
//! theirs (they are all `AppError`); what is left comes from async-graphql itself
//! (parsing, validation, argument coercion, limits) and is the client's mistake:
//! BAD_USER_INPUT.

use std::sync::Arc;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextRequest, NextSubscribe,
};
use async_graphql::{Response, ServerError, Value};
use futures_util::StreamExt;
use futures_util::stream::BoxStream;

pub struct ErrorCodes;

impl ExtensionFactory for ErrorCodes {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ErrorCodesExtension)
    }
}

struct ErrorCodesExtension;

#[async_graphql::async_trait::async_trait]
impl Extension for ErrorCodesExtension {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let mut response = next.run(ctx).await;
        response.errors.iter_mut().for_each(ensure_code);
        response
    }

    fn subscribe<'s>(
        &self,
        ctx: &ExtensionContext<'_>,
        stream: BoxStream<'s, Response>,
        next: NextSubscribe<'_>,
    ) -> BoxStream<'s, Response> {
        next.run(ctx, stream)
            .map(|mut response| {
                response.errors.iter_mut().for_each(ensure_code);
                response
            })
            .boxed()
    }
}

fn ensure_code(error: &mut ServerError) {
    let extensions = error.extensions.get_or_insert_with(Default::default);
    if extensions.get("code").is_none() {
        extensions.set("code", Value::from("BAD_USER_INPUT"));
    }
}

/// `err` as an error of the whole request (no field, so no location: a
/// `{line: 0, column: 0}` would break the spec's 1-based positions).
pub fn request_error(err: crate::error::AppError) -> ServerError {
    let mut error = async_graphql::Error::from(err).into_server_error(Default::default());
    error.locations.clear();
    error
}
