use harrow::get;

#[get("/hello")]
struct Hello;

fn main() {}
