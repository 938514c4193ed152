//! Misuses of warm state, `init` and `shutdown`, each in a module of its own
//! on the same handler: one error for each, at the user's own token.
#![allow(dead_code)]

use lambda_fn::lambda;

struct Clients;

fn main() {}

mod init_called {
    use super::{Clients, lambda};

    fn connect() -> Clients {
        Clients
    }

    #[lambda(init = connect())]
    async fn handler(
        event: serde_json::Value,
        clients: &Clients,
    ) -> Result<serde_json::Value, lambda_fn::Error> {
        let _ = clients;
        Ok(event)
    }
}

mod init_not_found {
    use super::{Clients, lambda};

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
}

mod init_takes_arguments {
    use super::{Clients, lambda};

    fn connect(url: &str) -> Clients {
        let _ = url;
        Clients
    }

    #[lambda(init = connect)]
    async fn handler(
        event: serde_json::Value,
        clients: &Clients,
    ) -> Result<serde_json::Value, lambda_fn::Error> {
        let _ = clients;
        Ok(event)
    }
}

mod init_returns_other_state {
    use super::{Clients, lambda};

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
}

mod init_error_not_reportable {
    use super::{Clients, lambda};

    struct NotAnError;

    fn connect() -> Result<Clients, NotAnError> {
        Ok(Clients)
    }

    #[lambda(init = connect)]
    async fn handler(
        event: serde_json::Value,
        clients: &Clients,
    ) -> Result<serde_json::Value, lambda_fn::Error> {
        let _ = clients;
        Ok(event)
    }
}

mod shutdown_wrong_signature {
    use super::{Clients, lambda};

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
}

mod state_without_init {
    use super::{Clients, lambda};

    #[lambda]
    async fn handler(
        event: serde_json::Value,
        clients: &Clients,
    ) -> Result<serde_json::Value, lambda_fn::Error> {
        let _ = clients;
        Ok(event)
    }
}
