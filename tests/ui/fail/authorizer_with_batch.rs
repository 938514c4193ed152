use lambda_fn::authorizer::{AuthorizerRequest, Decision};
use lambda_fn::lambda;

#[lambda(authorizer, batch)]
async fn handler(requests: Vec<AuthorizerRequest>) -> Vec<Result<Decision, lambda_fn::Error>> {
    requests.iter().map(|_| Ok(Decision::deny())).collect()
}
