use lambda_fn::lambda;

struct Clients;

fn connect() -> Clients {
    Clients
}

#[lambda(init = conect)]
async fn handler(
    event: serde_json::Value,
    clients: &Clients,
) -> Result<serde_json::Value, lambda_fn::Error> {
    let _ = clients;
    Ok(event)
}
