//! JSON order files as streams, never whole: an array read element by
//! element with struson (each order with the line it starts on), and NDJSON
//! line by line, where a line that is not JSON fails alone.

use std::io::{BufRead, Read};

use serde_json::Value;
use struson::reader::{JsonReader, JsonStreamReader, ReaderError, ReaderSettings, ValueType};

use super::raw::{RawOrder, ReadError};

/// The longest NDJSON line (one order) read; a longer one fails alone. An
/// order with a thousand lines is far below it.
pub const MAX_LINE_BYTES: usize = 16 << 20;

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

    fn read(format: &str, text: &str) -> Vec<Result<RawOrder, ReadError>> {
        let input = std::io::Cursor::new(text.as_bytes().to_vec());
        match format {
            "json" => JsonOrders::new(input).collect(),
            _ => NdjsonOrders::new(input).collect(),
        }
    }

    #[test]
    fn a_json_array_is_read_element_by_element_with_lines() {
        let orders = read(
            "json",
            "[\n  {\"externalId\": \"A\"},\n  {\"externalId\": \"B\",\n   \"lines\": []},\n  7\n]\n",
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
            "json",
            r#"{"api_key": "x", "source": "shop", "orders": [{"externalId": "A"}, {"externalId": "B", "source": "own"}], "more": 1}"#,
        );
        let orders: Vec<RawOrder> = orders.into_iter().map(Result::unwrap).collect();
        assert_eq!(orders[0].value["source"], "shop");
        assert_eq!(orders[1].value["source"], "own");
    }

    #[test]
    fn broken_json_stops_after_the_orders_before_it() {
        let late = read(
            "json",
            r#"{"orders": [{"externalId": "A"}], "source": "s"}"#,
        );
        assert!(late[0].is_ok());
        let err = late[1].as_ref().unwrap_err().to_string();
        assert!(err.contains("put it first, or pass --source"), "{err}");
        let orders = read("json", "[{\"externalId\": \"A\"},\n {\"externalId\": }]");
        assert_eq!(orders.len(), 2);
        assert!(orders[0].is_ok());
        let err = orders[1].as_ref().unwrap_err().to_string();
        assert!(
            err.starts_with("JSON syntax error") && err.contains("line 2"),
            "{err}"
        );
        let not_an_array = read("json", "\"orders\"");
        assert!(not_an_array[0].is_err());
        let trailing = read("json", "[] []");
        assert!(trailing[0].is_err(), "{trailing:?}");
    }

    #[test]
    fn ndjson_lines_fail_one_by_one() {
        let orders = read(
            "ndjson",
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
