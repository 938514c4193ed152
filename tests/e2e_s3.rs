//! End to end: the `s3` example (in progress).
