//! The facade against the testkit stack, without a window.

mod info;
