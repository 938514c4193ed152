//! The `dynamodb` trigger (in progress).
