//! The triggers: one module per `#[lambda(<keyword>)]`, named as the
//! keyword, each behind the cargo feature of that name. A module defines
//! `Source`, which implements the trigger contract of `crate::trigger`
//! (`Trigger`, plus `WithBody` or `Fixed`), and the public types its
//! handlers take (`SqsRecord`, `S3Object`...). The macro's side of a trigger
//! is its row in `macros/src/trigger.rs`. See `CONTRIBUTING.md`, "Adding a
//! trigger".

#[cfg(feature = "authorizer")]
pub mod authorizer;
#[cfg(feature = "bedrock_agent")]
pub mod bedrock_agent;
#[cfg(feature = "cloudwatch_logs")]
pub mod cloudwatch_logs;
#[cfg(feature = "cognito")]
pub mod cognito;
#[cfg(feature = "custom_resource")]
pub mod custom_resource;
#[cfg(feature = "dynamodb")]
pub mod dynamodb;
#[cfg(feature = "eventbridge")]
pub mod eventbridge;
#[cfg(feature = "firehose")]
pub mod firehose;
#[cfg(feature = "http")]
pub mod http;
#[cfg(feature = "kafka")]
pub mod kafka;
#[cfg(feature = "kinesis")]
pub mod kinesis;
#[cfg(feature = "mq")]
pub mod mq;
#[cfg(feature = "s3")]
pub mod s3;
#[cfg(feature = "s3_batch")]
pub mod s3_batch;
#[cfg(feature = "schedule")]
pub mod schedule;
#[cfg(feature = "sns")]
pub mod sns;
#[cfg(feature = "sqs")]
pub mod sqs;
