//! What the macro knows of each trigger. Everything else about a trigger is
//! in its module of the `lambda-fn` crate (`core/src/<module>.rs`), which
//! the generated code names as `__private::<module>`.

/// How a trigger's records become the handler's payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Payload {
    /// A body decoded into any `T` (JSON), or raw as `String`/`Vec<u8>`
    /// when `raw` allows it; or the trigger's record wrapper `Wrapper<T>`.
    Body { wrapper: &'static str, raw: bool },
    /// One fixed type of the trigger's module (S3's `S3Object`).
    Fixed { ty: &'static str },
}

/// A trigger keyword.
#[derive(Clone, Copy, Debug)]
pub struct Spec {
    /// The keyword, which is also the module's name.
    pub name: &'static str,
    /// The type implementing `Trigger` in the module.
    pub trigger_type: &'static str,
    pub payload: Payload,
    /// Whether `concurrency` applies; when not, why not.
    pub concurrency: Result<(), &'static str>,
    /// Whether the handler may take no payload at all.
    pub payload_optional: bool,
}

pub const SPECS: &[Spec] = &[
    Spec {
        name: "sqs",
        trigger_type: "Sqs",
        payload: Payload::Body {
            wrapper: "SqsRecord",
            raw: true,
        },
        concurrency: Ok(()),
        payload_optional: false,
    },
    Spec {
        name: "sns",
        trigger_type: "Sns",
        payload: Payload::Body {
            wrapper: "SnsRecord",
            raw: true,
        },
        concurrency: Ok(()),
        payload_optional: false,
    },
    Spec {
        name: "s3",
        trigger_type: "S3",
        payload: Payload::Fixed { ty: "S3Object" },
        concurrency: Ok(()),
        payload_optional: false,
    },
    Spec {
        name: "kinesis",
        trigger_type: "Kinesis",
        payload: Payload::Body {
            wrapper: "KinesisRecord",
            raw: true,
        },
        concurrency: Err(
            "Kinesis records are processed in order, one at a time, so that a failure stops the shard at the right record; `concurrency` does not apply: remove it",
        ),
        payload_optional: false,
    },
    Spec {
        name: "dynamodb",
        trigger_type: "DynamoDb",
        payload: Payload::Body {
            wrapper: "DynamoDbRecord",
            raw: false,
        },
        concurrency: Err(
            "DynamoDB stream records are processed in order, one at a time, so that a failure stops the shard at the right record; `concurrency` does not apply: remove it",
        ),
        payload_optional: false,
    },
    Spec {
        name: "eventbridge",
        trigger_type: "EventBridge",
        payload: Payload::Body {
            wrapper: "EventBridgeRecord",
            raw: false,
        },
        concurrency: Err(
            "an EventBridge invocation carries one event, so `concurrency` does not apply: remove it",
        ),
        payload_optional: false,
    },
    Spec {
        name: "schedule",
        trigger_type: "Schedule",
        payload: Payload::Fixed {
            ty: "ScheduledEvent",
        },
        concurrency: Err(
            "a scheduled invocation carries one event, so `concurrency` does not apply: remove it",
        ),
        payload_optional: true,
    },
    Spec {
        name: "http",
        trigger_type: "Http",
        payload: Payload::Fixed { ty: "Request" },
        concurrency: Err(
            "an HTTP invocation carries one request, so `concurrency` does not apply: remove it",
        ),
        payload_optional: false,
    },
];

/// The spec of a trigger keyword that has one.
pub fn spec(name: &str) -> Option<&'static Spec> {
    SPECS.iter().find(|spec| spec.name == name)
}
