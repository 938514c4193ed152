//! Nothing requires the handler's future to be `Send` or the warm state to
//! be `Sync`: the handler runs on the invocation's own task. Here an `Rc`
//! is held across an `.await` and the state is a `RefCell`.

#![deny(warnings)]

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use lambda_fn::lambda;

fn counter() -> RefCell<u64> {
    RefCell::new(0)
}

#[lambda(init = counter, flavor = "multi_thread")]
async fn handler(
    event: serde_json::Value,
    served: &RefCell<u64>,
) -> Result<serde_json::Value, lambda_fn::Error> {
    let event = Rc::new(event);
    tokio::time::sleep(Duration::from_millis(1)).await;
    *served.borrow_mut() += 1;
    Ok(serde_json::json!({ "event": *event, "served": *served.borrow() }))
}
