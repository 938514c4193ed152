use lambda_fn::http::Request;
use lambda_fn::lambda;

struct Page;

#[lambda(http)]
async fn handler(req: Request) -> Result<Page, lambda_fn::Error> {
    let _ = req;
    Ok(Page)
}
