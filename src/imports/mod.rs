//! Order files imported from the command line (`ordergraph import FILE`):
//! JSON arrays, NDJSON and CSV, in our GraphQL shape or seed 004's or seed
//! 001's, streamed through the `importOrders` write path in batches.
//!
//! - [`read`]: the file as a stream of checked orders, read on a thread of
//!   its own: [`json`] for JSON and NDJSON, [`columns`] for CSV, both handing
//!   on [`raw`] orders.
//! - [`shapes`]: one order in any of the shapes, to an `UpsertOrderInput`;
//!   [`seeds`]: the field tables of seeds 004 and 001.
//! - [`run`]: batches through `orders::import`, outcomes in file order.
//! - [`report`], [`progress`]: the per-row report file; progress on stderr.
//! - [`command`]: the command's arguments, summary and exit codes.

pub mod columns;
pub mod command;
pub mod json;
pub mod progress;
pub mod raw;
pub mod read;
pub mod report;
pub mod run;
pub mod seeds;
pub mod shapes;
