//! The trigger table: one row per `#[lambda(<keyword>)]`, saying how that
//! keyword's handler is shaped. Everything else about a trigger is its
//! module `core/src/triggers/<keyword>.rs`, whose `Source` type implements
//! the trigger contract; the generated code names it as
//! `__private::<keyword>::Source` and reaches it only through the
//! contract's traits (`WithBody`, `Fixed`), so a row whose module does not
//! fit fails to compile at the first pass case of that keyword. See
//! `CONTRIBUTING.md`, "Adding a trigger".

/// How a trigger's handler takes its payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Form {
    /// One call per record with its body, which the handler types: any
    /// `T: Deserialize` (JSON), `String`/`Vec<u8>` as they are when `raw`,
    /// or the record wrapper `wrapper<T>` (`SqsRecord<T>`) for the metadata
    /// too. The module implements `WithBody`.
    Body { wrapper: &'static str, raw: bool },
    /// One call per record with one fixed type (`S3Object`), which may be
    /// left out when `optional`. The module implements `Fixed`.
    Fixed { ty: &'static str, optional: bool },
    /// `#[lambda(http)]`: an `async fn(req: Request, ...)`, or a function
    /// without parameters that builds a tower service once.
    Http,
}

/// One trigger keyword.
#[derive(Debug)]
pub struct Spec {
    /// The keyword, which is also the name of its module and cargo feature.
    pub name: &'static str,
    pub form: Form,
    /// Whether `concurrency` applies; when not, why not.
    pub concurrency: Result<(), &'static str>,
    /// Whether the batch form (`batch`: every record in one call) applies;
    /// when not, why not.
    pub batch: Result<(), &'static str>,
}

/// The triggers, in the order the README lists them.
pub const SPECS: &[Spec] = &[
    Spec {
        name: "sqs",
        form: Form::Body {
            wrapper: "SqsRecord",
            raw: true,
        },
        concurrency: Ok(()),
        batch: Ok(()),
    },
    Spec {
        name: "sns",
        form: Form::Body {
            wrapper: "SnsRecord",
            raw: true,
        },
        concurrency: Ok(()),
        batch: Ok(()),
    },
    Spec {
        name: "s3",
        form: Form::Fixed {
            ty: "S3Object",
            optional: false,
        },
        concurrency: Ok(()),
        batch: Ok(()),
    },
    Spec {
        name: "kinesis",
        form: Form::Body {
            wrapper: "KinesisRecord",
            raw: true,
        },
        concurrency: Err(
            "Kinesis records are processed in order, one at a time, so that a failure stops the shard at the right record; `concurrency` does not apply: remove it",
        ),
        batch: Ok(()),
    },
    Spec {
        name: "dynamodb",
        form: Form::Body {
            wrapper: "DynamoDbRecord",
            raw: false,
        },
        concurrency: Err(
            "DynamoDB stream records are processed in order, one at a time, so that a failure stops the shard at the right record; `concurrency` does not apply: remove it",
        ),
        batch: Ok(()),
    },
    Spec {
        name: "eventbridge",
        form: Form::Body {
            wrapper: "EventBridgeRecord",
            raw: false,
        },
        concurrency: Err(
            "an EventBridge invocation carries one event, so `concurrency` does not apply: remove it",
        ),
        batch: Err(
            "an EventBridge invocation carries one event, so `batch` does not apply: remove it",
        ),
    },
    Spec {
        name: "schedule",
        form: Form::Fixed {
            ty: "ScheduledEvent",
            optional: true,
        },
        concurrency: Err(
            "a scheduled invocation carries one event, so `concurrency` does not apply: remove it",
        ),
        batch: Err(
            "a scheduled invocation carries one event, so `batch` does not apply: remove it",
        ),
    },
    Spec {
        name: "http",
        form: Form::Http,
        concurrency: Err(
            "an HTTP invocation carries one request, so `concurrency` does not apply: remove it",
        ),
        batch: Err("an HTTP invocation carries one request, so `batch` does not apply: remove it"),
    },
];

/// The keywords of [`SPECS`], for suggestions and lists in messages.
pub const KEYWORDS: [&str; SPECS.len()] = {
    let mut keywords = [""; SPECS.len()];
    let mut at = 0;
    while at < SPECS.len() {
        keywords[at] = SPECS[at].name;
        at += 1;
    }
    keywords
};

/// The row of a keyword.
pub fn spec(name: &str) -> Option<&'static Spec> {
    SPECS.iter().find(|spec| spec.name == name)
}

impl Spec {
    /// Whether the handler may take no payload at all.
    pub fn payload_optional(&self) -> bool {
        matches!(self.form, Form::Fixed { optional: true, .. })
    }
}
