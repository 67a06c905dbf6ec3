//! JSON in and out: a tiny in-memory todo list per worker.
//!
//! `cargo run --example json`, then
//! `curl -X POST localhost:3000/todos -H 'content-type: application/json' -d '{"title":"milk"}'`
//! and `curl localhost:3000/todos`.

use std::cell::RefCell;
use std::rc::Rc;

use harrow::{App, Json, State, StatusCode};
use serde::{Deserialize, Serialize};

#[derive(Deserialize)]
struct NewTodo {
    title: String,
}

#[derive(Clone, Serialize)]
struct Todo {
    id: usize,
    title: String,
    done: bool,
}

type Todos = Rc<RefCell<Vec<Todo>>>;

async fn list(State(todos): State<Todos>) -> Json<Vec<Todo>> {
    Json(todos.borrow().clone())
}

async fn create(State(todos): State<Todos>, Json(new): Json<NewTodo>) -> (StatusCode, Json<Todo>) {
    let mut todos = todos.borrow_mut();
    let todo = Todo {
        id: todos.len() + 1,
        title: new.title,
        done: false,
    };
    todos.push(todo.clone());
    (StatusCode::CREATED, Json(todo))
}

fn main() -> Result<(), harrow::StartError> {
    harrow::run(
        || {
            App::new()
                .state(Todos::default())
                .get("/todos", list)
                .post("/todos", create)
        },
        "127.0.0.1:3000",
    )
}
