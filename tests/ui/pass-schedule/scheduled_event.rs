//! `#[lambda(schedule)]` taking the scheduled event itself.

#![deny(warnings)]

use lambda_fn::lambda;
use lambda_fn::schedule::ScheduledEvent;

#[lambda(schedule)]
async fn tick(event: ScheduledEvent) -> Result<(), lambda_fn::Error> {
    assert!(event.rule().is_some());
    Ok(())
}
