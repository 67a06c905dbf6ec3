//! The `Date` header, formatted at most once per second per worker.

use std::cell::RefCell;
use std::time::{SystemTime, UNIX_EPOCH};

thread_local! {
    static CACHE: RefCell<DateCache> = RefCell::new(DateCache::default());
}

/// A cached IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), refreshed when
/// the second changes.
#[derive(Debug)]
pub struct DateCache {
    second: u64,
    text: [u8; 29],
    /// The same date as a header value, for HTTP/2 responses: cloning it
    /// shares its bytes.
    value: http::HeaderValue,
}

impl Default for DateCache {
    fn default() -> Self {
        let mut d = DateCache {
            second: u64::MAX,
            text: [b' '; 29],
            value: http::HeaderValue::from_static(""),
        };
        d.refresh(SystemTime::now());
        d
    }
}

impl DateCache {
    /// The date for `now`, reformatted only when the second has changed.
    pub fn get(&mut self, now: SystemTime) -> &[u8] {
        self.refresh(now);
        &self.text
    }

    fn refresh(&mut self, now: SystemTime) {
        let second = now
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        if second != self.second {
            self.second = second;
            let s = httpdate::fmt_http_date(now);
            if s.len() == self.text.len() {
                self.text.copy_from_slice(s.as_bytes());
            }
            if let Ok(value) = http::HeaderValue::from_str(&s) {
                self.value = value;
            }
        }
    }

    /// The date in this thread's cache, without reading the clock: the
    /// worker's deadline sweep calls [`DateCache::refresh_thread`] a few times
    /// a second, so a response costs no clock read for its `Date`.
    pub fn with_cached<R>(f: impl FnOnce(&[u8; 29]) -> R) -> R {
        CACHE.with(|c| f(&c.borrow().text))
    }

    /// The date in this thread's cache as a header value.
    pub fn header_value() -> http::HeaderValue {
        CACHE.with(|c| c.borrow().value.clone())
    }

    /// Brings this thread's cached date up to the current second.
    pub fn refresh_thread() {
        CACHE.with(|c| c.borrow_mut().refresh(SystemTime::now()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn formats_imf_fixdate() {
        let mut d = DateCache::default();
        let t = UNIX_EPOCH + Duration::from_secs(784_111_777);
        assert_eq!(d.get(t), b"Sun, 06 Nov 1994 08:49:37 GMT");
        let later = t + Duration::from_millis(500);
        assert_eq!(d.get(later), b"Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(
            d.get(t + Duration::from_secs(1)),
            b"Sun, 06 Nov 1994 08:49:38 GMT"
        );
    }
}
