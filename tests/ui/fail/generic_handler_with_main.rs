use lambda_fn::lambda;
use serde::de::DeserializeOwned;

#[lambda]
async fn handler<T: DeserializeOwned>(event: T) -> Result<(), lambda_fn::Error> {
    let _ = event;
    Ok(())
}

fn main() {}
