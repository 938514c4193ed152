use lambda_fn::lambda;

struct Clients;
struct Config;

fn connect() -> Clients {
    Clients
}

#[lambda(init = connect)]
async fn handler(
    event: serde_json::Value,
    clients: &Clients,
    config: &Config,
) -> Result<serde_json::Value, lambda_fn::Error> {
    let _ = (clients, config);
    Ok(event)
}
