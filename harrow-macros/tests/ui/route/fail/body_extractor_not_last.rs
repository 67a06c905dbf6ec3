use harrow::get;
use harrow::http::Method;

#[get("/echo")]
async fn echo(body: String, method: Method) -> String {
    format!("{method} {body}")
}

fn main() {}
