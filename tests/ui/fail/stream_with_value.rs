use lambda_fn::http::{Body, Request, Response};
use lambda_fn::lambda;

#[lambda(http, stream = true)]
async fn handler(request: Request) -> Result<Response<Body>, lambda_fn::Error> {
    let _ = request;
    Ok(Response::new(Body::Empty))
}
