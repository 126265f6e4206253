//! `ordergraph import FILE`: the command's arguments, its run from an open
//! database to the summary on stdout, and its exit code.

use std::fmt::Write as _;
use std::io::{IsTerminal, Read};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::{Duration, Instant};

use super::progress::Progress;
use super::read::{self, Counted, Format};
use super::report::Report;
use super::run::{self, Counts, Listener, Options, RowResult, Summary};
use crate::db::Db;
use crate::orders::draft::Defaults;
use crate::orders::import::MAX_IMPORT;

/// Orders per batch by default: big enough that a transaction's fixed cost
/// is small, small enough that a concurrent server's writes wait little for
/// SQLite's write lock.
pub const DEFAULT_BATCH: usize = 250;

/// Who the IMPORTED events of the orders name.
pub const ACTOR: &str = "cli-import";

/// Every row imported or known already.
pub const EXIT_OK: u8 = 0;
/// The file was read to the end, but some rows failed.
pub const EXIT_ROWS_FAILED: u8 = 1;
/// The import stopped early or could not start (file, arguments, database).
pub const EXIT_STOPPED: u8 = 2;

/// The arguments of `ordergraph import`.
#[derive(clap::Args, Debug)]
pub struct ImportArgs {
    /// The order file: a JSON array, NDJSON or CSV; `-` reads standard input.
    pub file: PathBuf,
    /// The file's format; by default from its extension (.json, .ndjson or
    /// .jsonl, .csv). Needed for standard input.
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// The orders' source (the platform they come from), for orders that name
    /// none. Orders that name another source are refused. Needed unless
    /// every order names its source.
    #[arg(long, value_parser = non_blank)]
    pub source: Option<String>,
    /// Orders per transaction, 1 to 1000.
    #[arg(long, default_value_t = DEFAULT_BATCH, value_parser = batch_size)]
    pub batch_size: usize,
    /// Write every row's outcome to this file: CSV for a .csv name, else
    /// NDJSON (row, line, externalId, status, orderId, errors).
    #[arg(long)]
    pub report: Option<PathBuf>,
}

fn non_blank(raw: &str) -> Result<String, String> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        Err("must not be empty".into())
    } else {
        Ok(trimmed.to_owned())
    }
}

fn batch_size(raw: &str) -> Result<usize, String> {
    match raw.parse::<usize>() {
        Ok(n) if (1..=MAX_IMPORT).contains(&n) => Ok(n),
        _ => Err(format!("must be a number from 1 to {MAX_IMPORT}")),
    }
}

/// Runs the import on `db`; prints the summary on stdout, progress on
/// stderr; answers the exit code.
pub async fn run(db: &Db, defaults: Defaults<'_>, args: ImportArgs) -> ExitCode {
    let stdin = args.file.as_os_str() == "-";
    let Some(format) = args
        .format
        .or_else(|| (!stdin).then(|| Format::from_path(&args.file)).flatten())
    else {
        eprintln!(
            "error: cannot tell the format of {}; pass --format json, ndjson or csv",
            args.file.display()
        );
        return ExitCode::from(EXIT_STOPPED);
    };
    let (input, total): (Box<dyn Read + Send>, Option<u64>) = if stdin {
        (Box::new(std::io::stdin()), None)
    } else {
        match std::fs::File::open(&args.file) {
            Ok(file) => {
                let total = file
                    .metadata()
                    .ok()
                    .filter(|m| m.is_file())
                    .map(|m| m.len());
                (Box::new(file), total)
            }
            Err(err) => {
                eprintln!("error: cannot open {}: {err}", args.file.display());
                return ExitCode::from(EXIT_STOPPED);
            }
        }
    };
    // Opened first: a report that cannot be written should stop the import
    // before it starts, not after.
    let report = match args.report.as_deref().map(Report::create).transpose() {
        Ok(report) => report,
        Err(err) => {
            eprintln!("error: cannot create the report: {err}");
            return ExitCode::from(EXIT_STOPPED);
        }
    };

    let options = Options {
        source: args.source.clone(),
        batch_size: args.batch_size,
        actor: ACTOR.to_owned(),
    };
    let bytes = Arc::new(AtomicU64::new(0));
    let rows = match read::spawn(
        format,
        Box::new(Counted::new(input, bytes.clone())),
        options.source.clone(),
        options.batch_size * 2,
    ) {
        Ok(rows) => rows,
        Err(err) => {
            eprintln!("error: cannot start the reader: {err}");
            return ExitCode::from(EXIT_STOPPED);
        }
    };
    let mut outputs = Outputs {
        report,
        progress: Progress::new(std::io::stderr().is_terminal(), bytes, total),
    };
    let started = Instant::now();
    let mut summary = run::run(db, defaults, &options, rows, &mut outputs).await;
    outputs.progress.finish();
    if let Some(report) = &mut outputs.report
        && let Err(err) = report.flush()
    {
        summary
            .stopped
            .get_or_insert(format!("writing the report failed: {err}"));
    }
    print!(
        "{}",
        render(&summary, started.elapsed(), args.report.is_some())
    );
    ExitCode::from(exit_code(&summary))
}

/// The exit code a summary calls for.
pub fn exit_code(summary: &Summary) -> u8 {
    if summary.stopped.is_some() {
        EXIT_STOPPED
    } else if summary.counts.failed > 0 {
        EXIT_ROWS_FAILED
    } else {
        EXIT_OK
    }
}

/// The summary as printed: counts one per line (`imported: N`, easy to read
/// for people and scripts alike), then the first failed rows, then why the
/// run stopped early, if it did.
pub fn render(summary: &Summary, elapsed: Duration, has_report: bool) -> String {
    let Counts {
        orders,
        imported,
        duplicates,
        failed,
    } = summary.counts;
    let seconds = elapsed.as_secs_f64();
    let mut out = String::new();
    let rate = if seconds > 0.0 {
        format!(" ({:.0} orders/s)", orders as f64 / seconds)
    } else {
        String::new()
    };
    let _ = writeln!(out, "{orders} orders in {seconds:.1} s{rate}");
    let _ = writeln!(out, "imported:   {imported}");
    let _ = writeln!(out, "duplicates: {duplicates}");
    let _ = writeln!(out, "failed:     {failed}");
    if !summary.failures.is_empty() {
        let shown = summary.failures.len() as u64;
        let more = if failed > shown {
            if has_report {
                format!("the first {shown}; the report has all {failed}")
            } else {
                format!("the first {shown}; --report FILE lists all {failed}")
            }
        } else {
            "all".to_owned()
        };
        let _ = writeln!(out, "failed rows ({more}):");
        for row in &summary.failures {
            let _ = writeln!(out, "  {}", failure_line(row));
        }
    }
    if let Some(reason) = &summary.stopped {
        let _ = writeln!(out, "stopped early: {reason}");
    }
    out
}

fn failure_line(row: &RowResult) -> String {
    let external = row
        .external_id
        .as_deref()
        .map(|e| format!(" externalId {e:?}"))
        .unwrap_or_default();
    format!(
        "row {} (line {}){external}: {}",
        row.row,
        row.line,
        row.errors.join("; ")
    )
}

/// The report and the progress display, fed together.
struct Outputs {
    report: Option<Report>,
    progress: Progress,
}

impl Listener for Outputs {
    fn rows(&mut self, rows: &[RowResult], counts: &Counts) -> std::io::Result<()> {
        if let Some(report) = &mut self.report {
            report.rows(rows, counts)?;
        }
        self.progress.rows(rows, counts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::orders::import::ImportResultStatus;

    #[test]
    fn the_summary_counts_lists_failures_and_says_why_it_stopped() {
        let summary = Summary {
            counts: Counts {
                orders: 30,
                imported: 25,
                duplicates: 2,
                failed: 3,
            },
            failures: vec![RowResult {
                row: 7,
                line: 9,
                external_id: Some("E7".into()),
                status: ImportResultStatus::Invalid,
                order_id: None,
                errors: vec!["lines.0.price: must not be negative".into()],
            }],
            stopped: None,
        };
        let text = render(&summary, Duration::from_secs(2), false);
        assert!(
            text.starts_with("30 orders in 2.0 s (15 orders/s)\n"),
            "{text}"
        );
        assert!(text.contains("\nimported:   25\nduplicates: 2\nfailed:     3\n"));
        assert!(text.contains("failed rows (the first 1; --report FILE lists all 3):"));
        assert!(
            text.contains(
                "  row 7 (line 9) externalId \"E7\": lines.0.price: must not be negative\n"
            )
        );
        assert_eq!(exit_code(&summary), EXIT_ROWS_FAILED);
        let stopped = Summary {
            stopped: Some("reading stopped after row 3: broken".into()),
            ..Summary::default()
        };
        assert!(
            render(&stopped, Duration::ZERO, true)
                .ends_with("stopped early: reading stopped after row 3: broken\n")
        );
        assert_eq!(exit_code(&stopped), EXIT_STOPPED);
        assert_eq!(exit_code(&Summary::default()), EXIT_OK);
    }
}
