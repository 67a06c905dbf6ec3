//! Opens N keep-alive connections to 127.0.0.1:PORT, sends one
//! `GET /plaintext` on each and reads its response, then holds them all idle.
//!
//! Usage: idle-conns PORT [N=10000] [HOLD_SECS=10]
//!
//! Prints `idle N` on stdout once every connection has had its response and
//! sits idle; exits after HOLD_SECS more seconds (closing them all).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

const REQUEST: &[u8] = b"GET /plaintext HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

fn open_one(port: u16) -> std::io::Result<TcpStream> {
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    s.set_nodelay(true)?;
    s.set_read_timeout(Some(Duration::from_secs(10)))?;
    s.write_all(REQUEST)?;
    // Read until the whole response (its body is "Hello, World!") is in.
    let mut buf = [0u8; 1024];
    let mut got = Vec::with_capacity(256);
    loop {
        let n = s.read(&mut buf)?;
        if n == 0 {
            return Err(std::io::Error::other("server closed the connection"));
        }
        got.extend_from_slice(&buf[..n]);
        if got.windows(13).any(|w| w == b"Hello, World!") {
            return Ok(s);
        }
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let port: u16 = args.next().expect("PORT").parse().expect("PORT");
    let n: usize = args.next().map_or(10_000, |v| v.parse().expect("N"));
    let hold: u64 = args.next().map_or(10, |v| v.parse().expect("HOLD_SECS"));
    let start = Instant::now();
    let mut conns = Vec::with_capacity(n);
    for i in 0..n {
        let mut tries = 0;
        loop {
            match open_one(port) {
                Ok(s) => {
                    conns.push(s);
                    break;
                }
                Err(e) if tries < 5 => {
                    tries += 1;
                    eprintln!("connection {i}: {e}; retrying");
                    std::thread::sleep(Duration::from_millis(100));
                }
                Err(e) => {
                    eprintln!("connection {i}: {e}; giving up with {} open", conns.len());
                    println!("failed {}", conns.len());
                    std::process::exit(1);
                }
            }
        }
    }
    eprintln!(
        "{n} connections opened and answered in {:.2?}",
        start.elapsed()
    );
    println!("idle {}", conns.len());
    std::io::stdout().flush().ok();
    std::thread::sleep(Duration::from_secs(hold));
    drop(conns);
}
