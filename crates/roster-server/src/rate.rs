//! Rate limiting: a fixed one-minute window per key (the seed's "300 requests per minute per
//! workspace").

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A limiter of `limit` requests per `window` per key.
#[derive(Debug)]
pub struct RateLimiter {
    limit: u32,
    window: Duration,
    state: Mutex<HashMap<String, (Instant, u32)>>,
}

impl RateLimiter {
    /// A limiter.
    pub fn new(limit: u32, window: Duration) -> RateLimiter {
        RateLimiter { limit, window, state: Mutex::new(HashMap::new()) }
    }

    /// Counts one request for `key`: `Ok(())` if allowed, else `Err(seconds)` until the
    /// window ends (at least 1).
    pub fn check(&self, key: &str, now: Instant) -> Result<(), u64> {
        let Ok(mut state) = self.state.lock() else { return Ok(()) };
        let entry = state.entry(key.to_owned()).or_insert((now, 0));
        if now.duration_since(entry.0) >= self.window {
            *entry = (now, 0);
        }
        if entry.1 >= self.limit {
            let left = self.window.saturating_sub(now.duration_since(entry.0));
            return Err(left.as_secs().max(1) + u64::from(left.subsec_nanos() > 0 && left.as_secs() > 0));
        }
        entry.1 += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_per_key_and_resets_with_the_window() {
        let r = RateLimiter::new(3, Duration::from_secs(60));
        let t0 = Instant::now();
        for _ in 0..3 {
            assert_eq!(r.check("a", t0), Ok(()));
        }
        assert_eq!(r.check("a", t0 + Duration::from_secs(10)), Err(50));
        assert_eq!(r.check("b", t0), Ok(()));
        assert_eq!(r.check("a", t0 + Duration::from_secs(60)), Ok(()));
    }
}
