//! The messages received and not yet taken by the application: the oldest
//! held in place, the rest in a queue, so that a socket whose application
//! keeps up (a message at a time, the usual case) allocates nothing for
//! them and keeps nothing allocated between messages.

use std::collections::VecDeque;

use super::message::Message;

/// A queue of messages, oldest first.
#[derive(Default)]
pub(super) struct Inbox {
    /// The oldest message, when it is not in `rest`.
    first: Option<Message>,
    /// The messages after `first` (or all of them once `first` was taken
    /// while these waited).
    rest: VecDeque<Message>,
    /// The payload bytes of all of them.
    bytes: usize,
}

impl Inbox {
    /// How many messages wait.
    pub(super) fn len(&self) -> usize {
        usize::from(self.first.is_some()) + self.rest.len()
    }

    /// How many payload bytes wait.
    pub(super) fn bytes(&self) -> usize {
        self.bytes
    }

    /// Adds the newest message.
    pub(super) fn push_back(&mut self, message: Message) {
        self.bytes += message.len();
        if self.first.is_none() && self.rest.is_empty() {
            self.first = Some(message);
        } else {
            self.rest.push_back(message);
        }
    }

    /// Takes the oldest message.
    pub(super) fn pop_front(&mut self) -> Option<Message> {
        let message = self.first.take().or_else(|| self.rest.pop_front())?;
        self.bytes -= message.len();
        Some(message)
    }

    /// The newest message.
    #[cfg(test)]
    pub(super) fn back(&self) -> Option<&Message> {
        self.rest.back().or(self.first.as_ref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_come_out_in_the_order_they_went_in() {
        let mut inbox = Inbox::default();
        let text = |s: &str| Message::text(s.to_owned());
        inbox.push_back(text("a"));
        assert_eq!(inbox.rest.capacity(), 0, "one message allocates nothing");
        inbox.push_back(text("b"));
        assert_eq!(inbox.pop_front(), Some(text("a")));
        // `b` waits in the queue: `c` goes behind it, not in front.
        inbox.push_back(text("c"));
        assert_eq!((inbox.len(), inbox.back()), (2, Some(&text("c"))));
        assert_eq!(inbox.pop_front(), Some(text("b")));
        inbox.push_back(text("d"));
        assert_eq!(inbox.pop_front(), Some(text("c")));
        assert_eq!(inbox.pop_front(), Some(text("d")));
        assert_eq!((inbox.pop_front(), inbox.len()), (None, 0));
        assert_eq!(inbox.bytes(), 0);
        inbox.push_back(text("four"));
        inbox.push_back(Message::binary(vec![0; 10]));
        assert_eq!(inbox.bytes(), 14);
    }
}
