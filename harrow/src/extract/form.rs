//! `Form<T>`: an `application/x-www-form-urlencoded` body.

use serde::de::DeserializeOwned;

use crate::context::RequestContext;
use crate::extract::body::read_body;
use crate::extract::rejection::FormRejection;
use crate::extract::{FromRequest, urlencoded};
use crate::request::Request;

/// A url-encoded form body deserialized into `T` (the last handler
/// argument). Another Content-Type is a 415, a body over the limit a 413,
/// and a form that does not fit `T` a 422 naming the field at fault.
///
/// ```
/// use harrow::{App, Form};
/// use serde::Deserialize;
///
/// #[derive(Deserialize)]
/// struct Login { user: String }
///
/// async fn login(Form(f): Form<Login>) -> String {
///     format!("hello {}", f.user)
/// }
/// let app = App::new().post("/login", login);
/// # let _ = app;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Form<T>(pub T);

fn is_form(content_type: &str) -> bool {
    content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .eq_ignore_ascii_case("application/x-www-form-urlencoded")
}

impl<T: DeserializeOwned> FromRequest for Form<T> {
    type Rejection = FormRejection;

    async fn from_request(req: Request, _cx: &RequestContext) -> Result<Self, Self::Rejection> {
        let form = req
            .headers()
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(is_form);
        if !form {
            return Err(FormRejection::UnsupportedMediaType);
        }
        let bytes = read_body(req).await.map_err(FormRejection::Body)?;
        urlencoded::from_bytes(&bytes)
            .map(Form)
            .map_err(|e| FormRejection::Invalid {
                message: e.to_string(),
            })
    }
}
