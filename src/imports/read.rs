//! Reading an order file: its format, and a reader thread ([`super::json`],
//! [`super::columns`]) that parses and checks orders ahead while the database
//! writes, handing rows over a bounded channel, so memory holds a few batches
//! whatever the file's size.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::mpsc;

use super::columns::CsvOrders;
use super::json::{JsonOrders, NdjsonOrders};
pub use super::raw::{RawOrder, ReadError};
use super::shapes::{self, Shape};
use crate::orders::inputs::UpsertOrderInput;

/// What an order file holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A JSON array of orders, or `{"source": ..., "orders": [...]}`.
    Json,
    /// One JSON order per line.
    Ndjson,
    /// One row per order line, grouped by the order's external id.
    Csv,
}

impl Format {
    /// The format a file's extension names: `.json`, `.ndjson` / `.jsonl`,
    /// `.csv`.
    pub fn from_path(path: &Path) -> Option<Format> {
        let extension = path.extension()?.to_str()?.to_ascii_lowercase();
        match extension.as_str() {
            "json" => Some(Format::Json),
            "ndjson" | "jsonl" => Some(Format::Ndjson),
            "csv" => Some(Format::Csv),
            _ => None,
        }
    }
}

/// One order of the file, checked: ready for `importOrders` or failed.
#[derive(Debug)]
pub struct Row {
    /// Its position among the file's orders, from 1.
    pub number: u64,
    /// The line it starts on, from 1.
    pub line: u64,
    /// The names it was written in.
    pub shape: Shape,
    /// Its external id as written, for reports.
    pub external_id: Option<String>,
    /// The input, or every reason it cannot be one.
    pub input: Result<UpsertOrderInput, Vec<String>>,
}

/// Counts the bytes read from the file, for the progress display.
pub struct Counted<R> {
    inner: R,
    read: Arc<AtomicU64>,
}

impl<R: Read> Counted<R> {
    /// Wraps `inner`; `read` grows by every byte read.
    pub fn new(inner: R, read: Arc<AtomicU64>) -> Self {
        Counted { inner, read }
    }
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Starts a thread that reads `input` as `format` and sends every order,
/// checked, down the returned channel (`capacity` rows ahead at most). A
/// [`ReadError`] is the last item. `source` (the import's `--source`) fills in
/// orders that name none. Dropping the receiver stops the thread at its next
/// order.
pub fn spawn(
    format: Format,
    input: Box<dyn Read + Send>,
    source: Option<String>,
    capacity: usize,
) -> std::io::Result<mpsc::Receiver<Result<Row, ReadError>>> {
    let (tx, rx) = mpsc::channel(capacity.max(1));
    // A thread of its own rather than tokio's blocking pool: the runtime
    // waits for blocking tasks when it shuts down, and a reader blocked on a
    // standard input that never ends would keep a stopped import alive.
    std::thread::Builder::new()
        .name("import-reader".into())
        .spawn(move || {
            let orders = match orders(format, input) {
                Ok(orders) => orders,
                Err(err) => {
                    let _ = tx.blocking_send(Err(err));
                    return;
                }
            };
            for raw in orders {
                let row = raw.map(|raw| check(raw, source.as_deref()));
                let stop = row.is_err();
                if tx.blocking_send(row).is_err() || stop {
                    return;
                }
            }
        })?;
    Ok(rx)
}

/// The orders of `input`, one at a time.
pub fn orders(
    format: Format,
    input: Box<dyn Read + Send>,
) -> Result<Box<dyn Iterator<Item = Result<RawOrder, ReadError>> + Send>, ReadError> {
    let mut input = BufReader::with_capacity(64 << 10, input);
    // Spreadsheet and Windows tools start UTF-8 files with a byte order mark;
    // JSON readers refuse it and CSV would take it into the first column name.
    if input.fill_buf()?.starts_with(b"\xEF\xBB\xBF") {
        input.consume(3);
    }
    Ok(match format {
        Format::Json => Box::new(JsonOrders::new(input)),
        Format::Ndjson => Box::new(NdjsonOrders::new(input)),
        Format::Csv => Box::new(CsvOrders::new(input)?),
    })
}

/// A raw order checked against the shapes.
fn check(raw: RawOrder, source: Option<&str>) -> Row {
    let parsed = shapes::parse(raw.value, source);
    Row {
        number: raw.number,
        line: raw.line,
        shape: parsed.shape,
        external_id: parsed.external_id,
        input: if raw.problems.is_empty() {
            parsed.input
        } else {
            Err(raw.problems)
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_follow_the_extension() {
        assert_eq!(Format::from_path(Path::new("a.JSON")), Some(Format::Json));
        assert_eq!(
            Format::from_path(Path::new("a.jsonl")),
            Some(Format::Ndjson)
        );
        assert_eq!(Format::from_path(Path::new("x/a.csv")), Some(Format::Csv));
        assert_eq!(Format::from_path(Path::new("a.txt")), None);
        assert_eq!(Format::from_path(Path::new("-")), None);
    }

    #[test]
    fn a_byte_order_mark_is_skipped() {
        let input = std::io::Cursor::new(b"\xEF\xBB\xBF[{\"externalId\": \"A\"}]".to_vec());
        let orders: Vec<_> = orders(Format::Json, Box::new(input)).unwrap().collect();
        assert_eq!(orders.len(), 1);
        assert_eq!(orders[0].as_ref().unwrap().value["externalId"], "A");
    }
}
