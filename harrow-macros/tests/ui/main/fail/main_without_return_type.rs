#[harrow::main]
fn main() {}
