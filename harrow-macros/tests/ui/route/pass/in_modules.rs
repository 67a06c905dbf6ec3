//! Handlers in modules, public or not, listed by path; the original
//! functions stay callable.
mod api {
    pub mod users {
        use harrow::get;

        #[get("/users")]
        pub async fn list() -> &'static str {
            "users"
        }
    }

    #[harrow::get("/health")]
    pub(crate) async fn health() -> &'static str {
        "ok"
    }
}

fn main() {
    let routes = harrow::routes![api::users::list, api::health];
    assert_eq!(routes.len(), 2);
    assert_eq!(routes[0].site().map(|s| s.name), Some("list"));
    let _ = api::users::list();
}
