use lambda_fn::lambda;

struct Deadline;

#[lambda]
async fn handler(
    event: serde_json::Value,
    deadline: &Deadline,
) -> Result<serde_json::Value, lambda_fn::Error> {
    let _ = deadline;
    Ok(event)
}
