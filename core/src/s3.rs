//! The `s3` trigger (in progress).
