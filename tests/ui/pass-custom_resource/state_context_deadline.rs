//! `#[lambda(custom_resource, init = ...)]`: a `CustomResourceRequest`
//! with warm state, the context and the deadline (whose budget keeps time
//! back to send the response), answering a new physical id.

#![deny(warnings)]

use std::sync::Mutex;

use lambda_fn::custom_resource::{CustomResourceRequest, RequestType, Resource};
use lambda_fn::{Context, Deadline, lambda};

/// The physical ids created. The hook, which local mode runs after the
/// event, checks that the request was answered.
#[derive(Default)]
struct Created(Mutex<Vec<String>>);

fn created() -> Created {
    Created::default()
}

async fn one_created(created: &Created) {
    assert_eq!(*created.0.lock().unwrap(), ["registry-orders"]);
}

#[lambda(custom_resource, init = created, shutdown = one_created)]
async fn provide(
    request: CustomResourceRequest,
    created: &Created,
    ctx: &Context,
    deadline: &Deadline,
) -> Result<Resource, lambda_fn::Error> {
    assert!(!ctx.request_id.is_empty());
    assert!(deadline.remaining().is_some());
    let name = request.resource_properties["Name"]
        .as_str()
        .ok_or("the resource has no Name")?;
    let id = match request.request_type {
        RequestType::Create => format!("registry-{name}"),
        _ => return Ok(Resource::of(&request)),
    };
    created.0.lock().unwrap().push(id.clone());
    Ok(Resource::new(id).with_data("Name", name))
}
