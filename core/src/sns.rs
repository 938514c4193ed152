//! The `sns` trigger (in progress).
