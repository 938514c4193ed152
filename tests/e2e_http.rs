//! End to end: the `http-api` example (in progress).
