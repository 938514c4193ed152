use lambda_fn::cognito::PreSignUpResponse;
use lambda_fn::lambda;

#[lambda(cognito)]
async fn handler(request: String) -> Result<PreSignUpResponse, lambda_fn::Error> {
    let _ = request;
    Ok(PreSignUpResponse::default())
}
