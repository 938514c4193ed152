use lambda_fn::custom_resource::CustomResourceRequest;
use lambda_fn::lambda;

#[lambda(custom_resource)]
async fn handler(request: CustomResourceRequest) -> Result<(), lambda_fn::Error> {
    let _ = request;
    Ok(())
}
