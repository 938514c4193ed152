use lambda_fn::custom_resource::Resource;
use lambda_fn::lambda;

#[lambda(custom_resource)]
async fn handler(request: serde_json::Value) -> Result<Resource, lambda_fn::Error> {
    let _ = request;
    Ok(Resource::new("id"))
}
