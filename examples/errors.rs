//! Errors: `harrow::Error` with a status and message, `?` on any error (a
//! 500 that hides the cause and logs it), and a custom error type.
//!
//! `cargo run --example errors`, then try `curl -i localhost:3000/users/1`,
//! `curl -i localhost:3000/users/99` (404), `curl -i localhost:3000/users/x`
//! (400 from the extractor), `curl -i localhost:3000/parse/12` and
//! `curl -i localhost:3000/parse/nope` (500), `curl -i localhost:3000/pay`.

use std::fmt;

use harrow::{App, Error, IntoResponse, Path, Response, StatusCode};

async fn user(Path(id): Path<u32>) -> Result<String, Error> {
    match id {
        1 => Ok("ann\n".into()),
        _ => Err(Error::not_found(format!("no user {id}\n"))),
    }
}

async fn parse(Path(text): Path<String>) -> Result<String, Error> {
    let n: i64 = text.parse()?; // a ParseIntError becomes a 500
    Ok(format!("{}\n", n * 2))
}

/// An application error with its own mapping to responses.
#[derive(Debug)]
enum PaymentError {
    InsufficientFunds { missing: u32 },
}

impl fmt::Display for PaymentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PaymentError::InsufficientFunds { missing } => {
                write!(f, "insufficient funds: {missing} cents missing")
            }
        }
    }
}

impl IntoResponse for PaymentError {
    fn into_response(self) -> Response {
        (StatusCode::PAYMENT_REQUIRED, format!("{self}\n")).into_response()
    }
}

async fn pay() -> Result<&'static str, PaymentError> {
    Err(PaymentError::InsufficientFunds { missing: 250 })
}

fn main() -> Result<(), harrow::StartError> {
    harrow::run(
        || {
            App::new()
                .get("/users/{id}", user)
                .get("/parse/{text}", parse)
                .get("/pay", pay)
        },
        "127.0.0.1:3000",
    )
}
