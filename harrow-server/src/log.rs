//! Warnings and errors on stderr for programs that installed no `tracing`
//! subscriber.
//!
//! The server reports through `tracing`. A program that never installed a
//! subscriber would see none of it: not the epoll fallback, not the cause of
//! a 500. So each thread the server runs on (its workers, the thread that
//! starts it, the signal listener) takes this small subscriber as its
//! thread's default while no global subscriber exists. It prints WARN and
//! ERROR events, one line each, and nothing else. A program that installs its
//! own global subscriber before starting the server takes over: the fallback
//! then stays out of the way, and setting one later still works, since a
//! thread's default never blocks the global one from being set.

use std::fmt::Write as _;
use std::io::Write as _;

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::{DefaultGuard, Interest, NoSubscriber};
use tracing::{Event, Level, Metadata, Subscriber};

/// Makes the stderr fallback this thread's default subscriber, unless the
/// program installed a global one; the fallback lasts while the guard lives.
pub(crate) fn fallback() -> Option<DefaultGuard> {
    // The default a thread sees is its own, else the global one, else "none".
    let none = tracing::dispatcher::get_default(|d| d.is::<NoSubscriber>());
    none.then(|| tracing::subscriber::set_default(StderrFallback))
}

/// Prints WARN and ERROR events to stderr, one line each.
struct StderrFallback;

impl Subscriber for StderrFallback {
    fn register_callsite(&self, meta: &'static Metadata<'static>) -> Interest {
        if self.enabled(meta) {
            Interest::always()
        } else {
            Interest::never()
        }
    }

    fn enabled(&self, meta: &Metadata<'_>) -> bool {
        meta.is_event() && *meta.level() <= Level::WARN
    }

    fn max_level_hint(&self) -> Option<tracing::level_filters::LevelFilter> {
        Some(tracing::level_filters::LevelFilter::WARN)
    }

    fn new_span(&self, _: &Attributes<'_>) -> Id {
        // Never called for spans: `enabled` refuses them.
        Id::from_u64(1)
    }

    fn record(&self, _: &Id, _: &Record<'_>) {}

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let line = format_line(event);
        let _ = std::io::stderr().lock().write_all(line.as_bytes());
    }

    fn enter(&self, _: &Id) {}

    fn exit(&self, _: &Id) {}
}

/// `WARN target: message key=value ...` and a newline.
fn format_line(event: &Event<'_>) -> String {
    let meta = event.metadata();
    let mut fields = Fields::default();
    event.record(&mut fields);
    let mut line = format!("{} {}: {}", meta.level(), meta.target(), fields.message);
    line.push_str(&fields.rest);
    line.push('\n');
    line
}

/// An event's message and its other fields as ` key=value` pairs.
#[derive(Default)]
struct Fields {
    message: String,
    rest: String,
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message.push_str(value);
        } else {
            let _ = write!(self.rest, " {}={value:?}", field.name());
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.message, "{value:?}");
        } else {
            let _ = write!(self.rest, " {}={value:?}", field.name());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A subscriber that keeps the fallback's lines instead of printing them.
    struct Capture(std::sync::Arc<std::sync::Mutex<Vec<String>>>);

    impl Subscriber for Capture {
        fn enabled(&self, meta: &Metadata<'_>) -> bool {
            StderrFallback.enabled(meta)
        }
        fn new_span(&self, _: &Attributes<'_>) -> Id {
            Id::from_u64(1)
        }
        fn record(&self, _: &Id, _: &Record<'_>) {}
        fn record_follows_from(&self, _: &Id, _: &Id) {}
        fn event(&self, event: &Event<'_>) {
            self.0.lock().unwrap().push(format_line(event));
        }
        fn enter(&self, _: &Id) {}
        fn exit(&self, _: &Id) {}
    }

    #[test]
    fn warnings_and_errors_are_one_line_with_their_fields() {
        let lines = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        tracing::subscriber::with_default(Capture(lines.clone()), || {
            tracing::info!("not shown");
            tracing::warn!(reason = "no ring", workers = 2, "falling back to epoll");
            let remote: std::net::SocketAddr = "127.0.0.1:9".parse().unwrap();
            tracing::error!(%remote, "service panicked");
        });
        let lines = lines.lock().unwrap();
        let target = module_path!();
        assert_eq!(
            *lines,
            [
                format!("WARN {target}: falling back to epoll reason=\"no ring\" workers=2\n"),
                format!("ERROR {target}: service panicked remote=127.0.0.1:9\n"),
            ]
        );
    }
}
