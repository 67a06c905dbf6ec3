//! `setup` takes a function's path or a closure without captures. The
//! generated `main`s sit in modules so that this test only compiles them.
#![allow(dead_code)]

fn init_logging() {}

mod by_path {
    use harrow::App;

    #[harrow::main(setup = super::init_logging)]
    fn main() -> App {
        App::new()
    }
}

mod by_closure {
    use harrow::App;

    #[harrow::main(setup = || println!("starting"))]
    fn main() -> App {
        App::new()
    }
}

fn main() {}
