//! Gives every response the shape the GraphQL spec prescribes, which
//! async-graphql 7 does not: its container resolution collects fields in
//! completion order and drops the key of a field that errored. Here, after
//! execution, the data is rebuilt in selection order ("Serialized Map
//! Ordering"), and a field whose key is missing because it (or something
//! below it) errored becomes `null`, or, when its type is non-null, nulls its
//! nearest nullable parent ("Handling Field Errors"). Applied to queries and
//! mutations over HTTP and WebSocket, and to each subscription event.
//!
//! The upstream fix would be in `resolve_container`: keep the selection's
//! key order (an `IndexMap` filled in collect order, values set as they
//! complete) and write `null` for a nullable field whose resolver failed,
//! propagating only non-null failures. Until then this extension does it in
//! one place, from the document, the schema registry and the error paths.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::{Arc, Mutex};

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextPrepareRequest,
    NextSubscribe,
};
use async_graphql::indexmap::IndexMap;
use async_graphql::parser::types::{ExecutableDocument, OperationType, Selection, SelectionSet};
use async_graphql::registry::{MetaTypeName, Registry};
use async_graphql::{Name, PathSegment, Request, Response, ServerResult, Value, Variables};
use futures_util::StreamExt;
use futures_util::stream::BoxStream;

/// The extension factory.
pub struct ResponseShape;

impl ExtensionFactory for ResponseShape {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ShapeExtension::default())
    }
}

#[derive(Default)]
struct ShapeExtension {
    operation_name: Mutex<Option<String>>,
    /// The parsed document, once there is one (shared with the subscription
    /// stream, which outlives the hook that wraps it).
    document: Arc<Mutex<Option<Arc<ExecutableDocument>>>>,
}

impl ShapeExtension {
    fn document(&self) -> Option<Arc<ExecutableDocument>> {
        self.document.lock().ok().and_then(|d| d.clone())
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for ShapeExtension {
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
        if let Ok(mut slot) = self.document.lock() {
            *slot = Some(Arc::new(document.clone()));
        }
        Ok(document)
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let response = next.run(ctx, operation_name).await;
        match self.document() {
            Some(document) => reshape(
                &ctx.schema_env.registry,
                &document,
                operation_name,
                response,
            ),
            None => response,
        }
    }

    fn subscribe<'s>(
        &self,
        ctx: &ExtensionContext<'_>,
        stream: BoxStream<'s, Response>,
        next: NextSubscribe<'_>,
    ) -> BoxStream<'s, Response> {
        let document = self.document.clone();
        let registry = ctx.schema_env.clone();
        let name = self.operation_name.lock().ok().and_then(|n| n.clone());
        next.run(ctx, stream)
            .map(move |response| {
                let parsed = document.lock().ok().and_then(|d| d.clone());
                match parsed {
                    Some(doc) => reshape(&registry.registry, &doc, name.as_deref(), response),
                    None => response,
                }
            })
            .boxed()
    }
}

/// The response rebuilt in selection order with nulls where fields failed.
pub fn reshape(
    registry: &Registry,
    document: &ExecutableDocument,
    operation_name: Option<&str>,
    mut response: Response,
) -> Response {
    let Some(operation) = super::selected_operation(document, operation_name) else {
        return response;
    };
    let Value::Object(data) = std::mem::take(&mut response.data) else {
        // No data (a request error) or already null: nothing to shape.
        return response;
    };
    let root = match operation.node.ty {
        OperationType::Query => registry.query_type.as_str(),
        OperationType::Mutation => registry.mutation_type.as_deref().unwrap_or("Mutation"),
        OperationType::Subscription => registry
            .subscription_type
            .as_deref()
            .unwrap_or("Subscription"),
    };
    let errors: Vec<&[PathSegment]> = response.errors.iter().map(|e| &e.path[..]).collect();
    let shaper = Shaper {
        registry,
        document,
        errors: &errors,
        selections: RefCell::default(),
    };
    let roots = [&operation.node.selection_set.node];
    let shaped = shaper.object(&roots, root, data, None);
    response.data = shaped.unwrap_or(Value::Null);
    response
}

/// A non-null field is null: its parent must be null in turn.
struct Bubble;

/// Where a value sits in the response, as a chain on the stack: building it
/// costs nothing, and it is only walked when a key is missing and errors
/// have to be looked at.
#[derive(Clone, Copy)]
struct Path<'p> {
    parent: Option<&'p Path<'p>>,
    segment: Segment<'p>,
}

#[derive(Clone, Copy)]
enum Segment<'p> {
    Field(&'p str),
    Index(usize),
}

impl Path<'_> {
    /// Whether `error` (a path from the root) starts with this path.
    fn is_prefix_of(&self, error: &[PathSegment]) -> bool {
        let mut depth = 1;
        let mut up = self.parent;
        while let Some(p) = up {
            depth += 1;
            up = p.parent;
        }
        if error.len() < depth {
            return false;
        }
        let mut node = Some(self);
        for segment in error[..depth].iter().rev() {
            let Some(here) = node else { return false };
            let same = match (here.segment, segment) {
                (Segment::Field(a), PathSegment::Field(b)) => a == b,
                (Segment::Index(a), PathSegment::Index(b)) => a == *b,
                _ => false,
            };
            if !same {
                return false;
            }
            node = here.parent;
        }
        true
    }
}

/// One response key of a selection: where its fields were written (for the
/// sub-selections) and its declared type.
struct Entry<'d> {
    key: Name,
    ty: Option<&'d str>,
    non_null: bool,
    sets: Vec<&'d SelectionSet>,
}

/// The response keys of a selection on a type, in document order.
type Entries<'d> = Rc<Vec<Entry<'d>>>;

struct Shaper<'a> {
    registry: &'a Registry,
    document: &'a ExecutableDocument,
    errors: &'a [&'a [PathSegment]],
    /// The keys of each selection on each type, collected once per response:
    /// the 100 objects of a page share one. Keyed by the address of the
    /// selection sets (the root's, or an [`Entry`]'s held here) and the type:
    /// every slice keyed lives as long as the shaper.
    selections: RefCell<HashMap<(usize, usize, &'a str), Entries<'a>>>,
}

impl<'a> Shaper<'a> {
    /// The response keys of `sets` on `parent` in document order, with every
    /// sub-selection written for each (fragments inlined, first position
    /// wins), from the cache when these sets were collected before.
    fn collect(&self, sets: &[&'a SelectionSet], parent: &'a str) -> Entries<'a> {
        let id = (sets.as_ptr() as usize, sets.len(), parent);
        if let Some(entries) = self.selections.borrow().get(&id) {
            return entries.clone();
        }
        let mut keys: IndexMap<&'a str, (&'a str, &'a str, Vec<&'a SelectionSet>)> =
            IndexMap::new();
        for set in sets {
            self.collect_into(set, parent, &mut keys, 0);
        }
        let entries: Vec<Entry<'a>> = keys
            .into_iter()
            .map(|(key, (declared_on, field_name, sets))| {
                let ty = self.field_type(declared_on, field_name);
                Entry {
                    key: Name::new(key),
                    ty,
                    non_null: ty.is_some_and(|t| MetaTypeName::create(t).is_non_null()),
                    sets,
                }
            })
            .collect();
        let entries = Rc::new(entries);
        self.selections.borrow_mut().insert(id, entries.clone());
        entries
    }

    fn collect_into(
        &self,
        set: &'a SelectionSet,
        parent: &'a str,
        keys: &mut IndexMap<&'a str, (&'a str, &'a str, Vec<&'a SelectionSet>)>,
        depth: usize,
    ) {
        if depth > 64 {
            return;
        }
        for item in &set.items {
            match &item.node {
                Selection::Field(field) => {
                    let field = &field.node;
                    let key = field.response_key().node.as_str();
                    let entry = keys
                        .entry(key)
                        .or_insert_with(|| (parent, field.name.node.as_str(), Vec::new()));
                    entry.2.push(&field.selection_set.node);
                }
                Selection::InlineFragment(fragment) => {
                    let on = fragment
                        .node
                        .type_condition
                        .as_ref()
                        .map_or(parent, |c| c.node.on.node.as_str());
                    self.collect_into(&fragment.node.selection_set.node, on, keys, depth + 1);
                }
                Selection::FragmentSpread(spread) => {
                    if let Some(fragment) =
                        self.document.fragments.get(&spread.node.fragment_name.node)
                    {
                        let on = fragment.node.type_condition.node.on.node.as_str();
                        self.collect_into(&fragment.node.selection_set.node, on, keys, depth + 1);
                    }
                }
            }
        }
    }

    /// The declared type of `field` on `parent` (`[Order!]!`), if known.
    fn field_type(&self, parent: &str, field: &str) -> Option<&'a str> {
        self.registry
            .types
            .get(parent)?
            .fields()?
            .get(field)
            .map(|f| f.ty.as_str())
    }

    /// Whether some error's path starts with `path`.
    fn errored_at_or_below(&self, path: &Path<'_>) -> bool {
        self.errors.iter().any(|e| path.is_prefix_of(e))
    }

    fn object(
        &self,
        sets: &[&'a SelectionSet],
        parent: &'a str,
        mut data: IndexMap<Name, Value>,
        path: Option<&Path<'_>>,
    ) -> Result<Value, Bubble> {
        let entries = self.collect(sets, parent);
        if self.in_selection_order(&entries, &data, path) {
            // The common case (no error, fields completed in order): the
            // values are completed where they are, without a new map.
            let mut index = 0;
            for entry in entries.iter() {
                let Some((key, value)) = data.get_index_mut(index) else {
                    break;
                };
                if *key != entry.key {
                    continue;
                }
                index += 1;
                let here = Path {
                    parent: path,
                    segment: Segment::Field(entry.key.as_str()),
                };
                match self.complete(std::mem::take(value), entry.ty, &entry.sets, &here) {
                    Ok(done) => *value = done,
                    Err(Bubble) if entry.non_null => return Err(Bubble),
                    Err(Bubble) => *value = Value::Null,
                }
            }
            return Ok(Value::Object(data));
        }
        let mut out = IndexMap::with_capacity(data.len());
        let mut taken = 0;
        for entry in entries.iter() {
            let here = Path {
                parent: path,
                segment: Segment::Field(entry.key.as_str()),
            };
            // Taken out in place (no shifting); the emptied slots are
            // dropped below.
            let value = match data.get_mut(entry.key.as_str()) {
                Some(value) => {
                    taken += 1;
                    self.complete(std::mem::take(value), entry.ty, &entry.sets, &here)
                }
                None if !self.errors.is_empty() && self.errored_at_or_below(&here) => Err(Bubble),
                // Skipped (@skip/@include) or for another type: no key.
                None => continue,
            };
            match value {
                Ok(value) => {
                    out.insert(entry.key.clone(), value);
                }
                Err(Bubble) if entry.non_null => return Err(Bubble),
                Err(Bubble) => {
                    out.insert(entry.key.clone(), Value::Null);
                }
            }
        }
        // Anything the selection does not explain stays, after it.
        if taken < data.len() {
            for (key, value) in data {
                if !out.contains_key(&key) {
                    out.insert(key, value);
                }
            }
        }
        Ok(Value::Object(out))
    }

    /// Whether `data` holds exactly the keys of `entries` that it holds at
    /// all, in their order, with none missing because of an error below it:
    /// then shaping changes no key, only (maybe) values below.
    fn in_selection_order(
        &self,
        entries: &[Entry<'a>],
        data: &IndexMap<Name, Value>,
        path: Option<&Path<'_>>,
    ) -> bool {
        let mut index = 0;
        for entry in entries {
            if data
                .get_index(index)
                .is_some_and(|(key, _)| *key == entry.key)
            {
                index += 1;
                continue;
            }
            if data.contains_key(entry.key.as_str()) {
                return false;
            }
            let here = Path {
                parent: path,
                segment: Segment::Field(entry.key.as_str()),
            };
            if !self.errors.is_empty() && self.errored_at_or_below(&here) {
                return false;
            }
        }
        index == data.len()
    }

    /// `value` of declared type `ty` (unknown: taken as nullable, kept as is
    /// but for key order).
    fn complete(
        &self,
        value: Value,
        ty: Option<&'a str>,
        sets: &[&'a SelectionSet],
        path: &Path<'_>,
    ) -> Result<Value, Bubble> {
        let non_null = ty.is_some_and(|t| MetaTypeName::create(t).is_non_null());
        match value {
            Value::Null if non_null => Err(Bubble),
            Value::List(mut items) => {
                let inner = ty.map(|t| {
                    let t = t.strip_suffix('!').unwrap_or(t);
                    t.strip_prefix('[')
                        .and_then(|t| t.strip_suffix(']'))
                        .unwrap_or(t)
                });
                // In place: a page's lists are rebuilt without new vectors.
                for (i, item) in items.iter_mut().enumerate() {
                    let here = Path {
                        parent: Some(path),
                        segment: Segment::Index(i),
                    };
                    match self.complete(std::mem::take(item), inner, sets, &here) {
                        Ok(done) => *item = done,
                        // A non-null item failed: the list is null.
                        Err(Bubble) if non_null => return Err(Bubble),
                        Err(Bubble) => return Ok(Value::Null),
                    }
                }
                Ok(Value::List(items))
            }
            Value::Object(map) if sets.iter().any(|s| !s.items.is_empty()) => {
                let named = ty.map_or("", MetaTypeName::concrete_typename);
                match self.object(sets, named, map, Some(path)) {
                    Ok(value) => Ok(value),
                    Err(Bubble) if non_null => Err(Bubble),
                    Err(Bubble) => Ok(Value::Null),
                }
            }
            other => Ok(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use async_graphql::{EmptyMutation, EmptySubscription, Object, Schema};

    struct Query;

    #[Object]
    impl Query {
        /// Completes after its siblings, so async-graphql writes it last.
        async fn slow(&self) -> i32 {
            tokio::time::sleep(Duration::from_millis(5)).await;
            1
        }
        async fn fast(&self) -> i32 {
            2
        }
        async fn nested(&self) -> Query {
            Query
        }
        /// Nullable: its error nulls it alone.
        async fn broken(&self) -> async_graphql::Result<Option<i32>> {
            Err("no".into())
        }
    }

    async fn keys(query: &str) -> String {
        let schema = Schema::build(Query, EmptyMutation, EmptySubscription)
            .extension(super::ResponseShape)
            .finish();
        let response = schema.execute(query).await;
        serde_json::to_string(&response.data).unwrap_or_default()
    }

    #[tokio::test]
    async fn keys_completed_out_of_order_are_put_back_in_selection_order() {
        assert_eq!(
            keys("{ slow fast nested { fast slow nested { slow fast } } }").await,
            r#"{"slow":1,"fast":2,"nested":{"fast":2,"slow":1,"nested":{"slow":1,"fast":2}}}"#
        );
    }

    #[tokio::test]
    async fn keys_already_in_order_keep_their_values_and_errors_still_null_their_field() {
        assert_eq!(
            keys("{ fast nested { fast a: fast } }").await,
            r#"{"fast":2,"nested":{"fast":2,"a":2}}"#
        );
        assert_eq!(
            keys("{ fast broken nested { broken fast } }").await,
            r#"{"fast":2,"broken":null,"nested":{"broken":null,"fast":2}}"#
        );
    }
}
