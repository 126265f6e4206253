//! The per-credential cost budget (`GRAPHQL_BUDGET_<ROLE>`): a leaky bucket on
//! query cost, as Shopify's, so one client cannot take the server's whole
//! capacity by sending many cheap-enough operations. The bucket is governor's
//! GCRA, one per credential, grouped by role.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::auth::{Principal, Role};
use crate::config::BudgetSetting;
use crate::error::AppError;

/// The buckets of every credential, by role.
pub struct Budget {
    limiters: HashMap<Role, (BudgetSetting, DefaultKeyedRateLimiter<String>)>,
    clock: DefaultClock,
}

impl Budget {
    /// Buckets for the roles that have a budget; `None` when no role has one.
    pub fn new(settings: &[(Role, Option<BudgetSetting>)]) -> Option<Budget> {
        let limiters: HashMap<_, _> = settings
            .iter()
            .filter_map(|(role, setting)| {
                let setting = (*setting)?;
                let capacity = NonZeroU32::new(setting.capacity)?;
                let restore = setting.restore_per_second.max(1);
                let period = Duration::from_nanos(1_000_000_000 / u64::from(restore))
                    .max(Duration::from_nanos(1));
                let quota = Quota::with_period(period)?.allow_burst(capacity);
                Some((*role, (setting, RateLimiter::keyed(quota))))
            })
            .collect();
        (!limiters.is_empty()).then(|| Budget {
            limiters,
            clock: DefaultClock::default(),
        })
    }

    /// Takes `cost` from `principal`'s bucket, or says how long to wait.
    pub fn charge(&self, principal: &Principal, cost: usize) -> Result<(), AppError> {
        let Some((setting, limiter)) = self.limiters.get(&principal.role) else {
            return Ok(());
        };
        let Some(cost) = u32::try_from(cost).ok().and_then(NonZeroU32::new) else {
            return Ok(());
        };
        let key = format!("{}:{}", principal.role.as_str(), principal.subject);
        match limiter.check_key_n(&key, cost) {
            Ok(Ok(())) => Ok(()),
            Ok(Err(not_until)) => {
                let wait = not_until.wait_time_from(self.clock.now());
                let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
                Err(AppError::Throttled {
                    message: format!(
                        "This credential's query budget ({} points, restoring {} per second) is spent; retry in {seconds} s",
                        setting.capacity, setting.restore_per_second
                    ),
                    retry_after_seconds: seconds.max(1),
                })
            }
            Err(_) => Err(AppError::QueryTooComplex {
                limit: "budget",
                requested: cost.get() as usize,
                allowed: setting.capacity as usize,
            }),
        }
    }

    /// Forgets buckets that are full again, so memory follows active clients.
    pub fn forget_idle(&self) {
        for (_, limiter) in self.limiters.values() {
            limiter.retain_recent();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal() -> Principal {
        Principal {
            role: Role::Staff,
            subject: "s".into(),
            customer_id: None,
        }
    }

    #[test]
    fn a_spent_budget_says_when_to_retry() {
        let budget = Budget::new(&[(
            Role::Staff,
            Some(BudgetSetting {
                capacity: 100,
                restore_per_second: 10,
            }),
        )])
        .unwrap();
        budget.charge(&principal(), 60).unwrap();
        let Err(AppError::Throttled {
            retry_after_seconds,
            ..
        }) = budget.charge(&principal(), 60)
        else {
            panic!("not throttled");
        };
        assert_eq!(retry_after_seconds, 2);
        assert!(matches!(
            budget.charge(&principal(), 101),
            Err(AppError::QueryTooComplex {
                limit: "budget",
                ..
            })
        ));
    }
}
