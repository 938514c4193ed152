use lambda_fn::custom_resource::Resource;
use lambda_fn::lambda;

#[lambda(custom_resource)]
async fn handler() -> Result<Resource, lambda_fn::Error> {
    Ok(Resource::new("registry-orders"))
}
