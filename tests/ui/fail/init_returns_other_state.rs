use lambda_fn::lambda;

struct Clients;
struct Config;

fn connect() -> Config {
    Config
}

#[lambda(init = connect)]
async fn handler(
    event: serde_json::Value,
    clients: &Clients,
) -> Result<serde_json::Value, lambda_fn::Error> {
    let _ = clients;
    Ok(event)
}
