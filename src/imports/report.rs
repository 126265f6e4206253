//! The per-row report of an import (`--report FILE`): every order of the file
//! with its row, line, external id, status (IMPORTED, DUPLICATE, INVALID),
//! order id and errors. CSV for a `.csv` name, else NDJSON; written as the
//! batches finish, so it holds what was done even when the run stops.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use super::run::{Counts, Listener, RowResult};
use crate::ids::{NodeKind, global_id};
use crate::orders::import::ImportResultStatus;

/// The report's columns (CSV header; NDJSON keys).
pub const COLUMNS: [&str; 6] = ["row", "line", "externalId", "status", "orderId", "errors"];

/// A status as the API names it.
pub fn status_name(status: ImportResultStatus) -> &'static str {
    match status {
        ImportResultStatus::Imported => "IMPORTED",
        ImportResultStatus::Duplicate => "DUPLICATE",
        ImportResultStatus::Invalid => "INVALID",
    }
}

/// An open report file.
pub enum Report {
    /// One CSV row per order; errors joined with "; ". (Boxed: the CSV
    /// writer carries its own buffer.)
    Csv(Box<csv::Writer<BufWriter<File>>>),
    /// One JSON object per order; errors as a list.
    Ndjson(BufWriter<File>),
}

impl Report {
    /// Creates (or truncates) `path`.
    pub fn create(path: &Path) -> std::io::Result<Report> {
        let file = BufWriter::new(File::create(path)?);
        let csv = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
        if csv {
            let mut writer = csv::Writer::from_writer(file);
            writer.write_record(COLUMNS)?;
            Ok(Report::Csv(Box::new(writer)))
        } else {
            Ok(Report::Ndjson(file))
        }
    }

    /// Appends one row.
    pub fn write(&mut self, row: &RowResult) -> std::io::Result<()> {
        // The id the API takes everywhere (`node(id:)`, `order(id:)`).
        let order_id = row
            .order_id
            .map(|id| global_id(NodeKind::Order, id).0)
            .unwrap_or_default();
        match self {
            Report::Csv(writer) => {
                writer.write_record([
                    row.row.to_string().as_str(),
                    row.line.to_string().as_str(),
                    row.external_id.as_deref().unwrap_or_default(),
                    status_name(row.status),
                    order_id.as_str(),
                    row.errors.join("; ").as_str(),
                ])?;
                Ok(())
            }
            Report::Ndjson(writer) => {
                let line = serde_json::json!({
                    "row": row.row,
                    "line": row.line,
                    "externalId": row.external_id,
                    "status": status_name(row.status),
                    "orderId": row.order_id.map(|_| order_id),
                    "errors": row.errors,
                });
                serde_json::to_writer(&mut *writer, &line)?;
                writer.write_all(b"\n")
            }
        }
    }

    /// Writes out what is buffered.
    pub fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Report::Csv(writer) => writer.flush(),
            Report::Ndjson(writer) => writer.flush(),
        }
    }
}

impl Listener for Report {
    fn rows(&mut self, rows: &[RowResult], _: &Counts) -> std::io::Result<()> {
        rows.iter().try_for_each(|row| self.write(row))
    }
}
