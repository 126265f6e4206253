//! An order as a reader finds it in a file, before it is checked, and why
//! a reader stops: what the JSON, NDJSON and CSV readers hand on.

use serde_json::Value;

/// Why reading stopped before the end of the file.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The file could not be read.
    #[error("reading failed: {0}")]
    Io(#[from] std::io::Error),
    /// The file is broken beyond one order (JSON syntax, a CSV header).
    #[error("{0}")]
    Format(String),
}

/// One order as read, before it is checked.
#[derive(Debug)]
pub struct RawOrder {
    /// Its position among the file's orders, from 1.
    pub number: u64,
    /// The line it starts on, from 1.
    pub line: u64,
    /// The order as JSON (null when it could not be read).
    pub value: Value,
    /// Why the order cannot be read, if it cannot.
    pub problems: Vec<String>,
}
