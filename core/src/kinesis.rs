//! The `kinesis` trigger (in progress).
