//! `#[lambda(kinesis)]` with the record data as raw bytes, in a wrapper.

#![deny(warnings)]

use lambda_fn::kinesis::KinesisRecord;
use lambda_fn::{Deadline, lambda};

#[lambda(kinesis)]
async fn store(record: KinesisRecord<Vec<u8>>, deadline: &Deadline) -> Result<(), lambda_fn::Error> {
    assert!(!record.sequence_number.is_empty());
    let _ = (record.data.len(), deadline.remaining());
    Ok(())
}
