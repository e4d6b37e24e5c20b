//! A small bounded queue from a socket's receive task to the one request waiting for its
//! replies. A tokio `mpsc` channel allocates a block of 32 slots per channel, about a kilobyte
//! for each of the thousands of requests in flight during a sweep, most of which never get an
//! answer; a mailbox is one allocation of about a hundred bytes until a reply arrives.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use tokio::sync::Notify;

use super::lock;

struct Shared<T> {
    state: Mutex<State<T>>,
    notify: Notify,
}

struct State<T> {
    queue: VecDeque<T>,
    capacity: usize,
    closed: bool,
}

/// The receive task's end: delivers without waiting, drops what does not fit.
pub struct Sender<T>(Arc<Shared<T>>);

/// The waiting request's end.
pub struct Receiver<T>(Arc<Shared<T>>);

/// A mailbox holding at most `capacity` (at least 1) undelivered items.
#[must_use]
pub fn mailbox<T>(capacity: usize) -> (Sender<T>, Receiver<T>) {
    let shared = Arc::new(Shared {
        state: Mutex::new(State {
            queue: VecDeque::new(),
            capacity: capacity.max(1),
            closed: false,
        }),
        notify: Notify::new(),
    });
    (Sender(Arc::clone(&shared)), Receiver(shared))
}

impl<T> Sender<T> {
    /// Queues `item`; `false` (and the item dropped) when the mailbox is full or its receiver
    /// is gone.
    pub fn try_send(&self, item: T) -> bool {
        {
            let mut state = lock(&self.0.state);
            if state.closed || state.queue.len() >= state.capacity {
                return false;
            }
            state.queue.push_back(item);
        }
        self.0.notify.notify_one();
        true
    }
}

impl<T> std::fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = lock(&self.0.state);
        f.debug_struct("Sender")
            .field("queued", &state.queue.len())
            .field("closed", &state.closed)
            .finish()
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        lock(&self.0.state).closed = true;
        self.0.notify.notify_one();
    }
}

impl<T> Receiver<T> {
    /// The next item, or `None` once the sender is gone and the queue is empty.
    pub async fn recv(&mut self) -> Option<T> {
        loop {
            {
                let mut state = lock(&self.0.state);
                if let Some(item) = state.queue.pop_front() {
                    return Some(item);
                }
                if state.closed {
                    return None;
                }
            }
            // A send between the check above and this wait leaves a permit: no lost wake-up.
            self.0.notify.notified().await;
        }
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        let mut state = lock(&self.0.state);
        state.closed = true;
        state.queue.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn delivers_in_order_and_drops_beyond_capacity() {
        let (tx, mut rx) = mailbox(2);
        assert!(tx.try_send(1));
        assert!(tx.try_send(2));
        assert!(!tx.try_send(3), "full");
        assert_eq!(rx.recv().await, Some(1));
        assert!(tx.try_send(4));
        assert_eq!(rx.recv().await, Some(2));
        assert_eq!(rx.recv().await, Some(4));
        drop(tx);
        assert_eq!(rx.recv().await, None, "closed and empty");
    }

    #[tokio::test]
    async fn a_waiting_receiver_is_woken_by_a_send_from_another_task() {
        let (tx, mut rx) = mailbox(4);
        let sender = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(20)).await;
            assert!(tx.try_send("reply"));
            tx
        });
        let got = tokio::time::timeout(Duration::from_secs(5), rx.recv()).await;
        assert_eq!(got, Ok(Some("reply")));
        drop(sender.await.unwrap());
        assert_eq!(rx.recv().await, None);
    }

    #[tokio::test]
    async fn a_dropped_sender_ends_a_wait_and_a_dropped_receiver_refuses_items() {
        let (tx, mut rx) = mailbox::<u8>(1);
        let waiting = tokio::spawn(async move { rx.recv().await });
        tokio::time::sleep(Duration::from_millis(10)).await;
        drop(tx);
        assert_eq!(waiting.await.unwrap(), None);
        let (tx, rx) = mailbox(1);
        drop(rx);
        assert!(!tx.try_send(5u8));
    }

    #[test]
    fn a_mailbox_is_small() {
        // The point of the type: far less than an mpsc channel's first block.
        assert!(std::mem::size_of::<Shared<Vec<u8>>>() <= 128);
    }
}
