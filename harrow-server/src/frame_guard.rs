//! The HTTP/2 frame guard, for the fuzz targets in `harrow-server/fuzz`:
//! only with the `unstable` and `http2` features, and without a semver
//! promise.

use crate::conn::h2::guard::{FrameGuard, Verdict};

/// The HTTP/2 frame guard, fed bytes as a connection would be.
#[derive(Default)]
pub struct Guard(FrameGuard);

impl Guard {
    /// Inspects the next bytes; `None` while nothing is wrong, else why the
    /// connection would end (`"flood"`, or the rule broken).
    pub fn inspect(&mut self, bytes: &[u8]) -> Option<&'static str> {
        match self.0.inspect(bytes) {
            Verdict::Fine => None,
            Verdict::Flood => Some("flood"),
            Verdict::Malformed(why) => Some(why),
        }
    }
}

/// Whether an HPACK block holds a pseudo-header field the scan can tell.
pub fn pseudo_field_in(block: &[u8]) -> bool {
    crate::conn::h2::trailers::pseudo_field_in(block)
}
