//! A program that installs no `tracing` subscriber, run as a child process
//! by `tests/logging.rs` to check that the server's warnings and errors
//! still reach stderr. With `FIXTURE_OWN_SUBSCRIBER` set, it installs its
//! own global subscriber first, which must then receive them instead.

use harrow::{App, Config};

async fn hello() -> &'static str {
    "hello"
}

async fn boom() -> &'static str {
    panic!("boom on purpose")
}

/// A global subscriber that prints WARN and ERROR messages as `custom: …`.
struct Own;

impl tracing::Subscriber for Own {
    fn enabled(&self, meta: &tracing::Metadata<'_>) -> bool {
        *meta.level() <= tracing::Level::WARN
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        struct Message(String);
        impl tracing::field::Visit for Message {
            fn record_debug(&mut self, f: &tracing::field::Field, v: &dyn std::fmt::Debug) {
                if f.name() == "message" {
                    self.0 = format!("{v:?}");
                }
            }
        }
        let mut m = Message(String::new());
        event.record(&mut m);
        eprintln!("custom: {}", m.0);
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

fn main() -> Result<(), harrow::StartError> {
    if std::env::var_os("FIXTURE_OWN_SUBSCRIBER").is_some() {
        tracing::subscriber::set_global_default(Own).expect("no subscriber yet");
    }
    let config = Config {
        workers: Some(1),
        ..Config::default()
    };
    harrow::run_with_config(
        || App::new().get("/hello", hello).get("/panic", boom),
        "127.0.0.1:0",
        config,
    )
}
