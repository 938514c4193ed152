use lambda_fn::custom_resource::{CustomResourceRequest, Resource};
use lambda_fn::lambda;

#[lambda(custom_resource, batch)]
async fn handler(requests: Vec<CustomResourceRequest>) -> Vec<Result<Resource, lambda_fn::Error>> {
    requests
        .iter()
        .map(|request| Ok(Resource::of(request)))
        .collect()
}
