//! The commit hooks: what a committed write transaction wrote, and the
//! watchers that wake on it. Apart from `db` so that the connection code and
//! the SQLite writer both use them without depending on each other.

use std::sync::Arc;

use tokio::sync::watch;

/// What a committed write transaction wrote that somebody follows.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Wrote {
    /// Order events (the live feed follows them).
    pub events: bool,
    /// Deliveries that may be due (the delivery worker sends them).
    pub deliveries: bool,
}

impl Wrote {
    /// What either wrote.
    pub fn or(self, other: Wrote) -> Wrote {
        Wrote {
            events: self.events || other.events,
            deliveries: self.deliveries || other.deliveries,
        }
    }
}

/// The commit hooks: each counts the commits that wrote what it announces,
/// and its watchers wake on change.
#[derive(Clone, Default)]
pub(crate) struct Hooks {
    events: Arc<watch::Sender<u64>>,
    deliveries: Arc<watch::Sender<u64>>,
}

impl Hooks {
    /// Watches the commits that appended order events.
    pub fn events(&self) -> watch::Receiver<u64> {
        self.events.subscribe()
    }

    /// Watches the commits that scheduled deliveries.
    pub fn deliveries(&self) -> watch::Receiver<u64> {
        self.deliveries.subscribe()
    }

    /// Announces a committed transaction that wrote `wrote`.
    pub fn fire(&self, wrote: Wrote) {
        for (hook, wrote) in [
            (&self.events, wrote.events),
            (&self.deliveries, wrote.deliveries),
        ] {
            if wrote {
                hook.send_modify(|n| *n = n.wrapping_add(1));
            }
        }
    }
}
