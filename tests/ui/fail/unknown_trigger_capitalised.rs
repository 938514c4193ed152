use lambda_fn::lambda;

#[lambda(Http)]
async fn handler(req: lambda_fn::http::Request) -> Result<String, lambda_fn::Error> {
    Ok(req.uri().to_string())
}
