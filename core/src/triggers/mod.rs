//! The triggers: one module per `#[lambda(<keyword>)]`, named as the
//! keyword, each behind the cargo feature of that name. A module defines
//! `Source`, which implements the trigger contract of `crate::trigger`
//! (`Trigger`, plus `WithBody` or `Fixed`), and the public types its
//! handlers take (`SqsRecord`, `S3Object`...). The macro's side of a trigger
//! is its row in `macros/src/trigger.rs`. See `CONTRIBUTING.md`, "Adding a
//! trigger".

#[cfg(feature = "dynamodb")]
pub mod dynamodb;
#[cfg(feature = "eventbridge")]
pub mod eventbridge;
#[cfg(feature = "http")]
pub mod http;
#[cfg(feature = "kinesis")]
pub mod kinesis;
#[cfg(feature = "s3")]
pub mod s3;
#[cfg(feature = "schedule")]
pub mod schedule;
#[cfg(feature = "sns")]
pub mod sns;
#[cfg(feature = "sqs")]
pub mod sqs;
