//! `custom-resource`: a CloudFormation custom resource `Custom::Registry`
//! whose resources are names kept in a registry built once per environment
//! (warm state).
//!
//! `Create` registers the resource's `Name` property under the physical id
//! `registry-<name>` and answers it as data (`Fn::GetAtt [R, Name]`, and
//! `Fn::GetAtt [R, Created]`, how many resources this environment has
//! created); `Update` renames it (a new name is a new physical id, which
//! CloudFormation treats as a replacement and deletes the old one);
//! `Delete` forgets it, and succeeds for a resource it never had. The name
//! `fail` is refused (`NameRefused`), which lambda-fn sends to
//! CloudFormation as `FAILED` with the error as the reason.
//! `CUSTOM_RESOURCE_WORK_MS` sets how long each request takes (0 by
//! default).
//!
//! lambda-fn PUTs the response to the request's `ResponseURL` itself. The
//! sample event's URL is the fixture's S3 one; to run it locally, point it
//! at a loopback listener (`http://127.0.0.1:<port>/...` may be plain
//! HTTP):
//!
//! ```text
//! $ cargo run -p lambda-fn-examples --bin custom-resource -- --event examples/events/custom-resource.json
//! {"Status":"SUCCESS","PhysicalResourceId":"registry-orders-table"}
//! ```

use std::collections::HashMap;
use std::fmt;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use lambda_fn::custom_resource::{CustomResourceRequest, RequestType, Resource};
use lambda_fn::lambda;
use serde::Deserialize;

/// The name `fail` is refused.
#[derive(Debug)]
pub struct NameRefused(String);

impl fmt::Display for NameRefused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the name {:?} is refused", self.0)
    }
}

impl std::error::Error for NameRefused {}

/// The resource's properties in the template (`ServiceToken` aside).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Properties {
    name: String,
}

/// Warm state: the registered names, and how long a request takes.
#[derive(Debug, Default)]
pub struct Registry {
    names: Mutex<Names>,
    work: Duration,
}

/// The names by physical id, and how many were created.
#[derive(Debug, Default)]
struct Names {
    by_id: HashMap<String, String>,
    created: u64,
}

impl Registry {
    /// The names; a handler that panicked holding them left them whole.
    fn names(&self) -> MutexGuard<'_, Names> {
        self.names.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn registry() -> Registry {
    let work_ms = std::env::var("CUSTOM_RESOURCE_WORK_MS")
        .ok()
        .and_then(|ms| ms.parse().ok())
        .unwrap_or(0);
    Registry {
        work: Duration::from_millis(work_ms),
        ..Registry::default()
    }
}

/// Creates, renames or forgets one registered name.
///
/// # Errors
///
/// Returns [`NameRefused`] for the name `fail`, and an error for properties
/// without a `Name`: each is sent to CloudFormation as `FAILED`.
#[lambda(custom_resource, init = registry)]
pub async fn custom_resource(
    request: CustomResourceRequest,
    registry: &Registry,
) -> Result<Resource, lambda_fn::Error> {
    tokio::time::sleep(registry.work).await;
    if request.request_type == RequestType::Delete {
        if let Some(id) = &request.physical_resource_id {
            registry.names().by_id.remove(id);
        }
        return Ok(Resource::of(&request));
    }
    let Properties { name } = request.properties()?;
    if name == "fail" {
        return Err(NameRefused(name).into());
    }
    let id = format!("registry-{name}");
    let created = {
        let mut names = registry.names();
        names.by_id.insert(id.clone(), name.clone());
        if request.request_type == RequestType::Create {
            names.created += 1;
        }
        names.created
    };
    Ok(Resource::new(id)
        .with_data("Name", name)
        .with_data("Created", created))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[tokio::test]
    async fn creates_renames_and_forgets() {
        let registry = registry();
        let create =
            CustomResourceRequest::new(RequestType::Create, "Names", json!({"Name": "orders"}));
        let created = custom_resource(create, &registry).await.unwrap();
        assert_eq!(created.physical_resource_id(), "registry-orders");
        assert_eq!(created.data()["Name"], "orders");
        assert_eq!(created.data()["Created"], 1);
        let update =
            CustomResourceRequest::new(RequestType::Update, "Names", json!({"Name": "invoices"}));
        let renamed = custom_resource(update, &registry).await.unwrap();
        assert_eq!(renamed.physical_resource_id(), "registry-invoices");
        let mut delete = CustomResourceRequest::new(RequestType::Delete, "Names", json!({}));
        delete.physical_resource_id = Some("registry-orders".to_owned());
        let deleted = custom_resource(delete, &registry).await.unwrap();
        assert_eq!(deleted.physical_resource_id(), "registry-orders");
        assert_eq!(
            registry.names().by_id.keys().collect::<Vec<_>>(),
            ["registry-invoices"]
        );
    }

    #[tokio::test]
    async fn the_name_fail_is_refused() {
        let create =
            CustomResourceRequest::new(RequestType::Create, "Names", json!({"Name": "fail"}));
        let err = custom_resource(create, &registry()).await.unwrap_err();
        assert_eq!(err.error_type(), "NameRefused");
        assert_eq!(err.to_string(), "the name \"fail\" is refused");
    }
}
