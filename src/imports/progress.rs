//! Progress of an import on stderr: a bar (indicatif) when stderr is a
//! terminal; otherwise a plain line every 10,000 orders or 10 seconds, which
//! logs and CI output keep readable (a bar there is a wall of escape codes).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

use super::run::{Counts, Listener, RowResult};

/// Orders between two plain progress lines, at most.
const LINE_EVERY_ORDERS: u64 = 10_000;
/// Time between two plain progress lines, at most.
const LINE_EVERY: Duration = Duration::from_secs(10);

/// Where progress goes.
enum Display {
    Bar(ProgressBar),
    Lines { last: Instant, last_orders: u64 },
}

/// The progress of one run.
pub struct Progress {
    display: Display,
    /// Bytes read from the file so far.
    bytes: Arc<AtomicU64>,
    /// The file's size, when it is a file.
    total: Option<u64>,
    started: Instant,
}

impl Progress {
    /// A bar on a `terminal`, else plain lines; `bytes` counts what was
    /// read of a file of `total` bytes.
    pub fn new(terminal: bool, bytes: Arc<AtomicU64>, total: Option<u64>) -> Progress {
        let started = Instant::now();
        let display = if terminal {
            let (bar, template) = match total {
                Some(len) => (
                    ProgressBar::new(len),
                    "{spinner} {elapsed_precise} [{wide_bar}] {percent:>3}% of {binary_total_bytes}, eta {eta}  {msg}",
                ),
                None => (
                    ProgressBar::new_spinner(),
                    "{spinner} {elapsed_precise} {binary_bytes} read  {msg}",
                ),
            };
            // The templates are constants; a broken one falls back to the
            // default look rather than failing an import.
            if let Ok(style) = ProgressStyle::with_template(template) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.enable_steady_tick(Duration::from_millis(200));
            Display::Bar(bar)
        } else {
            Display::Lines {
                last: started,
                last_orders: 0,
            }
        };
        Progress {
            display,
            bytes,
            total,
            started,
        }
    }

    /// Shows `counts`.
    pub fn update(&mut self, counts: &Counts) {
        let read = self.bytes.load(Ordering::Relaxed);
        match &mut self.display {
            Display::Bar(bar) => {
                bar.set_position(read);
                bar.set_message(tally(counts));
            }
            Display::Lines { last, last_orders } => {
                if counts.orders - *last_orders < LINE_EVERY_ORDERS && last.elapsed() < LINE_EVERY {
                    return;
                }
                *last = Instant::now();
                *last_orders = counts.orders;
                let share = match self.total {
                    Some(total) if total > 0 => format!(
                        ", {:.0}% of {:.1} MiB",
                        read as f64 * 100.0 / total as f64,
                        total as f64 / f64::from(1 << 20)
                    ),
                    _ => format!(", {:.1} MiB read", read as f64 / f64::from(1 << 20)),
                };
                eprintln!(
                    "progress: {}{share}, {:.1} s",
                    tally(counts),
                    self.started.elapsed().as_secs_f64()
                );
            }
        }
    }

    /// Takes the bar away before the summary is printed.
    pub fn finish(&self) {
        if let Display::Bar(bar) = &self.display {
            bar.finish_and_clear();
        }
    }
}

impl Listener for Progress {
    fn rows(&mut self, _: &[RowResult], counts: &Counts) -> std::io::Result<()> {
        self.update(counts);
        Ok(())
    }
}

fn tally(counts: &Counts) -> String {
    format!(
        "{} orders ({} imported, {} duplicates, {} failed)",
        counts.orders, counts.imported, counts.duplicates, counts.failed
    )
}
