//! What one operation may ask for, checked before any resolver (and so any SQL)
//! runs, the same way for HTTP and WebSocket because it is a schema extension:
//! document size, aliases, NUL bytes, anonymous callers, introspection, depth,
//! cost, and the per-credential cost budget. Every refusal carries a code
//! (`QUERY_TOO_COMPLEX`, `THROTTLED`, `BAD_USER_INPUT`, `UNAUTHENTICATED`,
//! `FORBIDDEN`); accepted operations report their cost in `extensions.cost`.
//!
//! The stock `limit_depth`/`limit_complexity` are not used: they answer with a
//! bare message and no numbers.

use std::sync::{Arc, Mutex};

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextPrepareRequest,
    NextRequest, NextValidation,
};
use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, OperationDefinition, OperationType, Selection,
    SelectionSet,
};
use async_graphql::{
    Name, Positioned, Request, Response, ServerError, ServerResult, ValidationResult, Value,
    Variables,
};

use super::budget::Budget;
use crate::auth::Caller;
use crate::config::{Config, Introspection};
use crate::error::AppError;
use crate::validate::nul_path;

/// The root fields an anonymous caller may ask for (the rest need
/// credentials, so a stranger cannot make the server do real work).
const ANONYMOUS_FIELDS: [&str; 2] = ["orderStatuses", "__typename"];
const INTROSPECTION_FIELDS: [&str; 2] = ["__schema", "__type"];

/// The list fields of introspection types. The standard introspection query
/// nests three of them (`types { fields { args } }`); circular queries
/// (`fields { type { fields { type { fields ... } } } }`) nest more, and
/// their answer grows with every level.
const INTROSPECTION_LISTS: [&str; 8] = [
    "types",
    "fields",
    "args",
    "inputFields",
    "interfaces",
    "possibleTypes",
    "enumValues",
    "directives",
];
/// The most introspection lists one selection may nest.
const MAX_INTROSPECTION_LISTS: usize = 3;

/// The limits in force, from the config.
#[derive(Clone, Debug)]
pub struct LimitSettings {
    pub max_document_bytes: usize,
    pub max_aliases: usize,
    pub max_depth: usize,
    pub max_cost: usize,
    pub introspection: Introspection,
    /// How long a query or mutation may run (`REQUEST_TIMEOUT_SECONDS`).
    pub timeout: std::time::Duration,
}

impl LimitSettings {
    /// The limits `config` asks for.
    pub fn from_config(config: &Config) -> Self {
        LimitSettings {
            max_document_bytes: config.graphql_max_document_bytes,
            max_aliases: config.graphql_max_aliases,
            max_depth: config.graphql_max_depth,
            max_cost: config.graphql_max_cost,
            introspection: config.introspection(),
            timeout: std::time::Duration::from_secs(config.request_timeout_seconds.max(1)),
        }
    }
}

/// The extension factory: one [`LimitsExtension`] per operation.
pub struct Limits {
    settings: Arc<LimitSettings>,
    budget: Option<Arc<Budget>>,
}

impl Limits {
    /// Limits with an optional per-credential budget.
    pub fn new(settings: LimitSettings, budget: Option<Arc<Budget>>) -> Self {
        Limits {
            settings: Arc::new(settings),
            budget,
        }
    }
}

impl ExtensionFactory for Limits {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(LimitsExtension {
            settings: self.settings.clone(),
            budget: self.budget.clone(),
            cost: Mutex::new(None),
            operation_name: Mutex::new(None),
        })
    }
}

struct LimitsExtension {
    settings: Arc<LimitSettings>,
    budget: Option<Arc<Budget>>,
    /// The accepted operation's cost, reported in the response.
    cost: Mutex<Option<usize>>,
    /// The request's `operationName`: only that operation's roots are
    /// checked (GraphiQL sends documents holding several).
    operation_name: Mutex<Option<String>>,
}

use super::error_codes::request_error as refuse;

#[async_graphql::async_trait::async_trait]
impl Extension for LimitsExtension {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let mut response = next.run(ctx).await;
        let cost = self.cost.lock().ok().and_then(|c| *c);
        if let Some(cost) = cost {
            let mut report = async_graphql::indexmap::IndexMap::new();
            report.insert(Name::new("requested"), Value::from(cost as u64));
            report.insert(
                Name::new("limit"),
                Value::from(self.settings.max_cost as u64),
            );
            response
                .extensions
                .insert("cost".into(), Value::Object(report));
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

    /// Queries and mutations, over HTTP and WebSocket alike, end with TIMEOUT
    /// when they run too long; dropping the execution rolls back an open
    /// transaction. (Subscriptions are long-lived by design and not covered.)
    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let timeout = self.settings.timeout;
        match tokio::time::timeout(timeout, next.run(ctx, operation_name)).await {
            Ok(response) => response,
            Err(_) => Response::from_errors(vec![refuse(AppError::Timeout(format!(
                "The operation ran longer than {} s and was stopped; nothing it did was kept unless it had committed",
                timeout.as_secs()
            )))]),
        }
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let settings = &self.settings;
        if query.len() > settings.max_document_bytes {
            return Err(refuse(AppError::QueryTooComplex {
                limit: "documentBytes",
                requested: query.len(),
                allowed: settings.max_document_bytes,
            }));
        }
        if let Some(path) = serde_json::to_value(variables)
            .ok()
            .and_then(|json| nul_path(&json, ""))
        {
            return Err(refuse(nul_error(path)));
        }
        let document = next.run(ctx, query, variables).await?;
        let aliases = count_aliases(&document);
        if aliases > settings.max_aliases {
            return Err(refuse(AppError::QueryTooComplex {
                limit: "aliases",
                requested: aliases,
                allowed: settings.max_aliases,
            }));
        }
        let nesting = introspection_nesting(&document);
        if nesting > MAX_INTROSPECTION_LISTS {
            return Err(refuse(AppError::QueryTooComplex {
                limit: "introspectionDepth",
                requested: nesting,
                allowed: MAX_INTROSPECTION_LISTS,
            }));
        }
        if let Some(path) = nul_in_document(&document) {
            return Err(refuse(nul_error(path)));
        }
        let caller = ctx.data_opt::<Caller>().unwrap_or(&Caller::Anonymous);
        let name = self.operation_name.lock().ok().and_then(|n| n.clone());
        for operation in operations(&document, name.as_deref()) {
            check_roots(settings, caller, &operation.node)?;
        }
        Ok(document)
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next.run(ctx).await?;
        let settings = &self.settings;
        if result.depth > settings.max_depth {
            return Err(vec![refuse(AppError::QueryTooComplex {
                limit: "depth",
                requested: result.depth,
                allowed: settings.max_depth,
            })]);
        }
        if result.complexity > settings.max_cost {
            return Err(vec![refuse(AppError::QueryTooComplex {
                limit: "cost",
                requested: result.complexity,
                allowed: settings.max_cost,
            })]);
        }
        if let (Some(budget), Some(Caller::Authenticated(principal))) =
            (&self.budget, ctx.data_opt::<Caller>())
        {
            budget
                .charge(principal, result.complexity)
                .map_err(|err| vec![refuse(err)])?;
        }
        if let Ok(mut cost) = self.cost.lock() {
            *cost = Some(result.complexity);
        }
        Ok(result)
    }
}

/// The operation that will run: the named one, or else every one (without
/// a name, a document of several is refused by execution anyway).
fn operations<'d>(
    document: &'d ExecutableDocument,
    name: Option<&str>,
) -> Vec<&'d Positioned<OperationDefinition>> {
    match (
        super::selected_operation(document, name),
        &document.operations,
    ) {
        (Some(op), _) => vec![op],
        (None, DocumentOperations::Multiple(ops)) if name.is_none() => ops.values().collect(),
        (None, _) => Vec::new(),
    }
}

/// Anonymous callers may ask only for `orderStatuses` (and introspection when
/// it is open to all); introspection follows `GRAPHQL_INTROSPECTION`.
fn check_roots(
    settings: &LimitSettings,
    caller: &Caller,
    operation: &OperationDefinition,
) -> ServerResult<()> {
    let authenticated = matches!(caller, Caller::Authenticated(_));
    for selection in &operation.selection_set.node.items {
        let Selection::Field(field) = &selection.node else {
            // Fragments at the root: their fields are checked by the
            // resolvers' guards; anonymous callers are refused outright.
            if !authenticated {
                return Err(refuse(AppError::Unauthenticated));
            }
            continue;
        };
        let name = field.node.name.node.as_str();
        if INTROSPECTION_FIELDS.contains(&name) {
            let open = match settings.introspection {
                Introspection::All => true,
                Introspection::Authenticated => authenticated,
                Introspection::Off => false,
            };
            if !open {
                return Err(refuse(AppError::Forbidden(
                    "Introspection is not available to this caller (GRAPHQL_INTROSPECTION)".into(),
                )));
            }
            continue;
        }
        let anonymous_ok = operation.ty == OperationType::Query && ANONYMOUS_FIELDS.contains(&name);
        if !authenticated && !anonymous_ok {
            return Err(match caller {
                Caller::Failed(err) => refuse(err.clone()),
                _ => refuse(AppError::Unauthenticated),
            });
        }
    }
    Ok(())
}

/// Fields with an alias, in operations and fragments alike (each written
/// alias counts once, however often a fragment is spread: the cost limit
/// covers repetition).
fn count_aliases(document: &ExecutableDocument) -> usize {
    fn in_set(set: &SelectionSet) -> usize {
        set.items
            .iter()
            .map(|item| match &item.node {
                Selection::Field(field) => {
                    usize::from(field.node.alias.is_some()) + in_set(&field.node.selection_set.node)
                }
                Selection::InlineFragment(fragment) => in_set(&fragment.node.selection_set.node),
                Selection::FragmentSpread(_) => 0,
            })
            .sum()
    }
    let operations: usize = document
        .operations
        .iter()
        .map(|(_, op)| in_set(&op.node.selection_set.node))
        .sum();
    let fragments: usize = document
        .fragments
        .values()
        .map(|f| in_set(&f.node.selection_set.node))
        .sum();
    operations + fragments
}

/// The deepest nesting of introspection list fields below `__schema` or
/// `__type`, following fragment spreads (at most 32 levels: cycles are
/// refused by validation later, and must not loop here first).
fn introspection_nesting(document: &ExecutableDocument) -> usize {
    fn walk(
        document: &ExecutableDocument,
        set: &SelectionSet,
        inside: bool,
        lists: usize,
        budget: usize,
    ) -> usize {
        if budget == 0 {
            return lists;
        }
        set.items
            .iter()
            .map(|item| match &item.node {
                Selection::Field(field) => {
                    let name = field.node.name.node.as_str();
                    let inside = inside || INTROSPECTION_FIELDS.contains(&name);
                    let lists = lists + usize::from(inside && INTROSPECTION_LISTS.contains(&name));
                    walk(
                        document,
                        &field.node.selection_set.node,
                        inside,
                        lists,
                        budget - 1,
                    )
                    .max(lists)
                }
                Selection::InlineFragment(fragment) => walk(
                    document,
                    &fragment.node.selection_set.node,
                    inside,
                    lists,
                    budget - 1,
                ),
                Selection::FragmentSpread(spread) => document
                    .fragments
                    .get(&spread.node.fragment_name.node)
                    .map_or(lists, |fragment| {
                        walk(
                            document,
                            &fragment.node.selection_set.node,
                            inside,
                            lists,
                            budget - 1,
                        )
                    }),
            })
            .max()
            .unwrap_or(lists)
    }
    document
        .operations
        .iter()
        .map(|(_, op)| walk(document, &op.node.selection_set.node, false, 0, 32))
        .max()
        .unwrap_or(0)
}

fn nul_error(path: String) -> AppError {
    AppError::invalid(vec![crate::validate::nul_path_error(path)])
}

/// NUL bytes in arguments written into the document itself.
fn nul_in_document(document: &ExecutableDocument) -> Option<String> {
    fn in_set(set: &SelectionSet) -> Option<String> {
        set.items.iter().find_map(|item| match &item.node {
            Selection::Field(field) => {
                let name = field.node.name.node.as_str();
                field
                    .node
                    .arguments
                    .iter()
                    .find_map(|(arg, value)| {
                        // Variables were checked by value; only literals here.
                        let literal = value.node.clone().into_const()?.into_json().ok()?;
                        nul_path(&literal, &format!("{name}.{arg}", arg = arg.node))
                    })
                    .or_else(|| in_set(&field.node.selection_set.node))
            }
            Selection::InlineFragment(fragment) => in_set(&fragment.node.selection_set.node),
            Selection::FragmentSpread(_) => None,
        })
    }
    document
        .operations
        .iter()
        .find_map(|(_, op)| in_set(&op.node.selection_set.node))
        .or_else(|| {
            document
                .fragments
                .values()
                .find_map(|f| in_set(&f.node.selection_set.node))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(query: &str) -> ExecutableDocument {
        async_graphql::parser::parse_query(query).unwrap()
    }

    #[test]
    fn aliases_count_in_operations_and_fragments() {
        let d =
            doc("{ a: orders { x: id } ...F } fragment F on Query { b: orderStatuses { status } }");
        assert_eq!(count_aliases(&d), 3);
    }

    #[test]
    fn introspection_nesting_follows_fragments() {
        let standard = doc("query { __schema { types { ...T } directives { args { name } } } }
            fragment T on __Type { fields { args { type { ofType { name } } } } inputFields { name } }");
        assert_eq!(introspection_nesting(&standard), 3);
        let circular = doc(
            "{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }",
        );
        assert_eq!(introspection_nesting(&circular), 4);
        let not_introspection = doc("{ orders { nodes { lines { id } } } }");
        assert_eq!(introspection_nesting(&not_introspection), 0);
    }

    #[test]
    fn nul_bytes_are_found_with_their_path() {
        let d = doc(
            r#"mutation { placeOrder(input: {customer: {name: "a\u0000b"}}) { order { id } } }"#,
        );
        assert_eq!(
            nul_in_document(&d).as_deref(),
            Some("placeOrder.input.customer.name")
        );
        let value = serde_json::json!({"meta": {"k": ["ok", "x\u{0}"]}});
        assert_eq!(nul_path(&value, "input").as_deref(), Some("input.meta.k.1"));
    }
}
