use lambda_fn::authorizer::AuthorizerRequest;
use lambda_fn::lambda;

#[lambda(authorizer)]
async fn handler(request: AuthorizerRequest) -> Result<bool, lambda_fn::Error> {
    Ok(request.bearer_token() == Some("let-me-in"))
}
