use lambda_fn::lambda;

struct Clients;

fn connect() -> Clients {
    Clients
}

#[lambda(init = connect)]
async fn handler(event: serde_json::Value) -> Result<serde_json::Value, lambda_fn::Error> {
    Ok(event)
}
