use harrow::{delete, get, head, options, patch, post, put, route};

#[get("/r")]
async fn g() {}
#[post("/r")]
async fn p() {}
#[put("/r")]
async fn pu() {}
#[delete("/r")]
async fn d() {}
#[patch("/r")]
async fn pa() {}
#[head("/r")]
async fn h() {}
#[options("/r")]
async fn o() {}
#[route("/multi", method = "GET", method = "POST", method = "TRACE")]
async fn multi() {}

fn main() {
    let routes = harrow::routes![g, p, pu, d, pa, h, o, multi];
    let methods: Vec<String> = routes.iter().map(|r| format!("{:?}", r.methods())).collect();
    assert_eq!(
        methods,
        ["[GET]", "[POST]", "[PUT]", "[DELETE]", "[PATCH]", "[HEAD]", "[OPTIONS]", "[GET, POST, TRACE]"]
    );
}
