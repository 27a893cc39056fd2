//! What the chat tests share: a sink that collects a reply's events.

use std::sync::{Arc, Mutex};

use native_app::ChatSink;
use native_core::ChatEvent;

/// Collects a reply's events, as the UI's channel would.
#[derive(Default, Clone)]
pub struct Events(Arc<Mutex<Vec<ChatEvent>>>);

impl ChatSink for Events {
    fn send(&self, event: ChatEvent) {
        self.0.lock().expect("events").push(event);
    }
}

impl Events {
    pub fn all(&self) -> Vec<ChatEvent> {
        self.0.lock().expect("events").clone()
    }

    pub fn text(&self) -> String {
        self.all()
            .into_iter()
            .filter_map(|e| match e {
                ChatEvent::Delta { text } => Some(text),
                _ => None,
            })
            .collect()
    }
}
