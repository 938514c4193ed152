//! `#[lambda(custom_resource)]`: a `CustomResourceRequest` (its type, its
//! logical id, no physical id yet on a `Create`) answered with
//! `Resource::of` the request and data attributes.

#![deny(warnings)]

use std::sync::atomic::{AtomicBool, Ordering};

use lambda_fn::custom_resource::{CustomResourceRequest, RequestType, Resource};
use lambda_fn::lambda;

/// A handler's error or panic is sent to CloudFormation as `FAILED` and
/// the invocation still succeeds: the hook checks that the handler
/// answered.
static ANSWERED: AtomicBool = AtomicBool::new(false);

fn answered() {
    assert!(
        ANSWERED.load(Ordering::SeqCst),
        "the request was not answered"
    );
}

#[lambda(custom_resource, shutdown = answered)]
async fn provide(request: CustomResourceRequest) -> Result<Resource, lambda_fn::Error> {
    assert_eq!(request.request_type, RequestType::Create);
    assert_eq!(request.logical_resource_id, "OrdersQueue");
    assert_eq!(request.resource_type, "Custom::Registry");
    assert_eq!(request.physical_resource_id, None);
    assert_eq!(request.old_resource_properties, None);
    assert!(request.service_token.is_some());
    let resource = Resource::of(&request)
        .with_data("Name", request.resource_properties["Name"].clone())
        .with_data("Stack", request.stack_id.as_str());
    assert_eq!(resource.physical_resource_id(), "OrdersQueue");
    ANSWERED.store(true, Ordering::SeqCst);
    Ok(resource)
}
