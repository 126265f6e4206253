//! CSV order files: one row per order line, the rows of one order next to
//! each other (grouped by its external id column), the order's columns given
//! on its first row and repeated or left empty on the others. Headers are
//! field paths in the shape's own names: `externalId`, `shippingAddress.city`,
//! `lines.name` (seed 004: `id_order`, `products.qty`; seed 001:
//! `external_id`, `shipping_address.city`, `products.price`).

use std::io::Read;

use serde_json::{Map, Value};

use super::raw::{RawOrder, ReadError};
use crate::lines::draft::MAX_LINES;

/// The columns that name an order, in the three shapes: consecutive rows
/// with the same value are one order.
const KEYS: &[&str] = &["externalId", "id_order", "external_id"];
/// The list fields whose columns describe one line per row.
const LINE_LISTS: &[&str] = &["lines", "products"];

/// One column: where its cells go.
struct Column {
    name: String,
    /// `Some(list)`: a line field, under `list` (`lines`, `products`).
    list: Option<String>,
    /// The path inside the order or the line.
    path: Vec<String>,
}

/// One CSV row, decoded.
struct Record {
    line: u64,
    cells: Vec<String>,
    problem: Option<String>,
}

/// Orders read from a CSV file, one per group of rows.
pub struct CsvOrders<R: Read> {
    reader: csv::Reader<R>,
    columns: Vec<Column>,
    key: Option<usize>,
    /// The row being read, reused so rows cost no allocation of their own.
    raw: csv::ByteRecord,
    /// A row read ahead: the first row of the next order.
    pending: Option<Record>,
    number: u64,
    failed: bool,
}

impl<R: Read> CsvOrders<R> {
    /// Reads the header; a header that cannot be one stops the import.
    pub fn new(input: R) -> Result<Self, ReadError> {
        let mut reader = csv::ReaderBuilder::new()
            // Row lengths are checked here, so a short row fails alone
            // instead of ending the file.
            .flexible(true)
            .from_reader(input);
        let header = reader.byte_headers().map_err(csv_error)?.clone();
        let mut columns = Vec::with_capacity(header.len());
        for (i, raw) in header.iter().enumerate() {
            let name = std::str::from_utf8(raw)
                .map_err(|_| {
                    ReadError::Format(format!("CSV header column {} is not UTF-8", i + 1))
                })?
                .trim()
                .to_owned();
            if name.is_empty() {
                return Err(ReadError::Format(format!(
                    "CSV header column {} has no name",
                    i + 1
                )));
            }
            if columns.iter().any(|c: &Column| c.name == name) {
                return Err(ReadError::Format(format!(
                    "CSV header names column {name} twice"
                )));
            }
            let mut path: Vec<String> = name.split('.').map(str::to_owned).collect();
            let list = if path.len() > 1 && LINE_LISTS.contains(&path[0].as_str()) {
                Some(path.remove(0))
            } else {
                None
            };
            if path.iter().any(String::is_empty) || LINE_LISTS.contains(&name.as_str()) {
                return Err(ReadError::Format(format!(
                    "CSV column {name} is not a field path (such as lines.name or shippingAddress.city)"
                )));
            }
            columns.push(Column { name, list, path });
        }
        let key = columns.iter().position(|c| {
            c.list.is_none() && c.path.len() == 1 && KEYS.contains(&c.path[0].as_str())
        });
        Ok(CsvOrders {
            reader,
            columns,
            key,
            raw: csv::ByteRecord::new(),
            pending: None,
            number: 0,
            failed: false,
        })
    }

    fn read(&mut self) -> Result<Option<Record>, ReadError> {
        if !self
            .reader
            .read_byte_record(&mut self.raw)
            .map_err(csv_error)?
        {
            return Ok(None);
        }
        let line = self.raw.position().map_or(0, csv::Position::line);
        let mut problem = None;
        if self.raw.len() != self.columns.len() {
            problem = Some(format!(
                "line {line}: {} fields where the header has {}",
                self.raw.len(),
                self.columns.len()
            ));
        }
        let mut cells = Vec::with_capacity(self.columns.len());
        for (i, raw) in self.raw.iter().take(self.columns.len()).enumerate() {
            match std::str::from_utf8(raw) {
                Ok(text) => cells.push(text.trim().to_owned()),
                Err(_) => {
                    problem.get_or_insert_with(|| {
                        format!("line {line}: column {} is not UTF-8", self.columns[i].name)
                    });
                    cells.push(String::from_utf8_lossy(raw).into_owned());
                }
            }
        }
        cells.resize(self.columns.len(), String::new());
        Ok(Some(Record {
            line,
            cells,
            problem,
        }))
    }

    /// The next order: its first row and every following row with the same
    /// key.
    fn next_order(&mut self) -> Result<Option<RawOrder>, ReadError> {
        let first = match self.pending.take() {
            Some(record) => record,
            None => match self.read()? {
                Some(record) => record,
                None => return Ok(None),
            },
        };
        self.number += 1;
        let mut order = Order::new(self, &first);
        let key = self.key.map(|k| first.cells[k].clone()).unwrap_or_default();
        while !key.is_empty() {
            let Some(record) = self.read()? else { break };
            if self.key.map(|k| record.cells[k].as_str()) != Some(key.as_str()) {
                self.pending = Some(record);
                break;
            }
            order.add(self, &record);
        }
        Ok(Some(order.finish(self.number, first.line)))
    }
}

impl<R: Read> Iterator for CsvOrders<R> {
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

/// One order being put together from its rows.
struct Order {
    object: Map<String, Value>,
    /// The order columns' cells of the first row, to compare later rows with.
    first: Vec<String>,
    lines: Vec<(String, Value)>,
    line_count: usize,
    problems: Vec<String>,
}

impl Order {
    fn new<R: Read>(csv: &CsvOrders<R>, record: &Record) -> Order {
        let mut order = Order {
            object: Map::new(),
            first: record.cells.clone(),
            lines: Vec::new(),
            line_count: 0,
            problems: Vec::new(),
        };
        for (column, cell) in csv.columns.iter().zip(&record.cells) {
            if column.list.is_none() && !cell.is_empty() {
                let value = typed(column, cell, record.line, &mut order.problems);
                set(
                    &mut order.object,
                    &column.path,
                    value,
                    column,
                    &mut order.problems,
                );
            }
        }
        order.add(csv, record);
        order
    }

    fn add<R: Read>(&mut self, csv: &CsvOrders<R>, record: &Record) {
        if let Some(problem) = &record.problem {
            self.problems.push(problem.clone());
        }
        let mut lines: Vec<(String, Map<String, Value>)> = Vec::new();
        for ((column, cell), first) in csv.columns.iter().zip(&record.cells).zip(&self.first) {
            match &column.list {
                None => {
                    if !cell.is_empty() && cell != first {
                        self.problems.push(format!(
                            "line {}: column {} differs from the order's first row; repeat it or leave it empty",
                            record.line, column.name
                        ));
                    }
                }
                Some(list) if !cell.is_empty() => {
                    let value = typed(column, cell, record.line, &mut self.problems);
                    let line = match lines.iter_mut().find(|(l, _)| l == list) {
                        Some((_, line)) => line,
                        None => {
                            lines.push((list.clone(), Map::new()));
                            let last = lines.len() - 1;
                            &mut lines[last].1
                        }
                    };
                    set(line, &column.path, value, column, &mut self.problems);
                }
                Some(_) => {}
            }
        }
        for (list, line) in lines {
            self.line_count += 1;
            // Beyond the most an order may have, lines are counted, not kept:
            // validation refuses the order by the count alone.
            if self.line_count <= MAX_LINES + 1 {
                self.lines.push((list, Value::Object(line)));
            }
        }
    }

    fn finish(mut self, number: u64, line: u64) -> RawOrder {
        for (list, item) in self.lines {
            match self
                .object
                .entry(list)
                .or_insert_with(|| Value::Array(Vec::new()))
            {
                Value::Array(items) => items.push(item),
                _ => self
                    .problems
                    .push("a lines column and an order column share a name".to_owned()),
            }
        }
        if self.line_count > MAX_LINES + 1 {
            self.problems.push(format!(
                "{} lines; an order has at most {MAX_LINES}",
                self.line_count
            ));
        }
        RawOrder {
            number,
            line,
            value: Value::Object(self.object),
            problems: self.problems,
        }
    }
}

/// A cell as JSON: `test` as a boolean and `metadata` / `custom` holding
/// `{...}` as an object, since CSV has only text; everything else as text
/// (amounts included: the decimal rules read text exactly).
fn typed(column: &Column, cell: &str, line: u64, problems: &mut Vec<String>) -> Value {
    let field = column.path.last().map_or("", String::as_str);
    match field {
        "test" => match super::seeds::parse_bool(cell) {
            Some(b) => Value::Bool(b),
            None => Value::String(cell.to_owned()),
        },
        "metadata" | "custom" if cell.starts_with('{') => {
            match serde_json::from_str::<Value>(cell) {
                Ok(value) => value,
                Err(err) => {
                    problems.push(format!(
                        "line {line}: column {} is not a JSON object: {err}",
                        column.name
                    ));
                    Value::Null
                }
            }
        }
        _ => Value::String(cell.to_owned()),
    }
}

fn set(
    object: &mut Map<String, Value>,
    path: &[String],
    value: Value,
    column: &Column,
    problems: &mut Vec<String>,
) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut here = object;
    for parent in parents {
        let next = here
            .entry(parent.clone())
            .or_insert_with(|| Value::Object(Map::new()));
        match next {
            Value::Object(inner) => here = inner,
            _ => {
                problems.push(format!(
                    "column {} goes inside {parent}, which another column sets whole",
                    column.name
                ));
                return;
            }
        }
    }
    here.insert(last.clone(), value);
}

fn csv_error(err: csv::Error) -> ReadError {
    match err.into_kind() {
        csv::ErrorKind::Io(err) => ReadError::Io(err),
        other => ReadError::Format(format!("CSV: {other:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn orders(text: &str) -> Vec<RawOrder> {
        CsvOrders::new(text.as_bytes())
            .unwrap()
            .map(|o| o.unwrap())
            .collect()
    }

    #[test]
    fn rows_of_one_order_become_its_lines() {
        let read = orders(
            "externalId,customerEmail,shippingAddress.city,lines.name,lines.quantity,lines.price,test\n\
             A,a@example.com,Utrecht,Tea,2,1.50,true\n\
             A,,,Cake,1,3.00,\n\
             B,b@example.com,,Tea,1,1.50,no\n",
        );
        assert_eq!(read.len(), 2);
        assert_eq!((read[0].number, read[0].line), (1, 2));
        assert_eq!(
            read[0].value,
            json!({"externalId": "A", "customerEmail": "a@example.com", "shippingAddress": {"city": "Utrecht"},
                   "test": true, "lines": [{"name": "Tea", "quantity": "2", "price": "1.50"},
                                           {"name": "Cake", "quantity": "1", "price": "3.00"}]})
        );
        assert!(read[0].problems.is_empty());
        assert_eq!((read[1].number, read[1].line), (2, 4));
        assert_eq!(read[1].value["test"], json!(false));
    }

    #[test]
    fn seed_004_columns_group_by_id_order() {
        let read = orders(
            "id_order,order_date,firstname,lastname,email,products.id,products.name,products.qty,products.unit_price\n\
             1234,2019-01-01 12:00:00,John,Doe,john@example.com,100,My Product 100,1,25.90\n\
             1234,2019-01-01 12:00:00,John,Doe,john@example.com,101,My Product 101,2,5.00\n",
        );
        assert_eq!(read.len(), 1);
        assert_eq!(read[0].value["products"].as_array().unwrap().len(), 2);
        assert_eq!(read[0].value["id_order"], "1234");
    }

    #[test]
    fn a_differing_order_column_or_a_short_row_fails_its_order_only() {
        let read = orders(
            "externalId,customerEmail,lines.name\n\
             A,a@example.com,x\n\
             A,other@example.com,y\n\
             B,b@example.com\n\
             C,c@example.com,z\n",
        );
        assert_eq!(read.len(), 3);
        assert_eq!(
            read[0].problems,
            [
                "line 3: column customerEmail differs from the order's first row; repeat it or leave it empty"
            ]
        );
        assert_eq!(
            read[1].problems,
            ["line 4: 2 fields where the header has 3"]
        );
        assert!(read[2].problems.is_empty());
    }

    #[test]
    fn json_cells_and_bad_headers() {
        let read = orders("externalId,metadata,lines.custom.colour\nA,\"{\"\"k\"\": 1}\",red\n");
        assert_eq!(read[0].value["metadata"], json!({"k": 1}));
        assert_eq!(
            read[0].value["lines"][0]["custom"],
            json!({"colour": "red"})
        );
        for header in [
            "externalId,,x\n",
            "a,a\n",
            "externalId,lines\n",
            "externalId,lines.\n",
        ] {
            assert!(CsvOrders::new(header.as_bytes()).is_err(), "{header}");
        }
    }
}
