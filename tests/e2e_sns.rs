//! End to end: the `sns` example (in progress).
