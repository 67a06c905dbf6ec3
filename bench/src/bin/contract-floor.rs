//! The least work any server must do per request under harrow-server's
//! contract (a service from `http::Request` to `http::Response`), with no
//! IO, no runtime and no checks beyond what the types require: parse the
//! head with httparse, build the `http::Request` (method, URI, header map
//! with values sharing the input), run the benchmark's plaintext service
//! (a `Response` with one `content-type` header), write the response head
//! and body, drop both. Run under callgrind by `bench/instructions.sh floor`
//! to get the instructions per request this floor costs.
//!
//! Usage: contract-floor BATCHES (each batch is 16 pipelined requests)

use std::hint::black_box;

use bytes::Bytes;
use http::header::{CONTENT_TYPE, HeaderName, HeaderValue};
use http::{HeaderMap, Method, Request, Response, Uri};

const DEPTH: usize = 16;
const DATE: &[u8; 29] = b"Sun, 06 Nov 1994 08:49:37 GMT";

fn main() {
    let batches: usize = harrow_bench::arg(1)
        .map(|n| n.parse().expect("BATCHES is a number"))
        .unwrap_or(1000);
    let one = b"GET /plaintext HTTP/1.1\r\nHost: localhost:19081\r\n\r\n";
    let input = one.repeat(DEPTH);
    let mut out = Vec::with_capacity(64 * 1024);
    let mut served = 0usize;
    for _ in 0..batches {
        let shared = Bytes::copy_from_slice(black_box(&input));
        let mut at = 0;
        out.clear();
        for _ in 0..DEPTH {
            let (request, len) = parse(&shared.slice(at..));
            at += len;
            let response = service(black_box(request));
            encode(&response, &mut out);
            served += 1;
        }
        black_box(&out);
    }
    println!("{served}");
}

fn parse(buf: &Bytes) -> (Request<()>, usize) {
    let mut slots = [httparse::EMPTY_HEADER; 16];
    let mut parsed = httparse::Request::new(&mut slots);
    let len = match parsed.parse(buf) {
        Ok(httparse::Status::Complete(len)) => len,
        _ => unreachable!("a valid head"),
    };
    let method = Method::from_bytes(parsed.method.unwrap().as_bytes()).unwrap();
    let uri = Uri::from_maybe_shared(buf.slice_ref(parsed.path.unwrap().as_bytes())).unwrap();
    let mut headers = HeaderMap::with_capacity(parsed.headers.len());
    for h in parsed.headers.iter() {
        let name = HeaderName::from_bytes(h.name.as_bytes()).unwrap();
        // SAFETY: httparse accepted exactly the bytes a header value may hold.
        let value = unsafe { HeaderValue::from_maybe_shared_unchecked(buf.slice_ref(h.value)) };
        headers.append(name, value);
    }
    let mut request = Request::new(());
    *request.method_mut() = method;
    *request.uri_mut() = uri;
    *request.headers_mut() = headers;
    (request, len)
}

fn service(request: Request<()>) -> Response<Bytes> {
    let body = if request.uri().path() == "/plaintext" {
        Bytes::from_static(harrow_bench::PLAINTEXT.as_bytes())
    } else {
        Bytes::new()
    };
    drop(request);
    let mut response = Response::new(body);
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    response
}

fn encode(response: &Response<Bytes>, out: &mut Vec<u8>) {
    out.extend_from_slice(b"HTTP/1.1 200 OK\r\n");
    for (name, value) in response.headers() {
        out.extend_from_slice(name.as_str().as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"date: ");
    out.extend_from_slice(DATE);
    out.extend_from_slice(b"\r\ncontent-length: ");
    push_decimal(response.body().len(), out);
    out.extend_from_slice(b"\r\n\r\n");
    out.extend_from_slice(response.body());
}

fn push_decimal(mut n: usize, out: &mut Vec<u8>) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[i..]);
}
