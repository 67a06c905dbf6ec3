use harrow::post;

struct Sample;

#[post("/echo", example = Sample)]
async fn echo(body: String) -> String {
    body
}

fn main() {}
