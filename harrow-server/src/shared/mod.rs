//! What the connections of one worker share: the configuration, the buffer
//! pool and head arena, the deadline sweep, the connection permits, the
//! drain flag, the abort switch and the worker's counters.
//!
//! It sits below both the worker (which builds it and runs the accept loop)
//! and the connections (which use it), so neither imports the other's
//! internals.

pub(crate) mod abort;
pub(crate) mod drain;
pub(crate) mod permits;

use std::rc::Rc;
use std::sync::Arc;

use self::abort::Aborts;
use self::drain::Drain;
use self::permits::ConnLimit;
use crate::Config;
use crate::buffers::arena::Arena;
use crate::buffers::pool::BufPool;
use crate::codec::Limits;
use crate::stats::{Counters, ServerStats};
use crate::timer::Timers;

/// The HTTPS state the workers share: `None` for plain HTTP (and nothing
/// at all without the `tls` feature).
#[cfg(feature = "tls")]
pub(crate) type SharedTls = Option<std::sync::Arc<crate::tls::Tls>>;
/// The HTTPS state the workers share: always `None` without the `tls`
/// feature.
#[cfg(not(feature = "tls"))]
pub(crate) type SharedTls = Option<NoTls>;

/// What stands for the TLS state in a build without TLS: nothing can be one.
#[cfg(not(feature = "tls"))]
#[derive(Clone)]
pub(crate) enum NoTls {}

/// Spare buffers each worker keeps.
const POOL_SPARES: usize = 256;

/// State shared by every connection of one worker.
pub(crate) struct Worker {
    pub(crate) id: usize,
    pub(crate) config: Config,
    pub(crate) limits: Limits,
    pub(crate) pool: BufPool,
    pub(crate) arena: Arena,
    pub(crate) timers: Rc<Timers>,
    pub(crate) conns: Rc<ConnLimit>,
    pub(crate) drain: Rc<Drain>,
    pub(crate) aborts: Rc<Aborts>,
    /// This worker's counters (connections, bytes), written only here.
    pub(crate) stats: Arc<Counters>,
    /// The statistics of the whole server this worker belongs to.
    pub(crate) server: ServerStats,
    /// The TLS configuration, when the worker serves HTTPS.
    #[cfg(feature = "tls")]
    pub(crate) tls: SharedTls,
    /// TLS handshakes under way on this worker.
    #[cfg(feature = "tls")]
    pub(crate) handshakes: std::cell::Cell<usize>,
}

impl Worker {
    /// The state of worker `id`, which may hold `max_conns` connections and
    /// serves HTTPS when `tls` says so: the only worker of its server.
    pub(crate) fn new(id: usize, config: Config, max_conns: usize, tls: SharedTls) -> Rc<Worker> {
        Worker::new_in(&ServerStats::default(), id, config, max_conns, tls)
    }

    /// [`Worker::new`] for one of the workers of `server`, whose counters
    /// join the server's statistics.
    pub(crate) fn new_in(
        server: &ServerStats,
        id: usize,
        config: Config,
        max_conns: usize,
        tls: SharedTls,
    ) -> Rc<Worker> {
        #[cfg(not(feature = "tls"))]
        let _ = tls;
        let tick = Timers::tick_for(&[
            config.header_read_timeout,
            config.body_read_timeout,
            config.keep_alive_timeout,
            config.write_timeout,
            config.connection_timeout,
        ]);
        let limits = Limits {
            max_head: config.max_head_size,
            max_headers: config.max_headers,
            max_uri: config.max_uri_len,
        };
        let stats = Counters::new(id);
        server.register(stats.clone());
        Rc::new(Worker {
            id,
            pool: BufPool::new(config.read_buffer_size, POOL_SPARES),
            arena: Arena::new(),
            limits,
            timers: Timers::new(tick),
            conns: ConnLimit::new(max_conns, stats.clone()),
            drain: Rc::new(Drain::default()),
            aborts: Rc::new(Aborts::default()),
            stats,
            server: server.clone(),
            #[cfg(feature = "tls")]
            tls,
            #[cfg(feature = "tls")]
            handshakes: std::cell::Cell::new(0),
            config,
        })
    }
}
