//! Handlers: async functions whose arguments are extractors and whose
//! output converts into a response.

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::rc::Rc;

use crate::context::RequestContext;
use crate::extract::{FromRequest, FromRequestParts, RequiredState};
use crate::request::Request;
use crate::response::future::ResponseFuture;
use crate::response::{IntoResponse, Response};

/// A boxed response future; handler futures need not be `Send`.
pub(crate) type BoxFuture = Pin<Box<dyn Future<Output = Response>>>;

/// Something that answers requests: implemented for every async function
/// (or closure returning a future) with 0 to 16 extractor arguments, whose
/// output implements [`IntoResponse`].
///
/// All arguments but the last implement
/// [`FromRequestParts`]; the last may be a
/// [`FromRequest`] that consumes the body. `T` is
/// inferred and never written by users.
///
/// ```
/// use harrow::{App, Path, State};
/// use std::rc::Rc;
///
/// async fn show(Path(id): Path<u32>, State(prefix): State<Rc<str>>) -> String {
///     format!("{prefix}{id}")
/// }
///
/// let app = App::new().state::<Rc<str>>(Rc::from("item ")).get("/items/{id}", show);
/// # let _ = app;
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a handler",
    label = "not a valid handler",
    note = "a handler is an async fn taking up to 16 extractors (the last may read the body) and returning a type that implements `IntoResponse`"
)]
pub trait Handler<T>: Clone + 'static {
    /// Adds the state types the handler's extractors take, checked when the
    /// app starts (see [`RequiredState`]); none unless overridden.
    fn required_state(required: &mut RequiredState) {
        let _ = required;
    }

    /// Runs the handler on one request, with its context.
    fn call(self, req: Request, cx: RequestContext) -> impl Future<Output = Response> + 'static;
}

/// A type-erased request handler: a handler, a handler behind middleware,
/// a router. The context goes with the request.
pub(crate) trait Endpoint {
    fn call(&self, req: Request, cx: RequestContext) -> BoxFuture;
}

/// An erased endpoint, shared by every route that uses it.
pub(crate) type BoxEndpoint = Rc<dyn Endpoint>;

struct HandlerEndpoint<H, T> {
    handler: H,
    _args: PhantomData<fn() -> T>,
}

impl<H: Handler<T>, T: 'static> Endpoint for HandlerEndpoint<H, T> {
    fn call(&self, req: Request, cx: RequestContext) -> BoxFuture {
        Box::pin(self.handler.clone().call(req, cx))
    }
}

/// Erases a handler.
pub(crate) fn endpoint<H: Handler<T>, T: 'static>(handler: H) -> BoxEndpoint {
    Rc::new(HandlerEndpoint {
        handler,
        _args: PhantomData,
    })
}

impl<F, Fut, Res> Handler<((),)> for F
where
    F: Fn() -> Fut + Clone + 'static,
    Fut: Future<Output = Res> + 'static,
    Res: IntoResponse,
{
    fn call(self, _req: Request, _cx: RequestContext) -> impl Future<Output = Response> + 'static {
        ResponseFuture::pending(self())
    }
}

macro_rules! impl_handler {
    ([$($ty:ident),*], $last:ident) => {
        impl<F, Fut, Res, M, $($ty,)* $last> Handler<(M, $($ty,)* $last,)> for F
        where
            F: Fn($($ty,)* $last) -> Fut + Clone + 'static,
            Fut: Future<Output = Res> + 'static,
            Res: IntoResponse,
            M: 'static,
            $($ty: FromRequestParts + 'static,)*
            $last: FromRequest<M> + 'static,
        {
            fn required_state(required: &mut RequiredState) {
                $(<$ty as FromRequestParts>::required_state(required);)*
                <$last as FromRequest<M>>::required_state(required);
            }

            #[allow(non_snake_case)]
            fn call(self, req: Request, cx: RequestContext) -> impl Future<Output = Response> + 'static {
                // Taken apart before the async block, which then holds the
                // parts and not the whole request beside them.
                #[allow(unused_mut)]
                let (mut parts, body) = req.into_parts();
                async move {
                    $(
                        let $ty = match $ty::from_request_parts(&mut parts, &cx).await {
                            Ok(value) => value,
                            Err(rejection) => return rejection.into_response(),
                        };
                    )*
                    let req = Request::from_parts(parts, body);
                    let $last = match $last::from_request(req, &cx).await {
                        Ok(value) => value,
                        Err(rejection) => return rejection.into_response(),
                    };
                    self($($ty,)* $last).await.into_response()
                }
            }
        }
    };
}

impl_handler!([], T1);
impl_handler!([T1], T2);
impl_handler!([T1, T2], T3);
impl_handler!([T1, T2, T3], T4);
impl_handler!([T1, T2, T3, T4], T5);
impl_handler!([T1, T2, T3, T4, T5], T6);
impl_handler!([T1, T2, T3, T4, T5, T6], T7);
impl_handler!([T1, T2, T3, T4, T5, T6, T7], T8);
impl_handler!([T1, T2, T3, T4, T5, T6, T7, T8], T9);
impl_handler!([T1, T2, T3, T4, T5, T6, T7, T8, T9], T10);
impl_handler!([T1, T2, T3, T4, T5, T6, T7, T8, T9, T10], T11);
impl_handler!([T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11], T12);
impl_handler!([T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12], T13);
impl_handler!(
    [T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13],
    T14
);
impl_handler!(
    [T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14],
    T15
);
impl_handler!(
    [
        T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15
    ],
    T16
);
