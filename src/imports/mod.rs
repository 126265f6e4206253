//! Order files imported from the command line (`ordergraph import FILE`):
//! JSON arrays, NDJSON and CSV, in our GraphQL shape or seed 004's or seed
//! 001's, streamed through the `importOrders` write path in batches.
//!
//! - [`read`]: the file as a stream of orders (JSON, NDJSON; [`columns`] for
//!   CSV), read on a thread of its own.
//! - [`shapes`]: one order in any of the shapes, to an `UpsertOrderInput`.

pub mod columns;
pub mod read;
pub mod shapes;
