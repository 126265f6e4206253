//! One read answering many callers: a caller joins the next read that starts
//! after it asked, so the answer is never older than its question. Used for
//! the log's "now" that every new subscription reads: 10,000 subscriptions
//! opened together cost a handful of statements, not 10,000 queued on the
//! pool.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::watch;

type Read<T, E> = Arc<dyn Fn() -> Pin<Box<dyn Future<Output = Result<T, E>> + Send>> + Send + Sync>;
type Answer<T, E> = Option<Result<Arc<T>, E>>;

/// Coalesces calls of one read.
pub struct Coalesced<T, E> {
    read: Read<T, E>,
    state: Arc<Mutex<State<T, E>>>,
}

struct State<T, E> {
    /// The round not started yet: callers asking now join it.
    waiting: Option<watch::Sender<Answer<T, E>>>,
    /// Whether a driver task is running rounds.
    running: bool,
}

impl<T, E> Coalesced<T, E>
where
    T: Send + Sync + 'static,
    E: Clone + Send + Sync + 'static,
{
    /// Coalesces calls of `read`.
    pub fn new<F, Fut>(read: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<T, E>> + Send + 'static,
    {
        Coalesced {
            read: Arc::new(move || Box::pin(read())),
            state: Arc::new(Mutex::new(State {
                waiting: None,
                running: false,
            })),
        }
    }

    /// The answer of a read that started after this call. `closed` when the
    /// runtime dropped the read (shutting down).
    pub async fn get(&self, closed: impl FnOnce() -> E) -> Result<Arc<T>, E> {
        let mut answer = {
            let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
            let receiver = match &state.waiting {
                Some(round) => round.subscribe(),
                None => {
                    let (round, receiver) = watch::channel(None);
                    state.waiting = Some(round);
                    receiver
                }
            };
            if !state.running {
                state.running = true;
                tokio::spawn(drive(self.read.clone(), self.state.clone()));
            }
            receiver
        };
        match answer.wait_for(Option::is_some).await {
            Ok(value) => value.clone().unwrap_or_else(|| Err(closed())),
            Err(_) => Err(closed()),
        }
    }
}

/// Runs rounds while callers wait: takes the waiting round (so whoever asks
/// from now on joins the next one), reads, answers it.
async fn drive<T, E>(read: Read<T, E>, state: Arc<Mutex<State<T, E>>>) {
    loop {
        let round = {
            let mut state = state.lock().unwrap_or_else(PoisonError::into_inner);
            match state.waiting.take() {
                Some(round) => round,
                None => {
                    state.running = false;
                    return;
                }
            }
        };
        let answer = read().await.map(Arc::new);
        // Nobody left waiting is fine: they gave up.
        let _ = round.send(Some(answer));
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn many_callers_share_few_reads_and_each_read_starts_after_its_callers_asked() {
        let clock = Arc::new(AtomicU64::new(0));
        let reads = Arc::new(AtomicU64::new(0));
        let coalesced = {
            let (clock, reads) = (clock.clone(), reads.clone());
            Arc::new(Coalesced::new(move || {
                let (clock, reads) = (clock.clone(), reads.clone());
                async move {
                    reads.fetch_add(1, Ordering::SeqCst);
                    // The read sees the clock as it is when it starts.
                    let seen = clock.load(Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    Ok::<u64, String>(seen)
                }
            }))
        };
        let mut callers = Vec::new();
        for _ in 0..200 {
            // Each caller asks at a later tick than the previous one.
            let asked = clock.fetch_add(1, Ordering::SeqCst) + 1;
            let coalesced = coalesced.clone();
            callers.push(tokio::spawn(async move {
                let seen = coalesced.get(|| "closed".to_owned()).await.unwrap();
                (asked, *seen)
            }));
            if asked.is_multiple_of(50) {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }
        for caller in callers {
            let (asked, seen) = caller.await.unwrap();
            assert!(seen >= asked, "asked at {asked}, answered from {seen}");
        }
        let reads = reads.load(Ordering::SeqCst);
        assert!((1..=8).contains(&reads), "{reads} reads for 200 callers");
    }

    #[tokio::test]
    async fn an_error_reaches_every_caller_of_its_round_and_the_next_round_reads_again() {
        let reads = Arc::new(AtomicU64::new(0));
        let coalesced = {
            let reads = reads.clone();
            Coalesced::new(move || {
                let n = reads.fetch_add(1, Ordering::SeqCst);
                async move {
                    if n == 0 {
                        Err("down".to_owned())
                    } else {
                        Ok(n)
                    }
                }
            })
        };
        let closed = || "closed".to_owned();
        assert_eq!(coalesced.get(closed).await.unwrap_err(), "down");
        assert_eq!(*coalesced.get(closed).await.unwrap(), 1);
    }
}
