//! End to end: the `schedule` example (in progress).
