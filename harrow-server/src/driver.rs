//! Choosing the IO driver: io_uring where the kernel allows it, epoll
//! otherwise, with one warning; an error when io_uring was demanded.

use std::sync::Once;

use crate::Driver;
use crate::error::{Error, Kind};

/// The driver a worker will run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Chosen {
    /// monoio's io_uring driver.
    IoUring,
    /// monoio's legacy (epoll) driver.
    Epoll,
}

impl Chosen {
    /// The configuration value that names this driver.
    pub(crate) fn public(self) -> Driver {
        match self {
            Chosen::IoUring => Driver::IoUring,
            Chosen::Epoll => Driver::Epoll,
        }
    }
}

/// Probes io_uring once per process (a small ring and the opcodes monoio uses).
pub(crate) fn io_uring_available() -> bool {
    monoio::utils::detect_uring()
}

/// Resolves the configured driver against what the machine offers.
pub(crate) fn choose(driver: Driver) -> Result<Chosen, Error> {
    match driver {
        Driver::Epoll => Ok(Chosen::Epoll),
        Driver::IoUring if io_uring_available() => Ok(Chosen::IoUring),
        Driver::IoUring => Err(Error::bare(Kind::IoUringUnavailable(refusal_reason()))),
        Driver::Auto if io_uring_available() => Ok(Chosen::IoUring),
        Driver::Auto => {
            warn_fallback(&refusal_reason());
            Ok(Chosen::Epoll)
        }
    }
}

/// Logs the epoll fallback, once per process.
pub(crate) fn warn_fallback(why: &str) {
    static WARNED: Once = Once::new();
    WARNED.call_once(|| {
        tracing::warn!(
            reason = why,
            "io_uring is not available; falling back to epoll (set Driver::IoUring to fail instead)"
        );
    });
}

/// Why io_uring was refused, as far as we can tell.
fn refusal_reason() -> String {
    if std::env::var_os("MONOIO_FORCE_LEGACY_DRIVER").is_some() {
        return "MONOIO_FORCE_LEGACY_DRIVER is set".into();
    }
    // SAFETY: io_uring_setup with a null params pointer creates nothing;
    // the kernel answers EFAULT when io_uring exists and is permitted, or
    // the errno that explains why not.
    let rc = unsafe { libc::syscall(libc::SYS_io_uring_setup, 1, std::ptr::null_mut::<u8>()) };
    let errno = if rc < 0 {
        std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
    } else {
        0
    };
    match errno {
        libc::ENOSYS => "the kernel has no io_uring (ENOSYS)".into(),
        libc::EPERM => {
            "io_uring_setup was denied (EPERM: a seccomp profile or the io_uring_disabled sysctl)"
                .into()
        }
        libc::ENOMEM => "not enough locked memory for the ring (raise RLIMIT_MEMLOCK)".into(),
        _ => "the kernel lacks an io_uring operation the runtime needs".into(),
    }
}

/// The drivers the crate's own socket tests run under: epoll always, and
/// io_uring where the kernel allows it. In CI (`CI` set) a refused io_uring
/// fails the test instead of skipping half of it.
#[cfg(test)]
pub(crate) fn test_drivers() -> Vec<Driver> {
    if io_uring_available() {
        return vec![Driver::Epoll, Driver::IoUring];
    }
    let why = refusal_reason();
    assert!(
        std::env::var_os("CI").is_none(),
        "io_uring is refused on this CI machine ({why}); the io_uring half of the socket tests cannot run"
    );
    eprintln!("skipping the io_uring variant: {why}");
    vec![Driver::Epoll]
}
