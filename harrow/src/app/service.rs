//! `AppService`: a built application, served by `harrow-server`.

use std::future::Future;
use std::rc::Rc;

#[cfg(feature = "metrics")]
use harrow_server::ServerStats;
use harrow_server::{ConnInfo, Service};

use http::StatusCode;

use super::state_map::StateMap;
use crate::context::RequestContext;
use crate::handler::{BoxEndpoint, endpoint};
use crate::middleware::CatchUnwind;
use crate::request::Request;
use crate::response::Response;

struct Inner {
    chain: BoxEndpoint,
    state: Rc<StateMap>,
    catch_panics: bool,
}

/// An application ready to serve: what [`App::into_service`](crate::App::into_service)
/// returns. It implements [`harrow_server::Service`]; cloning it is cheap
/// (one `Rc`), and it is not `Send`: each worker builds its own.
#[derive(Clone)]
pub struct AppService {
    inner: Rc<Inner>,
}

impl AppService {
    pub(crate) fn new(chain: BoxEndpoint, state: StateMap, catch_panics: bool) -> Self {
        #[cfg(feature = "metrics")]
        let state = {
            let mut state = state;
            state.insert(crate::metrics::ServerSlot::default());
            state
        };
        AppService {
            inner: Rc::new(Inner {
                chain,
                state: Rc::new(state),
                catch_panics,
            }),
        }
    }

    /// A service that answers every request with a plain 500: what a worker
    /// serves if its app fails to build after validation (the reason is
    /// logged when that happens, never sent).
    pub(crate) fn failing() -> Self {
        let handler = || async { (StatusCode::INTERNAL_SERVER_ERROR, "internal server error") };
        AppService::new(endpoint(handler), StateMap::default(), true)
    }

    /// Answers one request that came on the connection `conn`: its context
    /// (the app's state, the connection) goes with it down the chain.
    pub fn handle(&self, req: Request, conn: ConnInfo) -> impl Future<Output = Response> + 'static {
        let inner = &self.inner;
        let cx = RequestContext::new(inner.state.clone(), conn);
        if inner.catch_panics {
            CatchUnwind::new(|| inner.chain.call(req, cx))
        } else {
            CatchUnwind::disabled(inner.chain.call(req, cx))
        }
    }
}

impl Service for AppService {
    fn call(&self, req: Request, conn: ConnInfo) -> impl Future<Output = Response> {
        self.handle(req, conn)
    }

    /// Keeps the server's statistics for the metrics page.
    #[cfg(feature = "metrics")]
    fn on_worker_start(&self, stats: &ServerStats) {
        if let Some(slot) = self.inner.state.get::<crate::metrics::ServerSlot>() {
            slot.set(stats.clone());
        }
    }
}

impl std::fmt::Debug for AppService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppService").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use harrow_server::Body;

    #[test]
    fn a_failing_service_answers_a_plain_500() {
        let service = AppService::failing();
        let req = http::Request::builder()
            .uri("/anything")
            .body(Body::empty())
            .expect("a valid request");
        let res = harrow_server::rt::block_on(async {
            let conn = ConnInfo::new(([127, 0, 0, 1], 9).into());
            let res = service.handle(req, conn).await;
            let status = res.status();
            (status, res.into_body().collect(1024).await)
        });
        assert_eq!(res.0, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(
            res.1.expect("a full body").as_ref(),
            b"internal server error"
        );
    }
}
