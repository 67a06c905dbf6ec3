//! may_minihttp with one may worker serving /plaintext and /json.
//!
//! Usage: may-minihttp PORT

use std::io;

use harrow_bench::{Message, PLAINTEXT, port_arg};
use may_minihttp::{HttpService, HttpServiceFactory, Request, Response};

struct Bench;

impl HttpService for Bench {
    fn call(&mut self, req: Request, rsp: &mut Response) -> io::Result<()> {
        match req.path() {
            "/plaintext" => {
                rsp.header("Content-Type: text/plain").body(PLAINTEXT);
            }
            "/json" => {
                rsp.header("Content-Type: application/json");
                let body = serde_json::to_vec(&Message { message: PLAINTEXT })?;
                rsp.body_vec(body);
            }
            _ => {
                rsp.status_code(404, "Not Found");
            }
        }
        Ok(())
    }
}

struct Factory;

impl HttpServiceFactory for Factory {
    type Service = Bench;

    fn new_service(&self, _: usize) -> Bench {
        Bench
    }
}

fn main() {
    may::config().set_workers(1);
    let server = Factory.start(("127.0.0.1", port_arg())).expect("bind");
    server.join().expect("server coroutine");
}
