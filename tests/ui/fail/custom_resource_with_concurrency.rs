use lambda_fn::custom_resource::{CustomResourceRequest, Resource};
use lambda_fn::lambda;

#[lambda(custom_resource, concurrency = 2)]
async fn handler(request: CustomResourceRequest) -> Result<Resource, lambda_fn::Error> {
    Ok(Resource::of(&request))
}
