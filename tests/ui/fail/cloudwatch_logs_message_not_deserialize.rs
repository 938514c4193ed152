use lambda_fn::cloudwatch_logs::LogEvent;
use lambda_fn::lambda;

struct Line {
    level: String,
}

#[lambda(cloudwatch_logs)]
async fn handler(event: LogEvent<Line>) -> Result<(), lambda_fn::Error> {
    let _ = event.message.level;
    Ok(())
}
