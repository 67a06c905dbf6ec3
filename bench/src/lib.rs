//! Shared pieces of the benchmark servers: the port argument and the JSON
//! message every server serializes per request.

use serde::Serialize;

/// The body of `GET /plaintext`.
pub const PLAINTEXT: &str = "Hello, World!";

/// The body of `GET /json`, serialized per request.
#[derive(Serialize)]
pub struct Message {
    /// Always "Hello, World!".
    pub message: &'static str,
}

/// Serializes the JSON body (a fresh buffer per request, as TechEmpower asks).
#[inline]
pub fn json_body() -> Vec<u8> {
    serde_json::to_vec(&Message { message: PLAINTEXT }).expect("serializing a static message")
}

/// The port from the first argument (default 8080).
pub fn port_arg() -> u16 {
    std::env::args()
        .nth(1)
        .map(|p| p.parse().expect("the first argument is the port"))
        .unwrap_or(8080)
}

/// The n-th argument (1-based), if any.
pub fn arg(n: usize) -> Option<String> {
    std::env::args().nth(n)
}
