//! `sqs-b1`: the typed SQS function hand-written the way lambda_runtime's README
//! shows: `#[tokio::main]` and `run(service_fn(..))` (variant b1).

mod hand;

use lambda_runtime::{Error, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_fn_bench::init_logging();
    lambda_runtime::run(service_fn(hand::orders)).await
}
