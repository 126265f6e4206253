//! The brute-force throttle: after `AUTH_MAX_FAILURES` wrong secrets for one
//! credential (an API key id, a customer's e-mail) from one client address
//! within `AUTH_FAILURE_WINDOW_SECONDS`, that pair is refused with THROTTLED
//! for a window, even with the right secret. Keyed on the pair, so an attacker
//! elsewhere cannot lock the real owner out. Failures are counted by
//! governor's GCRA; the lock is ours, because a limiter cannot be asked
//! "would this pass" without spending a cell.

use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::error::AppError;

type Key = (String, IpAddr);

/// Failure counts and locks, shared by every request.
pub struct FailureThrottle {
    failures: DefaultKeyedRateLimiter<Key>,
    locked: Mutex<HashMap<Key, Instant>>,
    window: Duration,
}

impl FailureThrottle {
    /// `max_failures` per `window`; `None` when either is zero (no throttle).
    pub fn new(max_failures: u32, window: Duration) -> Option<FailureThrottle> {
        let burst = NonZeroU32::new(max_failures)?;
        let period = window.checked_div(max_failures)?;
        let quota = Quota::with_period(period)?.allow_burst(burst);
        Some(FailureThrottle {
            failures: RateLimiter::keyed(quota),
            locked: Mutex::new(HashMap::new()),
            window,
        })
    }

    /// THROTTLED while `credential` from `client` is locked.
    pub fn check(&self, credential: &str, client: IpAddr) -> Result<(), AppError> {
        let now = Instant::now();
        let Ok(locked) = self.locked.lock() else {
            return Ok(());
        };
        match locked.get(&(credential.to_owned(), client)) {
            Some(until) if *until > now => {
                let wait = until.duration_since(now);
                let seconds = (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1);
                Err(AppError::Throttled {
                    message: format!(
                        "Too many failed sign-ins for this credential from this address; retry in {seconds} s"
                    ),
                    retry_after_seconds: seconds,
                })
            }
            _ => Ok(()),
        }
    }

    /// Counts a wrong secret; the one over the limit locks the pair.
    pub fn fail(&self, credential: &str, client: IpAddr) {
        let key = (credential.to_owned(), client);
        if self.failures.check_key(&key).is_ok() {
            return;
        }
        tracing::warn!(%client, "sign-in failures over the limit; throttling this credential from this address");
        let now = Instant::now();
        if let Ok(mut locked) = self.locked.lock() {
            locked.retain(|_, until| *until > now);
            locked.insert(key, now + self.window);
        }
        self.failures.retain_recent();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pair_is_locked_after_the_limit_and_others_are_not() {
        let throttle = FailureThrottle::new(3, Duration::from_secs(60)).unwrap();
        let (here, there): (IpAddr, IpAddr) =
            ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        for _ in 0..3 {
            throttle.fail("key:1", here);
            assert!(throttle.check("key:1", here).is_ok());
        }
        throttle.fail("key:1", here);
        let Err(AppError::Throttled {
            retry_after_seconds,
            ..
        }) = throttle.check("key:1", here)
        else {
            panic!("not throttled");
        };
        assert!((59..=60).contains(&retry_after_seconds));
        assert!(throttle.check("key:1", there).is_ok());
        assert!(throttle.check("key:2", here).is_ok());
    }
}
