//! Testing an app in-process with `harrow::test::TestClient`: no socket, no
//! runtime to build. The same calls work in `#[test]` functions.
//!
//! `cargo run --example testing` runs the checks below and prints them.

use harrow::test::TestClient;
use harrow::{App, Json, Path, StatusCode};
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Greeting {
    to: String,
    text: String,
}

async fn greet(Path(name): Path<String>) -> Json<Greeting> {
    Json(Greeting {
        text: format!("hello, {name}"),
        to: name,
    })
}

async fn shout(body: String) -> String {
    body.to_uppercase()
}

fn app() -> App {
    App::new().get("/greet/{name}", greet).post("/shout", shout)
}

fn main() {
    let client = TestClient::new(app());

    let res = client.get("/greet/ann").send();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.header("content-type"), Some("application/json"));
    let greeting: Greeting = res.json();
    assert_eq!(greeting.text, "hello, ann");
    println!("GET /greet/ann -> {} {:?}", res.status(), greeting);

    let res = client.post("/shout").body("quiet please").send();
    assert_eq!(res.text(), "QUIET PLEASE");
    println!("POST /shout -> {} {:?}", res.status(), res.text());

    let res = client.get("/nowhere").send();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    println!("GET /nowhere -> {} {:?}", res.status(), res.text());

    let res = client.delete("/shout").send();
    assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
    println!(
        "DELETE /shout -> {} allow: {:?}",
        res.status(),
        res.header("allow")
    );

    println!("all checks passed");
}
