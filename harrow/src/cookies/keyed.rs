//! What the signed and the private jar share: taking the application's
//! [`Key`](cookie::Key) from the state as an extractor, and sending their
//! changes as `Set-Cookie` headers. Only how a cookie is protected differs,
//! so each jar writes its own methods and this macro writes the rest.

/// Implements `Debug`, `FromRequestParts`, `IntoResponseHeaders` and
/// `IntoResponse` for `$jar`, a struct with a `jar: cookie::CookieJar`, a
/// `key: Key` and a `from_headers(&HeaderMap, Key)` constructor.
macro_rules! keyed_jar {
    ($jar:ident) => {
        impl std::fmt::Debug for $jar {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($jar))
                    .field("cookies", &self.jar.iter().count())
                    .finish_non_exhaustive()
            }
        }

        impl $crate::extract::FromRequestParts for $jar {
            type Rejection = $crate::extract::rejection::MissingState;

            fn required_state(required: &mut $crate::extract::RequiredState) {
                required.add::<cookie::Key>();
            }

            async fn from_request_parts(
                parts: &mut http::request::Parts,
                cx: &$crate::context::RequestContext,
            ) -> Result<Self, Self::Rejection> {
                let key = cx.state::<cookie::Key>().ok_or_else(|| {
                    $crate::extract::rejection::MissingState {
                        type_name: "harrow::cookies::Key".into(),
                    }
                })?;
                Ok($jar::from_headers(&parts.headers, key))
            }
        }

        /// A `Set-Cookie` header for each cookie added or removed.
        impl $crate::response::IntoResponseHeaders for $jar {
            fn apply(
                self,
                headers: &mut http::HeaderMap,
            ) -> Result<(), $crate::response::InvalidHeader> {
                super::write(&self.jar, headers)
            }
        }

        /// An empty response with the jar's `Set-Cookie` headers.
        impl $crate::response::IntoResponse for $jar {
            fn into_response(self) -> $crate::response::Response {
                (self, ()).into_response()
            }
        }
    };
}
