use lambda_fn::http::Request;
use lambda_fn::lambda;

#[lambda(http, stream)]
async fn handler(request: Request) -> Result<String, lambda_fn::Error> {
    let _ = request;
    Ok("not an http::Response".to_owned())
}
