//! End to end: the `kinesis` example (in progress).
