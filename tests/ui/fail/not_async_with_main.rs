use lambda_fn::lambda;

#[lambda]
fn handler(event: serde_json::Value) -> Result<serde_json::Value, lambda_fn::Error> {
    Ok(event)
}

fn main() {}
