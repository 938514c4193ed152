//! `#[lambda(mq)]` with each message's data as raw bytes, and the deadline.

#![deny(warnings)]

use lambda_fn::{Deadline, lambda};

#[lambda(mq)]
async fn handle(data: Vec<u8>, deadline: &Deadline) -> Result<(), lambda_fn::Error> {
    assert!(data.starts_with(b"{\"id\": "));
    assert!(deadline.remaining().is_some());
    Ok(())
}
