//! The journal of requests the fake provider received, and the tracker that
//! follows each answer to its end. The tracker lives in the handler and then
//! in the response body stream; if it is dropped before the answer finished,
//! the client hung up (hyper drops the handler future or the body when the
//! connection goes away), and the request is recorded as hung up.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime};

use serde_json::Value;
use tokio::sync::watch;

/// How the answer to a request ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Still being answered.
    InProgress,
    /// Answered in full (a stream up to and including `[DONE]`).
    Completed,
    /// The client went away before the answer was finished.
    HungUp,
    /// The script cut the stream (connection closed without `[DONE]`).
    Cut,
    /// Answered with this error status (scripted failures, 401, 400, 422).
    Rejected(u16),
}

/// One request as the fake provider saw it.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    /// The request's number since the provider started: 0, 1, 2, ... (not
    /// reset by `clear_requests`).
    pub seq: usize,
    pub method: String,
    pub path: String,
    /// The JSON body; `Value::Null` if it was empty or not JSON.
    pub body: Value,
    /// The `authorization` header's value, if any.
    pub authorization: Option<String>,
    pub content_type: Option<String>,
    pub user_agent: Option<String>,
    pub received_at: SystemTime,
    pub finished_at: Option<SystemTime>,
    /// SSE events (or, for non-streaming answers, bodies) sent so far.
    pub events_sent: usize,
    pub outcome: Outcome,
}

impl RecordedRequest {
    pub fn has_authorization(&self) -> bool {
        self.authorization.is_some()
    }

    /// The bearer token, if the `authorization` header carried one.
    pub fn bearer(&self) -> Option<&str> {
        self.authorization
            .as_deref()
            .and_then(|value| value.strip_prefix("Bearer "))
    }

    pub fn hung_up(&self) -> bool {
        self.outcome == Outcome::HungUp
    }

    pub fn completed(&self) -> bool {
        self.outcome == Outcome::Completed
    }

    pub fn finished(&self) -> bool {
        self.outcome != Outcome::InProgress
    }

    /// Whether the request asked for a stream.
    pub fn stream(&self) -> bool {
        self.body.get("stream").and_then(Value::as_bool) == Some(true)
    }

    /// How long the answer took, once finished.
    pub fn duration(&self) -> Option<Duration> {
        self.finished_at?.duration_since(self.received_at).ok()
    }
}

/// Every request received, with a change counter so waiters wake on updates.
pub(crate) struct Journal {
    requests: Mutex<Vec<RecordedRequest>>,
    next_seq: std::sync::atomic::AtomicUsize,
    changes: watch::Sender<u64>,
}

impl Journal {
    pub(crate) fn new() -> Self {
        Self {
            requests: Mutex::new(Vec::new()),
            next_seq: std::sync::atomic::AtomicUsize::new(0),
            changes: watch::Sender::new(0),
        }
    }

    /// The journal stays usable even if a holder of the lock panicked.
    fn lock(&self) -> MutexGuard<'_, Vec<RecordedRequest>> {
        self.requests.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn changed(&self) {
        self.changes
            .send_modify(|count| *count = count.wrapping_add(1));
    }

    pub(crate) fn snapshot(&self) -> Vec<RecordedRequest> {
        self.lock().clone()
    }

    pub(crate) fn clear(&self) {
        self.lock().clear();
        self.changed();
    }

    pub(crate) fn subscribe(&self) -> watch::Receiver<u64> {
        self.changes.subscribe()
    }

    /// Records a new request and answers the tracker of its answer.
    pub(crate) fn record(self: &Arc<Self>, mut request: RecordedRequest) -> Tracker {
        let seq = self
            .next_seq
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        request.seq = seq;
        self.lock().push(request);
        self.changed();
        Tracker {
            journal: Arc::clone(self),
            seq,
            finished: false,
        }
    }

    fn update(&self, seq: usize, change: impl FnOnce(&mut RecordedRequest)) {
        // Trackers name their request by number, not position, because
        // `clear` may have emptied the journal since.
        if let Some(request) = self.lock().iter_mut().rev().find(|r| r.seq == seq) {
            change(request);
        }
        self.changed();
    }
}

/// Follows one answer; see the module documentation.
pub(crate) struct Tracker {
    journal: Arc<Journal>,
    seq: usize,
    finished: bool,
}

impl Tracker {
    pub(crate) fn event_sent(&self) {
        self.journal
            .update(self.seq, |request| request.events_sent += 1);
    }

    pub(crate) fn finish(&mut self, outcome: Outcome) {
        if self.finished {
            return;
        }
        self.finished = true;
        self.journal.update(self.seq, |request| {
            request.outcome = outcome;
            request.finished_at = Some(SystemTime::now());
        });
    }
}

impl Drop for Tracker {
    fn drop(&mut self) {
        self.finish(Outcome::HungUp);
    }
}
