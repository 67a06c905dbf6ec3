#[harrow::main]
fn main() -> String {
    String::new()
}
