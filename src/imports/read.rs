//! Reading order files as streams, never whole: a JSON array element by
//! element (struson), NDJSON line by line, CSV through [`super::columns`].
//! A reader thread parses ahead while the database writes, handing rows over
//! a bounded channel, so memory holds a few batches whatever the file's size.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::Value;
use struson::reader::{JsonReader, JsonStreamReader, ReaderError, ReaderSettings, ValueType};
use tokio::sync::mpsc;

use super::columns::CsvOrders;
use super::shapes::{self, Shape};
use crate::orders::inputs::UpsertOrderInput;

/// The longest NDJSON line (one order) read; a longer one fails alone. An
/// order with a thousand lines is far below it.
pub const MAX_LINE_BYTES: usize = 16 << 20;

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

/// A JSON array of orders (or `{"orders": [...]}`), one element at a time.
pub struct JsonOrders<R: Read> {
    /// `None` once the document has ended (or broke).
    reader: Option<JsonStreamReader<R>>,
    /// Whether the orders array is a member of an object; `None` before it
    /// was found.
    wrapped: Option<bool>,
    number: u64,
    /// `source` of a `{"source": ..., "orders": [...]}` file.
    source: Option<String>,
}

impl<R: Read> JsonOrders<R> {
    /// Reads from `input` (buffered by the caller).
    pub fn new(input: R) -> Self {
        let settings = ReaderSettings {
            // Paths would be kept for every value; lines are enough.
            track_path: false,
            ..Default::default()
        };
        JsonOrders {
            reader: Some(JsonStreamReader::new_custom(input, settings)),
            wrapped: None,
            number: 0,
            source: None,
        }
    }

    fn next_order(&mut self) -> Result<Option<RawOrder>, ReadError> {
        let Some(reader) = self.reader.as_mut() else {
            return Ok(None);
        };
        let wrapped = match self.wrapped {
            Some(wrapped) => wrapped,
            None => match find_orders(reader, &mut self.source).map_err(json_error)? {
                Some(wrapped) => {
                    self.wrapped = Some(wrapped);
                    wrapped
                }
                None => {
                    return Err(ReadError::Format(
                        "a JSON order file holds an array of orders, or an object with an \"orders\" array"
                            .into(),
                    ));
                }
            },
        };
        if !reader.has_next().map_err(json_error)? {
            finish(reader, wrapped, self.source.as_deref())?;
            if let Some(reader) = self.reader.take() {
                reader.consume_trailing_whitespace().map_err(json_error)?;
            }
            return Ok(None);
        }
        self.number += 1;
        // has_next skipped the whitespace: this is where the order starts.
        let line = reader
            .current_position(false)
            .line_pos
            .map_or(0, |p| p.line + 1);
        let number = self.number;
        let mut value: Value = reader.deserialize_next().map_err(|err| match err {
            struson::serde::DeserializerError::ReaderError(err) => json_error(err),
            other => ReadError::Format(format!("JSON order {number}: {other}")),
        })?;
        if let (Some(source), Value::Object(order)) = (&self.source, &mut value) {
            order
                .entry("source")
                .or_insert_with(|| Value::String(source.clone()));
        }
        Ok(Some(RawOrder {
            number,
            line,
            value,
            problems: Vec::new(),
        }))
    }
}

/// Finds the orders array: the document itself (`Some(false)`), or the
/// `orders` member of an object (`Some(true)`) whose `source`, when it comes
/// first, is the orders' source. `None`: there is none.
fn find_orders<R: Read>(
    reader: &mut JsonStreamReader<R>,
    source: &mut Option<String>,
) -> Result<Option<bool>, ReaderError> {
    match reader.peek()? {
        ValueType::Array => {
            reader.begin_array()?;
            Ok(Some(false))
        }
        ValueType::Object => {
            reader.begin_object()?;
            while reader.has_next()? {
                match reader.next_name_owned()?.as_str() {
                    "orders" => {
                        reader.begin_array()?;
                        return Ok(Some(true));
                    }
                    "source" if reader.peek()? == ValueType::String => {
                        *source = Some(reader.next_string()?);
                    }
                    // Seed 004's `api_key` and the like: not order data.
                    _ => reader.skip_value()?,
                }
            }
            Ok(None)
        }
        _ => Ok(None),
    }
}

/// After the orders array: the rest of a wrapping object. A `source` there
/// came too late for the orders (they are read as they come): an error
/// rather than a source silently unused.
fn finish<R: Read>(
    reader: &mut JsonStreamReader<R>,
    wrapped: bool,
    source: Option<&str>,
) -> Result<(), ReadError> {
    reader.end_array().map_err(json_error)?;
    if wrapped {
        while reader.has_next().map_err(json_error)? {
            if reader.next_name().map_err(json_error)? == "source" && source.is_none() {
                return Err(ReadError::Format(
                    "the file's \"source\" comes after its \"orders\", too late for them: \
                     put it first, or pass --source"
                        .into(),
                ));
            }
            reader.skip_value().map_err(json_error)?;
        }
        reader.end_object().map_err(json_error)?;
    }
    Ok(())
}

impl<R: Read> Iterator for JsonOrders<R> {
    type Item = Result<RawOrder, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        let next = self.next_order().transpose();
        if matches!(next, Some(Err(_))) {
            // A broken document cannot be resynchronised: stop here.
            self.reader = None;
        }
        next
    }
}

/// A struson error as a person reads it: lines and columns from 1.
fn json_error(err: ReaderError) -> ReadError {
    let (what, location) = match &err {
        ReaderError::SyntaxError(e) => (
            format!("syntax error: {}", words(&e.kind.to_string())),
            &e.location,
        ),
        ReaderError::UnexpectedValueType {
            expected,
            actual,
            location,
        } => (format!("expected {expected}, found {actual}"), location),
        ReaderError::UnexpectedStructure { kind, location } => {
            (format!("unexpected structure: {kind}"), location)
        }
        ReaderError::MaxNestingDepthExceeded {
            max_nesting_depth,
            location,
        } => (
            format!("nested deeper than {max_nesting_depth} levels"),
            location,
        ),
        ReaderError::UnsupportedNumberValue { number, location } => {
            (format!("unsupported number {number}"), location)
        }
        ReaderError::IoError { error, location } => {
            if error.kind() != std::io::ErrorKind::InvalidData {
                return ReadError::Io(std::io::Error::new(error.kind(), error.to_string()));
            }
            (format!("{error}"), location)
        }
        other => return ReadError::Format(format!("JSON {other}")),
    };
    match location.line_pos {
        Some(at) => ReadError::Format(format!(
            "JSON {what} at line {}, column {}",
            at.line + 1,
            at.column + 1
        )),
        None => ReadError::Format(format!("JSON {what}")),
    }
}

/// `UnexpectedClosingBracket` as "unexpected closing bracket".
fn words(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 8);
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push(' ');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// One JSON order per line; blank lines are skipped.
pub struct NdjsonOrders<R: BufRead> {
    input: R,
    buf: Vec<u8>,
    line: u64,
    number: u64,
    failed: bool,
}

impl<R: BufRead> NdjsonOrders<R> {
    /// Reads from `input`.
    pub fn new(input: R) -> Self {
        NdjsonOrders {
            input,
            buf: Vec::new(),
            line: 0,
            number: 0,
            failed: false,
        }
    }

    fn next_order(&mut self) -> Result<Option<RawOrder>, ReadError> {
        loop {
            self.buf.clear();
            let limit = MAX_LINE_BYTES as u64 + 1;
            let n = (&mut self.input)
                .take(limit)
                .read_until(b'\n', &mut self.buf)?;
            if n == 0 {
                return Ok(None);
            }
            self.line += 1;
            let too_long = self.buf.len() > MAX_LINE_BYTES && self.buf.last() != Some(&b'\n');
            if too_long {
                self.input.skip_until(b'\n')?;
            }
            if self.buf.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            self.number += 1;
            let (value, problems) = if too_long {
                (
                    Value::Null,
                    vec![format!(
                        "the line is longer than {} MiB",
                        MAX_LINE_BYTES >> 20
                    )],
                )
            } else {
                // Without its line break: serde_json would place an error
                // at the end of the line on the next one.
                let line = self.buf.trim_ascii_end();
                match serde_json::from_slice::<Value>(line) {
                    Ok(value) => (value, Vec::new()),
                    Err(err) => (Value::Null, vec![not_json(&err)]),
                }
            };
            return Ok(Some(RawOrder {
                number: self.number,
                line: self.line,
                value,
                problems,
            }));
        }
    }
}

impl<R: BufRead> Iterator for NdjsonOrders<R> {
    type Item = Result<RawOrder, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        let next = self.next_order().transpose();
        if matches!(next, Some(Err(_))) {
            self.failed = true;
        }
        next
    }
}

/// serde_json's message without its "at line 1 column N" (the line is the
/// row's own), with the column kept.
fn not_json(err: &serde_json::Error) -> String {
    let text = err.to_string();
    let message = text
        .rsplit_once(" at line ")
        .map_or(text.as_str(), |(m, _)| m);
    format!("not JSON: {message} (column {})", err.column())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read(format: Format, text: &str) -> Vec<Result<RawOrder, ReadError>> {
        orders(
            format,
            Box::new(std::io::Cursor::new(text.as_bytes().to_vec())),
        )
        .unwrap()
        .collect()
    }

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
    fn a_json_array_is_read_element_by_element_with_lines() {
        let orders = read(
            Format::Json,
            "\u{feff}[\n  {\"externalId\": \"A\"},\n  {\"externalId\": \"B\",\n   \"lines\": []},\n  7\n]\n",
        );
        let orders: Vec<RawOrder> = orders.into_iter().map(Result::unwrap).collect();
        assert_eq!(orders.len(), 3);
        assert_eq!((orders[0].number, orders[0].line), (1, 2));
        assert_eq!((orders[1].number, orders[1].line), (2, 3));
        assert_eq!(orders[1].value, json!({"externalId": "B", "lines": []}));
        assert_eq!(
            (orders[2].number, orders[2].line, &orders[2].value),
            (3, 5, &json!(7))
        );
    }

    #[test]
    fn a_wrapping_object_gives_its_source_to_its_orders() {
        let orders = read(
            Format::Json,
            r#"{"api_key": "x", "source": "shop", "orders": [{"externalId": "A"}, {"externalId": "B", "source": "own"}], "more": 1}"#,
        );
        let orders: Vec<RawOrder> = orders.into_iter().map(Result::unwrap).collect();
        assert_eq!(orders[0].value["source"], "shop");
        assert_eq!(orders[1].value["source"], "own");
    }

    #[test]
    fn broken_json_stops_after_the_orders_before_it() {
        let late = read(
            Format::Json,
            r#"{"orders": [{"externalId": "A"}], "source": "s"}"#,
        );
        assert!(late[0].is_ok());
        let err = late[1].as_ref().unwrap_err().to_string();
        assert!(err.contains("put it first, or pass --source"), "{err}");
        let orders = read(
            Format::Json,
            "[{\"externalId\": \"A\"},\n {\"externalId\": }]",
        );
        assert_eq!(orders.len(), 2);
        assert!(orders[0].is_ok());
        let err = orders[1].as_ref().unwrap_err().to_string();
        assert!(
            err.starts_with("JSON syntax error") && err.contains("line 2"),
            "{err}"
        );
        let not_an_array = read(Format::Json, "\"orders\"");
        assert!(not_an_array[0].is_err());
        let trailing = read(Format::Json, "[] []");
        assert!(trailing[0].is_err(), "{trailing:?}");
    }

    #[test]
    fn ndjson_lines_fail_one_by_one() {
        let orders = read(
            Format::Ndjson,
            "{\"externalId\": \"A\"}\n\n{\"externalId\": \n{\"externalId\": \"C\"}\r\n",
        );
        let orders: Vec<RawOrder> = orders.into_iter().map(Result::unwrap).collect();
        assert_eq!(orders.len(), 3);
        assert_eq!((orders[1].number, orders[1].line), (2, 3));
        assert_eq!(orders[1].problems.len(), 1, "{:?}", orders[1].problems);
        assert!(orders[1].problems[0].starts_with("not JSON: EOF while parsing"));
        assert_eq!((orders[2].number, orders[2].line), (3, 4));
        assert_eq!(orders[2].value, json!({"externalId": "C"}));
    }
}
