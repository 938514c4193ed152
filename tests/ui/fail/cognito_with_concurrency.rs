use lambda_fn::cognito::{PreSignUpRequest, PreSignUpResponse};
use lambda_fn::lambda;

#[lambda(cognito, concurrency = 2)]
async fn handler(request: PreSignUpRequest) -> Result<PreSignUpResponse, lambda_fn::Error> {
    let _ = request;
    Ok(PreSignUpResponse::default())
}
