use lambda_fn::authorizer::Decision;
use lambda_fn::lambda;

#[lambda(authorizer)]
async fn handler(request: serde_json::Value) -> Result<Decision, lambda_fn::Error> {
    let _ = request;
    Ok(Decision::deny())
}
