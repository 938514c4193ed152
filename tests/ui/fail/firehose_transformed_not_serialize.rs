use lambda_fn::firehose::Transformed;
use lambda_fn::lambda;

struct Line {
    text: String,
}

#[lambda(firehose)]
async fn handler(data: String) -> Result<Transformed<Line>, lambda_fn::Error> {
    Ok(Transformed::record(Line { text: data }))
}
