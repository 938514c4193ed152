//! `#[lambda(kinesis, batch)]` with every record's data as raw bytes.

#![deny(warnings)]

use lambda_fn::{Deadline, lambda};

#[lambda(kinesis, batch)]
async fn store(data: Vec<Vec<u8>>, deadline: &Deadline) -> Vec<Result<(), lambda_fn::Error>> {
    let _ = deadline.remaining();
    data.iter()
        .map(|bytes| {
            assert!(!bytes.is_empty());
            Ok(())
        })
        .collect()
}
