//! What a WebSocket has encoded and not yet written: control frames and
//! small messages copied into one buffer, large payloads kept as the
//! message's own `Bytes` beside their headers, so that they go out with one
//! vectored write and no copy.

use bytes::Bytes;

use super::frame::{encode, encode_close, encode_header};
use super::message::CloseFrame;

/// Message payloads at least this large are kept as they are; smaller ones
/// are copied (a copy costs less than a buffer of its own in the write).
const KEEP_AT: usize = 16 * 1024;

/// Frames waiting to be written, in order: `kept`, then `tail`.
#[derive(Default)]
pub(super) struct Outbox {
    /// Headers and payloads that go out from their own buffers.
    kept: Vec<Bytes>,
    kept_len: usize,
    /// Frames copied whole, after everything in `kept`.
    tail: Vec<u8>,
}

/// What the writer takes from an [`Outbox`].
pub(super) enum Output {
    /// One buffer (every frame was copied).
    Copied(Vec<u8>),
    /// Several buffers, written in order with one vectored write.
    Parts(Vec<Bytes>),
}

impl Outbox {
    /// How many bytes wait.
    pub(super) fn len(&self) -> usize {
        self.kept_len + self.tail.len()
    }

    /// Whether nothing waits.
    pub(super) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Drops everything waiting.
    pub(super) fn clear(&mut self) {
        self.kept.clear();
        self.kept_len = 0;
        self.tail.clear();
    }

    /// Appends a frame carrying a copy of `payload` (a control frame).
    pub(super) fn frame(&mut self, opcode: u8, payload: &[u8]) {
        encode(&mut self.tail, opcode, payload);
    }

    /// Appends a closing frame (empty without `frame`).
    pub(super) fn close(&mut self, frame: Option<&CloseFrame>) {
        encode_close(&mut self.tail, frame);
    }

    /// Appends a message frame; a large payload is kept, not copied.
    pub(super) fn message(&mut self, opcode: u8, payload: Bytes) {
        if payload.len() < KEEP_AT {
            self.frame(opcode, &payload);
            return;
        }
        encode_header(&mut self.tail, opcode, payload.len());
        let before = Bytes::from(std::mem::take(&mut self.tail));
        self.kept_len += before.len() + payload.len();
        self.kept.push(before);
        self.kept.push(payload);
    }

    /// Takes everything waiting, leaving `spare` (an emptied buffer of an
    /// earlier output) as the new tail.
    pub(super) fn take(&mut self, spare: Vec<u8>) -> Output {
        let mut tail = std::mem::replace(&mut self.tail, spare);
        self.tail.clear();
        if self.kept.is_empty() {
            return Output::Copied(tail);
        }
        let mut parts = std::mem::take(&mut self.kept);
        self.kept_len = 0;
        if !tail.is_empty() {
            parts.push(Bytes::from(std::mem::take(&mut tail)));
        }
        Output::Parts(parts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ws::frame::{OPCODE_BINARY, OPCODE_PING, OPCODE_TEXT};

    /// Everything an output writes, in order.
    fn written(output: Output) -> Vec<u8> {
        match output {
            Output::Copied(bytes) => bytes,
            Output::Parts(parts) => parts.concat(),
        }
    }

    /// The frames a copy of every payload would make.
    fn copied(frames: &[(u8, &[u8])]) -> Vec<u8> {
        let mut out = Vec::new();
        for (opcode, payload) in frames {
            encode(&mut out, *opcode, payload);
        }
        out
    }

    #[test]
    fn kept_payloads_write_the_same_bytes_in_the_same_order() {
        let large = Bytes::from(vec![7u8; KEEP_AT]);
        let larger = Bytes::from(vec![9u8; 70_000]);
        let mut outbox = Outbox::default();
        outbox.message(OPCODE_TEXT, Bytes::from_static(b"hi"));
        outbox.message(OPCODE_BINARY, large.clone());
        outbox.frame(OPCODE_PING, b"");
        outbox.message(OPCODE_BINARY, larger.clone());
        outbox.message(OPCODE_TEXT, Bytes::from_static(b"bye"));
        let want = copied(&[
            (OPCODE_TEXT, b"hi"),
            (OPCODE_BINARY, &large),
            (OPCODE_PING, b""),
            (OPCODE_BINARY, &larger),
            (OPCODE_TEXT, b"bye"),
        ]);
        assert_eq!(outbox.len(), want.len());
        let output = outbox.take(Vec::new());
        let Output::Parts(parts) = &output else {
            panic!("large payloads were copied");
        };
        // The payloads are the messages' own buffers.
        assert!(parts.iter().any(|p| p.as_ptr() == large.as_ptr()));
        assert!(parts.iter().any(|p| p.as_ptr() == larger.as_ptr()));
        assert!(written(output) == want);
        assert!(outbox.is_empty());
    }

    #[test]
    fn small_messages_and_control_frames_are_one_buffer() {
        let mut outbox = Outbox::default();
        outbox.message(OPCODE_TEXT, Bytes::from(vec![b'a'; KEEP_AT - 1]));
        outbox.close(None);
        let output = outbox.take(Vec::with_capacity(64));
        assert!(matches!(output, Output::Copied(_)));
        let mut want = copied(&[(OPCODE_TEXT, &[b'a'; KEEP_AT - 1])]);
        want.extend_from_slice(&[0x88, 0x00]);
        assert_eq!(written(output), want);
        outbox.message(OPCODE_BINARY, Bytes::from(vec![1; KEEP_AT]));
        outbox.clear();
        assert!(outbox.is_empty());
        assert!(written(outbox.take(Vec::new())).is_empty());
    }
}
