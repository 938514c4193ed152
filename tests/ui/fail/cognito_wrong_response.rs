use lambda_fn::cognito::{PostConfirmationResponse, PreSignUpRequest};
use lambda_fn::lambda;

#[lambda(cognito)]
async fn handler(request: PreSignUpRequest) -> Result<PostConfirmationResponse, lambda_fn::Error> {
    let _ = request;
    Ok(PostConfirmationResponse::default())
}
