//! An API described by its own handlers:
//! `cargo run -p harrow-examples --features openapi --example openapi`,
//! then open <http://127.0.0.1:3000/docs>, or fetch the document:
//!
//! ```text
//! curl http://127.0.0.1:3000/openapi.json
//! curl http://127.0.0.1:3000/openapi.yaml
//! curl 'http://127.0.0.1:3000/books?author=Herbert'
//! curl -X POST http://127.0.0.1:3000/books -H 'authorization: Bearer letmein' \
//!      -H 'content-type: application/json' -d '{"title": "Emma", "author": "Austen"}'
//! ```

use std::cell::RefCell;
use std::rc::Rc;

use harrow::openapi::{OpenApi, SecurityScheme};
use harrow::prelude::*;

/// The shelf: one per worker, as an example keeps it simple.
pub type Shelf = Rc<RefCell<Vec<books::Book>>>;

/// The shelf's books: the API's one resource.
pub mod books {
    use harrow::openapi::{DescribeInput, JsonSchema, Operation};
    use harrow::prelude::*;
    use harrow::{FromRequestParts, RequestContext};
    use serde::{Deserialize, Serialize};

    use super::Shelf;

    /// A book on the shelf.
    #[derive(Clone, Serialize, JsonSchema)]
    pub struct Book {
        /// Its id, given by the shelf.
        pub id: u64,
        /// Its title.
        pub title: String,
        /// Who wrote it.
        pub author: String,
    }

    /// A book to put on the shelf.
    #[derive(Serialize, Deserialize, JsonSchema)]
    #[schemars(example = new_book_example())]
    pub struct NewBook {
        /// Its title.
        pub title: String,
        /// Who wrote it.
        pub author: String,
    }

    fn new_book_example() -> NewBook {
        NewBook {
            title: "Dune".into(),
            author: "Frank Herbert".into(),
        }
    }

    /// Which books to list.
    #[derive(Deserialize, JsonSchema)]
    pub struct Filter {
        /// Only this author's books.
        pub author: Option<String>,
    }

    /// A librarian, known by the bearer token `letmein`.
    pub struct Librarian;

    impl FromRequestParts for Librarian {
        type Rejection = (StatusCode, &'static str);

        async fn from_request_parts(
            parts: &mut http::request::Parts,
            _cx: &RequestContext,
        ) -> Result<Self, Self::Rejection> {
            match parts.headers.get("authorization") {
                Some(token) if token == "Bearer letmein" => Ok(Librarian),
                _ => Err((StatusCode::UNAUTHORIZED, "librarians only")),
            }
        }
    }

    /// In the document: the bearer scheme, and the 401 that refuses others.
    impl DescribeInput for Librarian {
        fn describe(op: &mut Operation<'_>) {
            op.security("bearer");
            op.rejection(StatusCode::UNAUTHORIZED, "Librarians only.");
        }
    }

    /// Lists the books.
    ///
    /// All of them, or one author's.
    #[get("/books")]
    pub async fn list(State(shelf): State<Shelf>, Query(filter): Query<Filter>) -> Json<Vec<Book>> {
        let books = shelf.borrow();
        let wanted = |b: &&Book| filter.author.as_ref().is_none_or(|a| b.author.contains(a));
        Json(books.iter().filter(wanted).cloned().collect())
    }

    /// One book, by its id.
    #[get("/books/{id}")]
    pub async fn show(State(shelf): State<Shelf>, id: u64) -> Option<Json<Book>> {
        let books = shelf.borrow();
        books.iter().find(|b| b.id == id).cloned().map(Json)
    }

    /// Puts a book on the shelf.
    #[post("/books", responses(201 = (Json<Book>, "On the shelf")))]
    pub async fn add(
        State(shelf): State<Shelf>,
        _librarian: Librarian,
        Json(new): Json<NewBook>,
    ) -> (StatusCode, Json<Book>) {
        let mut books = shelf.borrow_mut();
        let book = Book {
            id: books.len() as u64 + 1,
            title: new.title,
            author: new.author,
        };
        books.push(book.clone());
        (StatusCode::CREATED, Json(book))
    }

    /// Takes a book off the shelf.
    #[delete("/books/{id}", responses(204 = "Taken off", 404 = "No such book"))]
    pub async fn remove(State(shelf): State<Shelf>, _librarian: Librarian, id: u64) -> StatusCode {
        let mut books = shelf.borrow_mut();
        match books.iter().position(|b| b.id == id) {
            Some(i) => {
                books.remove(i);
                StatusCode::NO_CONTENT
            }
            None => StatusCode::NOT_FOUND,
        }
    }
}

/// Says the shelf is open; not part of the API.
#[doc(hidden)]
#[get("/health")]
async fn health() -> &'static str {
    "ok"
}

/// The document's settings, and where it is served.
pub fn api() -> OpenApi {
    OpenApi::new("Bookshop", "1.0.0")
        .description(
            "Books on a shelf: list them, look one up, and (for librarians) add or remove them.",
        )
        .security_scheme("bearer", SecurityScheme::bearer())
        .tag("books", "The shelf's books.")
        .serve_json("/openapi.json")
        .serve_yaml("/openapi.yaml")
        .serve_docs("/docs")
}

/// The application, with one book on its shelf.
pub fn app() -> App {
    let shelf: Shelf = Rc::new(RefCell::new(vec![books::Book {
        id: 1,
        title: "Dune".into(),
        author: "Frank Herbert".into(),
    }]));
    App::new()
        .state(shelf)
        .nest("/", Scope::module(module_path!()))
}

#[harrow::main]
fn main() -> App {
    app().openapi(api())
}
