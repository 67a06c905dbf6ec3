//! The load client of the WebSocket benchmark, on a current-thread tokio
//! runtime (run.sh pins it to one core), to 127.0.0.1 only.
//!
//! Usage:
//!   ws-load echo PORT SOCKETS SIZE text|binary|json WARMUP_S DURATION_S SERVER_PID [deflate]
//!   ws-load idle PORT SOCKETS SERVER_PID [deflate|h2:CONNECTIONS]
//!   ws-load h2echo PORT CONNECTIONS STREAMS SIZE text|binary WARMUP_S DURATION_S SERVER_PID
//!
//! `echo` opens SOCKETS WebSockets at `/ws`; each sends a message of SIZE
//! bytes, waits for its echo (checked byte for byte), and sends the next,
//! for WARMUP_S unmeasured seconds and then DURATION_S measured ones. It
//! reads the server's CPU time (utime + stime, in clock ticks, from
//! /proc/SERVER_PID/stat) at both ends of the measured window and prints
//!
//! ```text
//! echo  SOCKETS  SIZE  ECHOES  SECONDS  SERVER_TICKS
//! ```
//!
//! `idle` reads the server's RSS, opens SOCKETS WebSockets, waits 2 s and
//! reads it again, sends one 32-byte text message on each and reads its
//! echo, waits 2 s and reads it a third time, and prints (with `deflate`
//! the sockets offer permessage-deflate as browsers do, keeping their
//! context, and the message goes compressed: what a socket's inflater
//! costs; with `h2:CONNECTIONS` the sockets are opened over HTTP/2, spread
//! over that many h2c connections)
//!
//! ```text
//! idle  SOCKETS  RSS_BEFORE_KIB  RSS_OPEN_KIB  RSS_AFTER_ONE_MESSAGE_KIB
//! ```
//!
//! `json` is a text message of JSON-like records whose values vary, to be
//! compressed. With `deflate` the sockets open at `/ws-deflate` offering
//! permessage-deflate with `client_no_context_takeover`, send the message
//! compressed (once, ahead: each one stands alone), check the first echo
//! by inflating it and the later ones against its bytes, and the client
//! also prints the bytes on the wire per echo (frames both ways) on
//! stderr.
//!
//! `h2echo` is `echo` over HTTP/2 (RFC 8441): CONNECTIONS h2c connections
//! (prior knowledge), each with STREAMS WebSockets opened by an extended
//! CONNECT to `/ws`, CONNECTIONS × STREAMS sockets in all; it prints the
//! same `echo` line. The client's windows are 1 MiB per stream and 16 MiB
//! per connection, and it gives window back as it reads.
//!
//! Every phase is bounded in time; the client exits by itself.
//!
//! The client's frames are built once: a message's bytes never change, so
//! it is masked once (with a fixed, non-zero key) and the same frame is
//! written every time. Its own cost per echo is a write, a read or two and
//! a comparison.

use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;

/// How many sockets open at once.
const OPENING_AT_ONCE: usize = 64;
/// The longest wait for one socket's connection and handshake.
const OPEN_TIMEOUT: Duration = Duration::from_secs(10);
/// The masking key of every frame the client sends.
const MASK: [u8; 4] = [0x5a, 0x3c, 0x96, 0xe1];
/// The key of the opening handshake, and the answer RFC 6455 §4.2.2 gives
/// for it.
const KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";
const ACCEPT: &str = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

fn usage() -> ! {
    eprintln!(
        "usage: ws-load echo PORT SOCKETS SIZE text|binary|json WARMUP_S DURATION_S SERVER_PID [deflate]\n       \
         ws-load idle PORT SOCKETS SERVER_PID [deflate|h2:CONNECTIONS]\n       \
         ws-load h2echo PORT CONNECTIONS STREAMS SIZE text|binary WARMUP_S DURATION_S SERVER_PID"
    );
    std::process::exit(2)
}

fn num<T: std::str::FromStr>(v: Option<String>) -> T {
    v.and_then(|v| v.parse().ok()).unwrap_or_else(|| usage())
}

/// The kind of message sent.
#[derive(Clone, Copy)]
enum Kind {
    Text,
    Binary,
    /// Text: JSON-like records with varied values.
    Json,
}

/// The message a socket sends and expects back.
struct Message {
    /// The whole frame as sent: header, mask, masked payload.
    frame: Bytes,
    /// The payload, unmasked, as the echo must carry it.
    payload: Vec<u8>,
    /// The first byte of the echo: FIN and the opcode.
    first: u8,
    /// Sent compressed (permessage-deflate): the echo's payload is
    /// inflated before it is compared.
    deflate: bool,
}

/// `payload` compressed as permessage-deflate sends a message that stands
/// alone: a fresh raw deflate stream, flushed, its `00 00 ff ff` cut.
fn compress(payload: &[u8]) -> Vec<u8> {
    use flate2::{Compress, Compression, FlushCompress};
    let mut out = Vec::with_capacity(payload.len() + 64);
    Compress::new(Compression::default(), false)
        .compress_vec(payload, &mut out, FlushCompress::Sync)
        .expect("deflate");
    out.truncate(out.len() - 4);
    out
}

/// A compressed message's payload inflated.
fn inflate(payload: &[u8]) -> Vec<u8> {
    use flate2::{Decompress, FlushDecompress};
    let mut out = Vec::with_capacity(1 << 20);
    let input = [payload, &[0, 0, 0xff, 0xff]].concat();
    let _ = Decompress::new(false).decompress_vec(&input, &mut out, FlushDecompress::Sync);
    out
}

impl Message {
    fn new(size: usize, kind: Kind, deflate: bool) -> Message {
        let payload: Vec<u8> = match kind {
            // Printable ASCII, valid UTF-8 for text messages.
            Kind::Text | Kind::Binary => (0..size).map(|i| b'a' + (i % 26) as u8).collect(),
            Kind::Json => {
                let mut x = 7u32;
                let mut json = Vec::with_capacity(size + 64);
                while json.len() < size {
                    x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                    let record = format!(
                        "{{\"id\":{},\"symbol\":\"H{}\",\"price\":{}.{:02},\"side\":\"{}\"}},",
                        x % 100_000,
                        (x >> 8) % 50,
                        (x >> 4) % 5000,
                        x % 100,
                        if x & 1 == 0 { "buy" } else { "sell" }
                    );
                    json.extend_from_slice(record.as_bytes());
                }
                json.truncate(size);
                json
            }
        };
        let text = !matches!(kind, Kind::Binary);
        let first = if text { 0x81 } else { 0x82 };
        let wire = if deflate {
            compress(&payload)
        } else {
            payload.clone()
        };
        let size = wire.len();
        let mut frame = vec![if deflate { first | 0x40 } else { first }];
        if size < 126 {
            frame.push(0x80 | size as u8);
        } else if size <= 0xffff {
            frame.push(0x80 | 126);
            frame.extend_from_slice(&(size as u16).to_be_bytes());
        } else {
            frame.push(0x80 | 127);
            frame.extend_from_slice(&(size as u64).to_be_bytes());
        }
        frame.extend_from_slice(&MASK);
        frame.extend(wire.iter().enumerate().map(|(i, b)| b ^ MASK[i % 4]));
        Message {
            frame: Bytes::from(frame),
            payload,
            first,
            deflate,
        }
    }
}

/// What a socket offers in its handshake.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Offer {
    /// No extension, at `/ws`.
    Nothing,
    /// permessage-deflate with `client_no_context_takeover`: each message
    /// stands alone.
    Standalone,
    /// permessage-deflate as browsers offer it: the client keeps its
    /// context between messages.
    Context,
}

/// What a socket's frames travel on.
enum Io {
    /// A TCP connection of its own (HTTP/1.1 upgrade).
    Tcp(TcpStream),
    /// A stream of an HTTP/2 connection (extended CONNECT).
    H2(h2::SendStream<Bytes>, h2::RecvStream),
}

/// One open WebSocket and the bytes read from it and not yet used.
struct Socket {
    io: Io,
    buf: Vec<u8>,
    filled: usize,
    /// With deflate: the first byte and payload of the first echo, once
    /// it inflated to the message; later echoes must be the same bytes.
    echo: Option<(u8, Vec<u8>)>,
    /// The echo frame's length on the wire, header included.
    echo_len: usize,
}

impl Socket {
    /// Connects and completes the opening handshake.
    async fn open(port: u16, buf_size: usize, offer: Offer) -> io::Result<Socket> {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).await?;
        stream.set_nodelay(true)?;
        let deflate = offer != Offer::Nothing;
        let (path, offer) = match offer {
            Offer::Nothing => ("/ws", ""),
            Offer::Standalone => (
                "/ws-deflate",
                "Sec-WebSocket-Extensions: permessage-deflate; client_no_context_takeover\r\n",
            ),
            Offer::Context => (
                "/ws-deflate",
                "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n",
            ),
        };
        let request = format!(
            "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n\
             Connection: Upgrade\r\nSec-WebSocket-Key: {KEY}\r\nSec-WebSocket-Version: 13\r\n\
             {offer}\r\n"
        );
        stream.write_all(request.as_bytes()).await?;
        let mut buf = vec![0u8; buf_size.max(4096)];
        let mut filled = 0;
        let head_end = loop {
            let n = stream.read(&mut buf[filled..]).await?;
            if n == 0 {
                return Err(io::Error::other("closed during the handshake"));
            }
            filled += n;
            if let Some(at) = buf[..filled].windows(4).position(|w| w == b"\r\n\r\n") {
                break at + 4;
            }
            if filled == buf.len() {
                return Err(io::Error::other("handshake answer too long"));
            }
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
        if !head.starts_with("http/1.1 101") || !head.contains(&ACCEPT.to_ascii_lowercase()) {
            let line = head.lines().next().unwrap_or("").to_owned();
            return Err(io::Error::other(format!("handshake refused: {line}")));
        }
        if deflate && !head.contains("sec-websocket-extensions: permessage-deflate") {
            return Err(io::Error::other("permessage-deflate was not agreed"));
        }
        buf.copy_within(head_end..filled, 0);
        filled -= head_end;
        Ok(Socket {
            io: Io::Tcp(stream),
            buf,
            filled,
            echo: None,
            echo_len: 0,
        })
    }

    /// Opens a WebSocket on a new stream of the HTTP/2 connection `client`.
    async fn open_h2(
        mut client: h2::client::SendRequest<Bytes>,
        port: u16,
        buf_size: usize,
    ) -> io::Result<Socket> {
        let mut req = http::Request::builder()
            .method("CONNECT")
            .uri(format!("http://127.0.0.1:{port}/ws"))
            .header("sec-websocket-version", "13")
            .body(())
            .map_err(io::Error::other)?;
        req.extensions_mut()
            .insert(h2::ext::Protocol::from_static("websocket"));
        client = client.ready().await.map_err(io::Error::other)?;
        let (res, send) = client.send_request(req, false).map_err(io::Error::other)?;
        let res = res.await.map_err(io::Error::other)?;
        if res.status() != http::StatusCode::OK {
            return Err(io::Error::other(format!(
                "handshake refused: {}",
                res.status()
            )));
        }
        Ok(Socket {
            io: Io::H2(send, res.into_body()),
            buf: vec![0u8; buf_size.max(4096)],
            filled: 0,
            echo: None,
            echo_len: 0,
        })
    }

    /// Reads what arrives into the buffer; 0 at the end.
    async fn read_more(&mut self) -> io::Result<usize> {
        match &mut self.io {
            Io::Tcp(stream) => stream.read(&mut self.buf[self.filled..]).await,
            Io::H2(_, recv) => {
                let data = match std::future::poll_fn(|cx| recv.poll_data(cx)).await {
                    None => return Ok(0),
                    Some(data) => data.map_err(io::Error::other)?,
                };
                let _ = recv.flow_control().release_capacity(data.len());
                let room = self.buf.len() - self.filled;
                if data.len() > room {
                    return Err(io::Error::other("frame larger than the read buffer"));
                }
                self.buf[self.filled..self.filled + data.len()].copy_from_slice(&data);
                Ok(data.len())
            }
        }
    }

    /// Sends `message` and reads its echo.
    async fn echo(&mut self, message: &Message) -> io::Result<()> {
        match &mut self.io {
            Io::Tcp(stream) => stream.write_all(&message.frame).await?,
            Io::H2(send, _) => send
                .send_data(message.frame.clone(), false)
                .map_err(io::Error::other)?,
        }
        loop {
            if let Some((first, start, end)) = self.frame()? {
                let got = &self.buf[start..end];
                let ok = match &self.echo {
                    _ if !message.deflate => first == message.first && got == &message.payload[..],
                    Some((b0, bytes)) => first == *b0 && got == &bytes[..],
                    None if first & 0x08 != 0 => false,
                    None => {
                        let plain = if first & 0x40 != 0 {
                            inflate(got)
                        } else {
                            got.to_vec()
                        };
                        let ok = first & 0x3f == message.first & 0x3f && plain == message.payload;
                        if ok {
                            self.echo = Some((first, got.to_vec()));
                            self.echo_len = end;
                        }
                        ok
                    }
                };
                // A control frame (a ping) is skipped; anything else must be
                // the echo.
                let control = first & 0x08 != 0;
                self.buf.copy_within(end..self.filled, 0);
                self.filled -= end;
                if control && first != 0x88 {
                    continue;
                }
                if !ok {
                    return Err(io::Error::other(format!(
                        "unexpected frame {first:#04x} of {} bytes",
                        end - start
                    )));
                }
                return Ok(());
            }
            if self.filled == self.buf.len() {
                return Err(io::Error::other("frame larger than the read buffer"));
            }
            let n = self.read_more().await?;
            if n == 0 {
                return Err(io::Error::other("the server closed the connection"));
            }
            self.filled += n;
        }
    }

    /// The first frame in the buffer, if it is whole: its first byte and
    /// where its payload lies.
    fn frame(&self) -> io::Result<Option<(u8, usize, usize)>> {
        let b = &self.buf[..self.filled];
        if b.len() < 2 {
            return Ok(None);
        }
        if b[1] & 0x80 != 0 {
            return Err(io::Error::other("a masked frame from the server"));
        }
        let (len, at) = match b[1] & 0x7f {
            126 if b.len() >= 4 => (u16::from_be_bytes([b[2], b[3]]) as usize, 4),
            127 if b.len() >= 10 => (
                u64::from_be_bytes(b[2..10].try_into().expect("8 bytes")) as usize,
                10,
            ),
            126 | 127 => return Ok(None),
            n => (n as usize, 2),
        };
        if b.len() < at + len {
            return Ok(None);
        }
        Ok(Some((b[0], at, at + len)))
    }
}

/// The sockets `tasks` opened, added to `sockets`; the first failure.
async fn opened(
    tasks: Vec<tokio::task::JoinHandle<Result<io::Result<Socket>, tokio::time::error::Elapsed>>>,
    sockets: &mut Vec<Socket>,
) -> io::Result<()> {
    for task in tasks {
        match task.await.map_err(io::Error::other)? {
            Ok(Ok(socket)) => sockets.push(socket),
            Ok(Err(e)) => {
                return Err(io::Error::other(format!(
                    "socket {}: {e}",
                    sockets.len() + 1
                )));
            }
            Err(_) => return Err(io::Error::other("opening a socket timed out")),
        }
    }
    Ok(())
}

/// Opens `n` sockets, `OPENING_AT_ONCE` at a time.
async fn open_all(port: u16, n: usize, buf_size: usize, offer: Offer) -> io::Result<Vec<Socket>> {
    let mut sockets = Vec::with_capacity(n);
    while sockets.len() < n {
        let batch = OPENING_AT_ONCE.min(n - sockets.len());
        let tasks: Vec<_> = (0..batch)
            .map(|_| tokio::spawn(timeout(OPEN_TIMEOUT, Socket::open(port, buf_size, offer))))
            .collect();
        opened(tasks, &mut sockets).await?;
    }
    Ok(sockets)
}

/// utime + stime of `pid`, in clock ticks.
fn cpu_ticks(pid: u32) -> io::Result<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    let rest = &stat[stat
        .rfind(')')
        .ok_or_else(|| io::Error::other("bad stat"))?
        + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let tick = |i: usize| -> io::Result<u64> {
        fields
            .get(i)
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| io::Error::other("bad stat"))
    };
    // utime and stime are fields 14 and 15; `rest` starts at field 3.
    Ok(tick(11)? + tick(12)?)
}

/// VmRSS of `pid`, in KiB.
fn rss_kib(pid: u32) -> io::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .ok_or_else(|| io::Error::other("no VmRSS"))
}

/// The read buffer a socket needs for `message`'s echo.
fn buf_size(message: &Message) -> usize {
    message.payload.len().max(message.frame.len()) + 4096
}

/// Opens `connections` HTTP/2 connections with `streams` WebSockets each.
async fn open_h2_all(
    port: u16,
    connections: usize,
    streams: usize,
    buf_size: usize,
) -> io::Result<Vec<Socket>> {
    let mut sockets = Vec::with_capacity(connections * streams);
    for _ in 0..connections {
        let tcp = TcpStream::connect(("127.0.0.1", port)).await?;
        tcp.set_nodelay(true)?;
        let (client, conn) = h2::client::Builder::new()
            .initial_window_size(1 << 20)
            .initial_connection_window_size(16 << 20)
            .handshake::<_, Bytes>(tcp)
            .await
            .map_err(io::Error::other)?;
        tokio::spawn(async move {
            let _ = conn.await;
        });
        let deadline = Instant::now() + OPEN_TIMEOUT;
        while !client.is_extended_connect_protocol_enabled() {
            if Instant::now() > deadline {
                return Err(io::Error::other(
                    "the server does not offer extended CONNECT",
                ));
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let tasks: Vec<_> = (0..streams)
            .map(|_| {
                let client = client.clone();
                tokio::spawn(timeout(
                    OPEN_TIMEOUT,
                    Socket::open_h2(client, port, buf_size),
                ))
            })
            .collect();
        opened(tasks, &mut sockets).await?;
    }
    Ok(sockets)
}

async fn echo_load(
    port: u16,
    sockets: usize,
    message: Message,
    warmup: Duration,
    duration: Duration,
    pid: u32,
) -> io::Result<()> {
    let offer = if message.deflate {
        Offer::Standalone
    } else {
        Offer::Nothing
    };
    let open = open_all(port, sockets, buf_size(&message), offer).await?;
    measure(open, message, warmup, duration, pid).await
}

/// Echoes `message` on every socket of `open`, measuring as `echo` says.
async fn measure(
    open: Vec<Socket>,
    message: Message,
    warmup: Duration,
    duration: Duration,
    pid: u32,
) -> io::Result<()> {
    let sockets = open.len();
    let echo_len = Arc::new(AtomicU64::new(0));
    let message = Arc::new(message);
    let stop = Arc::new(AtomicBool::new(false));
    let echoes = Arc::new(AtomicU64::new(0));
    let failures = Arc::new(AtomicU64::new(0));
    let tasks: Vec<_> = open
        .into_iter()
        .map(|mut socket| {
            let (message, stop, echoes, failures, echo_len) = (
                message.clone(),
                stop.clone(),
                echoes.clone(),
                failures.clone(),
                echo_len.clone(),
            );
            tokio::spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    match socket.echo(&message).await {
                        Ok(()) => {
                            echoes.fetch_add(1, Ordering::Relaxed);
                            echo_len.store(socket.echo_len as u64, Ordering::Relaxed);
                        }
                        Err(e) => {
                            if failures.fetch_add(1, Ordering::Relaxed) == 0 {
                                eprintln!("ws-load: {e}");
                            }
                            return;
                        }
                    }
                }
            })
        })
        .collect();
    tokio::time::sleep(warmup).await;
    let (n0, t0, c0) = (
        echoes.load(Ordering::Relaxed),
        Instant::now(),
        cpu_ticks(pid)?,
    );
    tokio::time::sleep(duration).await;
    let (n1, t1, c1) = (
        echoes.load(Ordering::Relaxed),
        Instant::now(),
        cpu_ticks(pid)?,
    );
    stop.store(true, Ordering::Relaxed);
    // Each socket finishes the echo it is waiting for.
    let _ = timeout(Duration::from_secs(10), async {
        for task in tasks {
            let _ = task.await;
        }
    })
    .await;
    let failed = failures.load(Ordering::Relaxed);
    if message.deflate {
        eprintln!(
            "wire bytes per echo: {} sent, {} received (message {} bytes)",
            message.frame.len(),
            echo_len.load(Ordering::Relaxed),
            message.payload.len()
        );
    }
    println!(
        "echo\t{sockets}\t{}\t{}\t{:.3}\t{}",
        message.payload.len(),
        n1 - n0,
        (t1 - t0).as_secs_f64(),
        c1 - c0
    );
    if failed > 0 {
        return Err(io::Error::other(format!("{failed} sockets failed")));
    }
    Ok(())
}

/// How the idle sockets are opened.
enum Idle {
    /// A connection each, offering permessage-deflate or not.
    Http1 { deflate: bool },
    /// Over HTTP/2: so many connections, the sockets spread over them.
    Http2 { connections: usize },
}

async fn idle(port: u16, sockets: usize, pid: u32, how: Idle) -> io::Result<()> {
    let before = rss_kib(pid)?;
    let (open, deflate) = match how {
        Idle::Http1 { deflate } => {
            let offer = if deflate {
                Offer::Context
            } else {
                Offer::Nothing
            };
            (open_all(port, sockets, 4096, offer).await?, deflate)
        }
        Idle::Http2 { connections } => {
            let streams = sockets.div_ceil(connections);
            (open_h2_all(port, connections, streams, 4096).await?, false)
        }
    };
    let sockets = open.len();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let opened = rss_kib(pid)?;
    let message = Arc::new(Message::new(32, Kind::Text, deflate));
    let mut kept = Vec::with_capacity(sockets);
    let mut left = open.into_iter();
    loop {
        let batch: Vec<_> = left.by_ref().take(OPENING_AT_ONCE).collect();
        if batch.is_empty() {
            break;
        }
        let tasks: Vec<_> = batch
            .into_iter()
            .map(|mut socket| {
                let message = message.clone();
                tokio::spawn(async move {
                    timeout(OPEN_TIMEOUT, socket.echo(&message))
                        .await
                        .map_err(|_| io::Error::other("an echo timed out"))??;
                    Ok::<_, io::Error>(socket)
                })
            })
            .collect();
        for task in tasks {
            kept.push(task.await.map_err(io::Error::other)??);
        }
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after = rss_kib(pid)?;
    println!("idle\t{sockets}\t{before}\t{opened}\t{after}");
    drop(kept);
    Ok(())
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_else(|| usage());
    let port: u16 = num(args.next());
    let sockets: usize = num(args.next());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    // Whatever happens, the client is gone after this long.
    let limit = Duration::from_secs(300);
    let outcome = match mode.as_str() {
        "echo" => {
            let size: usize = num(args.next());
            let kind = match args.next().as_deref() {
                Some("text") => Kind::Text,
                Some("binary") => Kind::Binary,
                Some("json") => Kind::Json,
                _ => usage(),
            };
            let warmup = Duration::from_secs_f64(num(args.next()));
            let duration = Duration::from_secs_f64(num(args.next()));
            let pid: u32 = num(args.next());
            let deflate = match args.next().as_deref() {
                None => false,
                Some("deflate") => true,
                Some(_) => usage(),
            };
            let message = Message::new(size, kind, deflate);
            rt.block_on(async {
                timeout(
                    limit,
                    echo_load(port, sockets, message, warmup, duration, pid),
                )
                .await
            })
        }
        "h2echo" => {
            let streams: usize = num(args.next());
            let size: usize = num(args.next());
            let kind = match args.next().as_deref() {
                Some("text") => Kind::Text,
                Some("binary") => Kind::Binary,
                _ => usage(),
            };
            let warmup = Duration::from_secs_f64(num(args.next()));
            let duration = Duration::from_secs_f64(num(args.next()));
            let pid: u32 = num(args.next());
            let message = Message::new(size, kind, false);
            let connections = sockets;
            rt.block_on(async {
                timeout(limit, async {
                    let open = open_h2_all(port, connections, streams, buf_size(&message)).await?;
                    measure(open, message, warmup, duration, pid).await
                })
                .await
            })
        }
        "idle" => {
            let pid: u32 = num(args.next());
            let how = match args.next().as_deref() {
                None => Idle::Http1 { deflate: false },
                Some("deflate") => Idle::Http1 { deflate: true },
                Some(h2) if h2.starts_with("h2:") => Idle::Http2 {
                    connections: num(Some(h2[3..].to_owned())),
                },
                Some(_) => usage(),
            };
            rt.block_on(async { timeout(limit, idle(port, sockets, pid, how)).await })
        }
        _ => usage(),
    };
    match outcome {
        Ok(Ok(())) => {}
        Ok(Err(e)) => {
            eprintln!("ws-load: {e}");
            std::process::exit(1);
        }
        Err(_) => {
            eprintln!("ws-load: gave up after {limit:?}");
            std::process::exit(1);
        }
    }
}
