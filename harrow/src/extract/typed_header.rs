//! `TypedHeader<H>`: one header, parsed into `H`; with the `typed-headers`
//! feature, for the `headers` crate's types too.

use http::request::Parts;

use crate::context::RequestContext;
use crate::extract::FromRequestParts;
use crate::extract::header::Header;
use crate::extract::rejection::HeaderRejection;

/// Extracts one header as `H`: 400 naming the header when it is missing or
/// malformed. Wrap it in `Option` for an optional header.
///
/// `H` is any [`Header`]: those Harrow types itself (`UserAgent`, `Host`,
/// `ContentType`, `ContentLength`), your own, and, with the
/// `typed-headers` feature, every type of the [`headers`](https://docs.rs/headers)
/// crate (`Authorization<Bearer>`, `IfNoneMatch`, `Cookie`, `Range`, ...).
/// With that feature a `TypedHeader` of such a type is also a response part:
/// `(TypedHeader(ETag::from_str(..)?), body)` sets the header.
///
/// ```
/// use harrow::extract::{TypedHeader, UserAgent};
///
/// async fn agent(TypedHeader(UserAgent(ua)): TypedHeader<UserAgent>) -> String {
///     format!("you are {ua}")
/// }
/// # let _ = harrow::App::new().get("/", agent);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TypedHeader<H>(pub H);

impl<H: Header> FromRequestParts for TypedHeader<H> {
    type Rejection = HeaderRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        _cx: &RequestContext,
    ) -> Result<Self, Self::Rejection> {
        let name = H::name();
        let mut values = parts.headers.get_all(name).iter().peekable();
        if values.peek().is_none() {
            return Err(HeaderRejection::Missing { name });
        }
        H::decode_all(&mut values)
            .map(TypedHeader)
            .map_err(|message| HeaderRejection::Invalid { name, message })
    }
}

#[cfg(feature = "typed-headers")]
mod headers_crate {
    //! The `headers` crate's types as [`Header`]s and response parts.

    use http::HeaderMap;
    use http::header::HeaderValue;

    use super::TypedHeader;
    use crate::extract::header::Header;
    use crate::extract::path::short_type_name;
    use crate::response::{IntoResponse, IntoResponseHeaders, InvalidHeader, Response};

    /// Every type of the `headers` crate decodes as a [`Header`], from all
    /// the values the request has for it.
    impl<H: headers::Header> Header for H {
        fn name() -> &'static str {
            <H as headers::Header>::name().as_str()
        }

        fn decode(value: &HeaderValue) -> Result<Self, String> {
            Self::decode_all(&mut std::iter::once(value))
        }

        fn decode_all(mut values: &mut dyn Iterator<Item = &HeaderValue>) -> Result<Self, String> {
            <H as headers::Header>::decode(&mut values)
                .map_err(|_| format!("not a valid `{}`", short_type_name::<H>()))
        }
    }

    /// Sets the header, replacing earlier values of it.
    impl<H: headers::Header> IntoResponseHeaders for TypedHeader<H> {
        fn apply(self, headers: &mut HeaderMap) -> Result<(), InvalidHeader> {
            headers.remove(<H as headers::Header>::name());
            let mut values = Vec::new();
            self.0.encode(&mut values);
            for value in values {
                headers.append(<H as headers::Header>::name(), value);
            }
            Ok(())
        }
    }

    /// An empty response with the header set.
    impl<H: headers::Header> IntoResponse for TypedHeader<H> {
        fn into_response(self) -> Response {
            (self, ()).into_response()
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;
        use crate::App;
        use crate::test::TestClient;
        use headers::authorization::Bearer;
        use headers::{Authorization, CacheControl, ContentLength, ETag};

        async fn token(TypedHeader(auth): TypedHeader<Authorization<Bearer>>) -> String {
            auth.token().to_owned()
        }

        async fn length(TypedHeader(len): TypedHeader<ContentLength>, _: String) -> String {
            len.0.to_string()
        }

        async fn tagged() -> (TypedHeader<ETag>, (TypedHeader<CacheControl>, &'static str)) {
            let etag = "\"v1\"".parse::<ETag>().expect("a valid ETag");
            let cache = CacheControl::new().with_no_store();
            (TypedHeader(etag), (TypedHeader(cache), "tagged"))
        }

        #[test]
        fn the_headers_crate_types_extract_and_malformed_values_name_the_header() {
            let app = App::new()
                .get("/token", token)
                .post("/length", length)
                .get("/tagged", tagged);
            let client = TestClient::new(app);
            let res = client
                .get("/token")
                .header("authorization", "Bearer abc.def")
                .send();
            assert_eq!(res.text(), "abc.def");

            let res = client.get("/token").header("authorization", "Basic").send();
            assert_eq!(res.status(), 400);
            assert_eq!(
                res.text(),
                "invalid header `authorization`: not a valid `Authorization<Bearer>`"
            );

            let res = client.get("/token").send();
            assert_eq!(res.status(), 400);
            assert_eq!(res.text(), "missing header `authorization`");

            assert_eq!(client.post("/length").body("12345").send().text(), "5");

            let res = client.get("/tagged").send();
            assert_eq!(res.header("etag"), Some("\"v1\""));
            assert_eq!(res.header("cache-control"), Some("no-store"));
            assert_eq!(res.text(), "tagged");
        }
    }
}
