//! HTTP/1.1 connections, in two halves as hyper has them: the IO half owns
//! the socket, its buffers and its deadline ([`io`]); the protocol half
//! reads heads and bodies through it, calls the service and sends the
//! answers ([`dispatch`], [`respond`]). A request body past its first
//! 64 KiB streams to the service while it runs ([`upload`], [`feed`]).

mod dispatch;
mod feed;
pub(crate) mod io;
mod respond;
mod upload;

pub(crate) use dispatch::Dispatch;
pub(crate) use io::Io;
