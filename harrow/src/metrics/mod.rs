//! Metrics in the Prometheus text format: requests and their latency per
//! route template, method and status, and the server's connections and
//! bytes per worker, on a page the application mounts.
//!
//! A [`Metrics`] value is the registry the workers share: create it once,
//! outside the app factory, and clone it in. In the factory, which runs on
//! each worker, [`Metrics::layer`] makes that worker's [`MetricsLayer`] and
//! [`Metrics::endpoint`] the handler of the page:
//!
//! ```no_run
//! use harrow::App;
//! use harrow::metrics::Metrics;
//!
//! async fn hello() -> &'static str { "hello" }
//!
//! fn main() -> Result<(), harrow::StartError> {
//!     let metrics = Metrics::new();
//!     harrow::run(
//!         move || {
//!             App::new()
//!                 .get("/hello", hello)
//!                 .get("/metrics", metrics.endpoint())
//!                 .layer(metrics.layer())
//!         },
//!         "127.0.0.1:3000",
//!     )
//! }
//! ```
//!
//! Each worker counts into numbers of its own, which only it writes (a
//! plain load and store, no lock, no locked instruction), so counting never
//! makes two cores fight over a cache line; a scrape, on whichever worker
//! it lands, reads every worker's numbers and adds them up. The route label
//! is the template (`/users/{id}`), never the path, so the number of series
//! stays bounded by the routes; requests that matched no route share the
//! label `unmatched`.
//!
//! The page holds these families:
//!
//! | name | type | labels |
//! |---|---|---|
//! | `harrow_http_requests_total` | counter | `route`, `method`, `status` |
//! | `harrow_http_request_duration_seconds` | histogram | `route`, `method`, `status`, `le` |
//! | `harrow_connections_open` | gauge | `worker` |
//! | `harrow_connections_accepted_total` | counter | `worker` |
//! | `harrow_connections_rejected_total` | counter | `worker` |
//! | `harrow_received_bytes_total` | counter | `worker` |
//! | `harrow_sent_bytes_total` | counter | `worker` |
//!
//! The last five come from the server core ([`ServerStats`]); the
//! in-process [`TestClient`](crate::test::TestClient) has no server, so its
//! pages leave them out.

mod layer;
mod series;
mod text;

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};

use bytes::Bytes;
use http::header::{CONTENT_TYPE, HeaderValue};

use crate::context::RequestContext;
use crate::handler::Handler;
use crate::request::Request;
use crate::response::Response;
use series::{Bounds, Labels, Reading, WorkerSeries};

pub use harrow_server::{ServerStats, WorkerStats};
pub use layer::MetricsLayer;
pub(crate) use layer::RouteSlot;

/// The default latency buckets, in seconds: Prometheus' usual ones (5 ms
/// to 10 s) with three more below a millisecond, where most answers of
/// this server fall.
pub const DEFAULT_BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The registry the workers' metrics layers count into, and the page that
/// reads them all. Cheap to clone (a reference count); `Send` and `Sync`,
/// so one value serves every worker.
///
/// ```
/// use harrow::App;
/// use harrow::metrics::Metrics;
/// use harrow::test::TestClient;
///
/// async fn user() -> &'static str { "someone" }
///
/// let metrics = Metrics::new();
/// let app = App::new()
///     .get("/users/{id}", user)
///     .get("/metrics", metrics.endpoint())
///     .layer(metrics.layer());
/// let client = TestClient::new(app);
/// client.get("/users/1").send();
/// client.get("/users/2").send();
/// let page = client.get("/metrics").send();
/// assert!(page.text().contains(
///     r#"harrow_http_requests_total{route="/users/{id}",method="GET",status="200"} 2"#
/// ));
/// ```
#[derive(Clone)]
pub struct Metrics {
    shared: Arc<Shared>,
}

/// What every worker's layer and every scrape share.
pub(crate) struct Shared {
    bounds: Bounds,
    /// Each worker's series, from the first request it counted.
    workers: Mutex<Vec<Arc<WorkerSeries>>>,
}

impl Shared {
    /// Adds a worker's series to those a scrape reads.
    fn register(&self, series: Arc<WorkerSeries>) {
        self.workers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(series);
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    /// A registry with the [`DEFAULT_BUCKETS`].
    pub fn new() -> Self {
        Metrics::with_buckets(DEFAULT_BUCKETS)
    }

    /// A registry whose latency histograms have these upper bounds, in
    /// seconds (a `+Inf` bucket is always added). They are sorted, and
    /// duplicates and values that are not finite and above zero left out.
    ///
    /// ```
    /// let metrics = harrow::metrics::Metrics::with_buckets([0.0001, 0.001, 0.01, 0.1]);
    /// # let _ = metrics;
    /// ```
    pub fn with_buckets(seconds: impl IntoIterator<Item = f64>) -> Self {
        Metrics {
            shared: Arc::new(Shared {
                bounds: Bounds::new(seconds),
                workers: Mutex::new(Vec::new()),
            }),
        }
    }

    /// The metrics middleware of one worker: call it in the app factory
    /// and give it to [`App::layer`](crate::App::layer), last of all, so it
    /// sees every request.
    pub fn layer(&self) -> MetricsLayer {
        MetricsLayer::new(self.shared.clone())
    }

    /// The handler of the metrics page: mount it at a path of your choice
    /// (`/metrics` is the usual one). It answers the text format with
    /// every worker's numbers added up, and the server's per worker.
    pub fn endpoint(&self) -> MetricsEndpoint {
        MetricsEndpoint {
            metrics: self.clone(),
        }
    }

    /// The page as text: the request metrics of every worker, and the
    /// server's counters when `server` is given. For a page of your own
    /// that adds lines to it; [`RequestContext::server_stats`] gives the
    /// server's statistics in a handler.
    ///
    /// ```
    /// let metrics = harrow::metrics::Metrics::new();
    /// let page = metrics.render(None);
    /// assert!(page.starts_with("# HELP harrow_http_requests_total "));
    /// ```
    pub fn render(&self, server: Option<&ServerStats>) -> String {
        let workers = self
            .shared
            .workers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        let mut merged: BTreeMap<Labels, Reading> = BTreeMap::new();
        for worker in workers {
            for series in worker.all() {
                let reading = merged.entry(series.labels.clone()).or_default();
                series.read_into(reading);
            }
        }
        let stats = server.map(ServerStats::workers);
        text::render(&merged, &self.shared.bounds, stats.as_deref())
    }
}

/// The server's statistics, given to the app when its worker starts; kept
/// in the app's state under this private type.
#[derive(Default)]
pub(crate) struct ServerSlot(std::cell::OnceCell<ServerStats>);

impl ServerSlot {
    /// Keeps `stats` (the first given: a worker starts once).
    pub(crate) fn set(&self, stats: ServerStats) {
        let _ = self.0.set(stats);
    }

    /// The statistics, once given.
    pub(crate) fn get(&self) -> Option<&ServerStats> {
        self.0.get()
    }
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics")
            .field("buckets", &self.shared.bounds.seconds)
            .finish_non_exhaustive()
    }
}

/// The handler of the metrics page; see [`Metrics::endpoint`].
#[derive(Clone, Debug)]
pub struct MetricsEndpoint {
    metrics: Metrics,
}

impl Handler<MetricsEndpoint> for MetricsEndpoint {
    fn call(self, _req: Request, cx: RequestContext) -> impl Future<Output = Response> + 'static {
        let page = self.metrics.render(cx.server_stats());
        async move {
            let mut res = Response::new(Bytes::from(page).into());
            res.headers_mut()
                .insert(CONTENT_TYPE, HeaderValue::from_static(text::CONTENT_TYPE));
            res
        }
    }
}
