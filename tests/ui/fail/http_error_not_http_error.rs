use lambda_fn::http::Request;
use lambda_fn::lambda;

#[derive(Debug)]
struct Missing;

impl std::fmt::Display for Missing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("missing")
    }
}

impl std::error::Error for Missing {}

#[lambda(http)]
async fn handler(req: Request) -> Result<String, Missing> {
    let _ = req;
    Err(Missing)
}
