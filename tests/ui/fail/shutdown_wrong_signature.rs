use lambda_fn::lambda;

struct Clients;

fn connect() -> Clients {
    Clients
}

fn close(clients: Clients) {
    let _ = clients;
}

#[lambda(init = connect, shutdown = close)]
async fn handler(
    event: serde_json::Value,
    clients: &Clients,
) -> Result<serde_json::Value, lambda_fn::Error> {
    let _ = clients;
    Ok(event)
}
