//! The `schedule` trigger (in progress).
