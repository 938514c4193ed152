//! End to end: the `dynamodb` example (in progress).
