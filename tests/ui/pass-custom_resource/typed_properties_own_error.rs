//! `#[lambda(custom_resource)]` decoding the properties as its own type
//! (`properties::<T>()`, every value a string as CloudFormation sends it)
//! with an error type of its own, answering `NoEcho` data.

#![deny(warnings)]

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};

use lambda_fn::custom_resource::{CustomResourceRequest, InvalidProperties, Resource};
use lambda_fn::lambda;
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Queue {
    name: String,
    shards: String,
}

#[derive(Debug)]
enum QueueError {
    Properties(InvalidProperties),
    Shards(String),
}

impl fmt::Display for QueueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QueueError::Properties(err) => write!(f, "{err}"),
            QueueError::Shards(shards) => write!(f, "Shards is not a number: {shards:?}"),
        }
    }
}

impl std::error::Error for QueueError {}

impl From<InvalidProperties> for QueueError {
    fn from(err: InvalidProperties) -> Self {
        QueueError::Properties(err)
    }
}

/// A handler's error is sent to CloudFormation as `FAILED` and the
/// invocation still succeeds: the hook checks that the handler answered.
static ANSWERED: AtomicBool = AtomicBool::new(false);

fn answered() {
    assert!(
        ANSWERED.load(Ordering::SeqCst),
        "the request was not answered"
    );
}

#[lambda(custom_resource, shutdown = answered)]
async fn provide(request: CustomResourceRequest) -> Result<Resource, QueueError> {
    let queue: Queue = request.properties()?;
    let shards: u32 = queue
        .shards
        .parse()
        .map_err(|_| QueueError::Shards(queue.shards.clone()))?;
    assert_eq!(request.old_properties::<Queue>()?.map(|old| old.name), None);
    ANSWERED.store(true, Ordering::SeqCst);
    Ok(Resource::new(format!("queue-{}", queue.name))
        .with_data("Shards", shards)
        .with_data("Password", "hunter2")
        .no_echo())
}
