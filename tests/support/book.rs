//! The guide's chapters as doctests.
//!
//! Each chapter of `book/src` is the documentation of one item below, so
//! `cargo test -p harrow-tests --doc` compiles every ```` ```rust ```` block
//! of the book against the real API, and runs those not marked `no_run`.
//! A sample that drifts from the API fails the tests. Blocks that include a
//! whole program from `examples/` are marked `ignore` here: the examples
//! package builds them.

macro_rules! chapters {
    ($($item:ident => $file:literal,)*) => {
        $(
            #[doc = include_str!(concat!("../../book/src/", $file))]
            pub struct $item;
        )*
    };
}

chapters! {
    Introduction => "introduction.md",
    QuickStart => "quick-start.md",
    HandlersAndRouting => "handlers-and-routing.md",
    Extractors => "extractors.md",
    Responses => "responses.md",
    State => "state.md",
    Middleware => "middleware.md",
    Errors => "errors.md",
    Testing => "testing.md",
    Files => "files.md",
    DescribeYourApi => "openapi.md",
    CookiesAndSessions => "cookies-and-sessions.md",
    Uploads => "uploads.md",
    BlockingWork => "blocking-work.md",
    DatabasesAndTokio => "databases-and-tokio.md",
    Realtime => "realtime.md",
    ServerConfiguration => "server-configuration.md",
    Logging => "logging.md",
    MetricsAndObservability => "metrics.md",
    Http2 => "http2.md",
    Https => "https.md",
    GracefulShutdown => "graceful-shutdown.md",
    Deployment => "deployment.md",
    Security => "security.md",
    Performance => "performance.md",
    Internals => "internals.md",
    Troubleshooting => "troubleshooting.md",
}
