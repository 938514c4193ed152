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
    /// One call with a payload whose type picks the trigger's variant
    /// (`cognito`: the request of the user pool trigger it handles), one of
    /// `requests` as written. The generated code names `Source<Payload>`,
    /// which implements `Fixed`.
    Hook { requests: &'static [&'static str] },
}

/// What a trigger's handler answers for each record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Returns {
    /// `Result<(), E>`: the answer is built from which records failed.
    Nothing,
    /// `Result<R, E>`: the record's result, which the answer carries. `R`
    /// is encoded as a body is decoded: any `T: Serialize` as JSON,
    /// `String`/`Vec<u8>` as they are, or the wrapper `wrapper<T>` around
    /// one when the trigger has one (`Transformed<T>`); `()` is an empty
    /// result when `unit` allows it, and otherwise refused with its reason.
    /// The module implements `WithOutput`.
    Record {
        wrapper: Option<&'static str>,
        unit: Result<(), &'static str>,
    },
    /// `Result<ty, E>`: one fixed type (an authorizer's `Decision`). The
    /// module implements `Answers`.
    Fixed { ty: &'static str },
    /// `Result<R, E>` where `R` goes with the payload type (`Form::Hook`),
    /// checked by the module's `Respond<Payload, E>`; it implements
    /// `Answers` for `Source<Payload>`.
    Hook,
}

/// One trigger keyword.
#[derive(Debug)]
pub struct Spec {
    /// The keyword, which is also the name of its module and cargo feature.
    pub name: &'static str,
    pub form: Form,
    /// What the handler answers for each record.
    pub returns: Returns,
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
        returns: Returns::Nothing,
        concurrency: Ok(()),
        batch: Ok(()),
    },
    Spec {
        name: "sns",
        form: Form::Body {
            wrapper: "SnsRecord",
            raw: true,
        },
        returns: Returns::Nothing,
        concurrency: Ok(()),
        batch: Ok(()),
    },
    Spec {
        name: "s3",
        form: Form::Fixed {
            ty: "S3Object",
            optional: false,
        },
        returns: Returns::Nothing,
        concurrency: Ok(()),
        batch: Ok(()),
    },
    Spec {
        name: "kinesis",
        form: Form::Body {
            wrapper: "KinesisRecord",
            raw: true,
        },
        returns: Returns::Nothing,
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
        returns: Returns::Nothing,
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
        returns: Returns::Nothing,
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
        returns: Returns::Nothing,
        concurrency: Err(
            "a scheduled invocation carries one event, so `concurrency` does not apply: remove it",
        ),
        batch: Err(
            "a scheduled invocation carries one event, so `batch` does not apply: remove it",
        ),
    },
    Spec {
        name: "kafka",
        form: Form::Body {
            wrapper: "KafkaRecord",
            raw: true,
        },
        returns: Returns::Nothing,
        concurrency: Ok(()),
        batch: Ok(()),
    },
    Spec {
        name: "mq",
        form: Form::Body {
            wrapper: "MqMessage",
            raw: true,
        },
        returns: Returns::Nothing,
        concurrency: Ok(()),
        batch: Ok(()),
    },
    Spec {
        name: "firehose",
        form: Form::Body {
            wrapper: "FirehoseRecord",
            raw: true,
        },
        returns: Returns::Record {
            wrapper: Some("Transformed"),
            unit: Err(
                "a Firehose handler answers the transformed record, which Firehose delivers: return `Result<T, E>` with `T: Serialize` (written as JSON), `String` or `Vec<u8>`, or `Result<Transformed<T>, E>` to drop records or give them partition keys",
            ),
        },
        concurrency: Ok(()),
        batch: Err(
            "a Firehose handler answers each record with its transformed data, so `batch` does not apply: remove it and use `concurrency` to run records at once",
        ),
    },
    Spec {
        name: "cloudwatch_logs",
        form: Form::Body {
            wrapper: "LogEvent",
            raw: true,
        },
        returns: Returns::Nothing,
        concurrency: Ok(()),
        batch: Ok(()),
    },
    Spec {
        name: "s3_batch",
        form: Form::Fixed {
            ty: "S3BatchTask",
            optional: false,
        },
        returns: Returns::Record {
            wrapper: None,
            unit: Ok(()),
        },
        concurrency: Ok(()),
        batch: Err(
            "an S3 Batch Operations handler answers each task with its result string, so `batch` does not apply: remove it",
        ),
    },
    Spec {
        name: "authorizer",
        form: Form::Fixed {
            ty: "AuthorizerRequest",
            optional: false,
        },
        returns: Returns::Fixed { ty: "Decision" },
        concurrency: Err(
            "an authorizer invocation carries one request, so `concurrency` does not apply: remove it",
        ),
        batch: Err(
            "an authorizer invocation carries one request, so `batch` does not apply: remove it",
        ),
    },
    Spec {
        name: "cognito",
        form: Form::Hook {
            requests: &[
                "PreSignUpRequest",
                "PostConfirmationRequest",
                "PreAuthenticationRequest",
                "PostAuthenticationRequest",
                "PreTokenGenerationRequest",
                "PreTokenGenerationV2Request",
                "CustomMessageRequest",
                "DefineAuthChallengeRequest",
                "CreateAuthChallengeRequest",
                "VerifyAuthChallengeRequest",
                "MigrateUserRequest",
            ],
        },
        returns: Returns::Hook,
        concurrency: Err(
            "a Cognito trigger invocation carries one request, so `concurrency` does not apply: remove it",
        ),
        batch: Err(
            "a Cognito trigger invocation carries one request, so `batch` does not apply: remove it",
        ),
    },
    Spec {
        name: "bedrock_agent",
        form: Form::Fixed {
            ty: "AgentAction",
            optional: false,
        },
        returns: Returns::Record {
            wrapper: Some("ActionResult"),
            unit: Err(
                "a Bedrock agent action answers the agent with a result body: return `Result<T, E>` with `T: Serialize` (written as JSON) or `String`, or `Result<ActionResult<T>, E>` to set session attributes or ask the agent to re-prompt",
            ),
        },
        concurrency: Err(
            "a Bedrock agent invocation carries one action, so `concurrency` does not apply: remove it",
        ),
        batch: Err(
            "a Bedrock agent invocation carries one action, so `batch` does not apply: remove it",
        ),
    },
    Spec {
        name: "custom_resource",
        form: Form::Fixed {
            ty: "CustomResourceRequest",
            optional: false,
        },
        returns: Returns::Fixed { ty: "Resource" },
        concurrency: Err(
            "a CloudFormation custom resource invocation carries one request, so `concurrency` does not apply: remove it",
        ),
        batch: Err(
            "a CloudFormation custom resource invocation carries one request, so `batch` does not apply: remove it",
        ),
    },
    Spec {
        name: "http",
        form: Form::Http,
        returns: Returns::Nothing,
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
