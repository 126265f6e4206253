//! Typed access to what resolvers find in the GraphQL context.

use async_graphql::Context;

use crate::auth::Caller;
use crate::auth::policy::Policy;
use crate::error::AppError;
use crate::state::AppState;

static ANONYMOUS: Caller = Caller::Anonymous;

/// The caller of this request; anonymous when the transport set none.
pub fn caller<'a>(ctx: &Context<'a>) -> &'a Caller {
    ctx.data_opt::<Caller>().unwrap_or(&ANONYMOUS)
}

/// The server state. Only a schema built without state (SDL export) lacks it,
/// and that schema never executes resolvers.
pub fn state<'a>(ctx: &Context<'a>) -> Result<&'a AppState, AppError> {
    ctx.data::<AppState>()
        .map_err(|_| AppError::internal(std::io::Error::other("schema executed without AppState")))
}

/// The authenticated caller, or UNAUTHENTICATED.
pub fn require_principal<'a>(ctx: &Context<'a>) -> Result<&'a crate::auth::Principal, AppError> {
    caller(ctx).principal()
}

/// The visibility policy of the authenticated caller, or UNAUTHENTICATED.
pub fn policy(ctx: &Context<'_>) -> Result<Policy, AppError> {
    Ok(caller(ctx).principal()?.policy())
}
