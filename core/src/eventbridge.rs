//! The `eventbridge` trigger (in progress).
