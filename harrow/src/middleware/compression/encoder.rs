//! The encoders behind the compression middleware: one body at once, or a
//! stream chunk by chunk, each chunk flushed so that what was compressed so
//! far can be decoded at once (server-sent events keep flowing).

use std::io::{self, Write};

use bytes::Bytes;

use crate::content_coding::Coding;

/// Compression levels, one per coding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Levels {
    pub(crate) gzip: u32,
    pub(crate) brotli: u32,
    pub(crate) zstd: i32,
}

impl Default for Levels {
    /// Levels for responses made per request: fast, with most of the gain.
    fn default() -> Self {
        Levels {
            gzip: 6,
            brotli: 4,
            zstd: 3,
        }
    }
}

/// The codings this build can produce, in the middleware's order of
/// preference: zstd (fastest for its ratio), brotli, gzip.
pub(crate) const BUILT_IN: &[Coding] = &[
    #[cfg(feature = "compression-zstd")]
    Coding::Zstd,
    #[cfg(feature = "compression-br")]
    Coding::Brotli,
    #[cfg(feature = "compression-gzip")]
    Coding::Gzip,
];

/// Brotli's window: 4 MiB, its default.
#[cfg(feature = "compression-br")]
const BROTLI_WINDOW: u32 = 22;

/// Compresses `input` whole.
pub(crate) fn compress(coding: Coding, levels: Levels, input: &[u8]) -> io::Result<Vec<u8>> {
    match coding {
        #[cfg(feature = "compression-gzip")]
        Coding::Gzip => {
            let out = Vec::with_capacity(input.len() / 3 + 64);
            let mut enc = flate2::write::GzEncoder::new(out, flate2::Compression::new(levels.gzip));
            enc.write_all(input)?;
            enc.finish()
        }
        #[cfg(feature = "compression-br")]
        Coding::Brotli => {
            let params = brotli::enc::BrotliEncoderParams {
                quality: levels.brotli as i32,
                // A window no larger than the input: less memory to set up.
                lgwin: window_for(input.len()),
                size_hint: input.len(),
                ..Default::default()
            };
            let mut out = Vec::with_capacity(input.len() / 3 + 64);
            brotli::BrotliCompress(&mut &input[..], &mut out, &params)?;
            Ok(out)
        }
        #[cfg(feature = "compression-zstd")]
        Coding::Zstd => zstd::bulk::compress(input, levels.zstd),
        #[allow(unreachable_patterns)]
        _ => Err(unsupported(coding)),
    }
}

#[cfg(feature = "compression-br")]
fn window_for(len: usize) -> i32 {
    let bits = usize::BITS - len.max(1).leading_zeros();
    bits.clamp(10, BROTLI_WINDOW) as i32
}

#[allow(dead_code)]
fn unsupported(coding: Coding) -> io::Error {
    io::Error::other(format!("{} is not built in", coding.token()))
}

/// A streaming encoder writing into its own buffer.
pub(crate) enum Encoder {
    #[cfg(feature = "compression-gzip")]
    Gzip(flate2::write::GzEncoder<Vec<u8>>),
    #[cfg(feature = "compression-br")]
    Brotli(Box<brotli::CompressorWriter<Vec<u8>>>),
    #[cfg(feature = "compression-zstd")]
    Zstd(zstd::stream::write::Encoder<'static, Vec<u8>>),
}

impl Encoder {
    /// A fresh encoder for `coding`.
    pub(crate) fn new(coding: Coding, levels: Levels) -> io::Result<Encoder> {
        Ok(match coding {
            #[cfg(feature = "compression-gzip")]
            Coding::Gzip => Encoder::Gzip(flate2::write::GzEncoder::new(
                Vec::new(),
                flate2::Compression::new(levels.gzip),
            )),
            #[cfg(feature = "compression-br")]
            Coding::Brotli => Encoder::Brotli(Box::new(brotli::CompressorWriter::new(
                Vec::new(),
                16 * 1024,
                levels.brotli,
                BROTLI_WINDOW,
            ))),
            #[cfg(feature = "compression-zstd")]
            Coding::Zstd => {
                Encoder::Zstd(zstd::stream::write::Encoder::new(Vec::new(), levels.zstd)?)
            }
            #[allow(unreachable_patterns)]
            _ => return Err(unsupported(coding)),
        })
    }

    /// Compresses `chunk` and flushes: the bytes returned decode to
    /// everything given so far.
    pub(crate) fn chunk(&mut self, chunk: &[u8]) -> io::Result<Bytes> {
        match self {
            #[cfg(feature = "compression-gzip")]
            Encoder::Gzip(e) => {
                e.write_all(chunk)?;
                e.flush()?;
                Ok(Bytes::from(std::mem::take(e.get_mut())))
            }
            #[cfg(feature = "compression-br")]
            Encoder::Brotli(e) => {
                e.write_all(chunk)?;
                e.flush()?;
                Ok(Bytes::from(std::mem::take(e.get_mut())))
            }
            #[cfg(feature = "compression-zstd")]
            Encoder::Zstd(e) => {
                e.write_all(chunk)?;
                e.flush()?;
                Ok(Bytes::from(std::mem::take(e.get_mut())))
            }
        }
    }

    /// Ends the stream: the last bytes (the coding's trailer).
    pub(crate) fn finish(self) -> io::Result<Bytes> {
        let out = match self {
            #[cfg(feature = "compression-gzip")]
            Encoder::Gzip(e) => e.finish()?,
            #[cfg(feature = "compression-br")]
            Encoder::Brotli(e) => e.into_inner(),
            #[cfg(feature = "compression-zstd")]
            Encoder::Zstd(e) => e.finish()?,
        };
        Ok(Bytes::from(out))
    }
}
