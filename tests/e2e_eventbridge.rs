//! End to end: the `eventbridge` example (in progress).
