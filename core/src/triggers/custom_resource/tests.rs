use super::*;

use serde_json::json;

use crate::invocation::Invocation;
use crate::test_support::{Answer, assert_contains, assert_starts_with, bucket, call_within};
use crate::trigger::Batch;

const CREATE: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/example-cloudformation-custom-resource-create-request.json"
));
const UPDATE: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/example-cloudformation-custom-resource-update-request.json"
));
const DELETE: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/example-cloudformation-custom-resource-delete-request.json"
));

/// The local stand-in for the presigned URL, and the documents it got.
struct Bucket(bucket::Bucket);

impl Bucket {
    /// Answering `statuses`, then 200.
    async fn answering(statuses: &[u16]) -> Self {
        Self(bucket::Bucket::answering(statuses, 200).await)
    }

    async fn new() -> Self {
        Self::answering(&[]).await
    }

    /// `event` with its `ResponseURL` pointing here.
    fn event(&self, event: &str) -> Vec<u8> {
        let mut event: Value = serde_json::from_str(event).unwrap();
        event["ResponseURL"] = self.0.url().into();
        serde_json::to_vec(&event).unwrap()
    }

    /// `host:port`, as the `Host` header and messages write it.
    fn authority(&self) -> String {
        format!("127.0.0.1:{}", self.0.port())
    }

    fn puts(&self) -> Vec<Value> {
        self.0.puts().iter().map(bucket::Put::json).collect()
    }

    fn only_put(&self) -> Value {
        let puts = self.puts();
        assert_eq!(puts.len(), 1, "{puts:?}");
        puts[0].clone()
    }
}

/// `Name: fail` errs, `panic` panics, `slow` sleeps, `big` answers too much
/// data, `blank` an empty id; anything else is created as `res-<Name>`.
async fn serve(event: &[u8], budget: Option<Duration>) -> Answer {
    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct Props {
        #[serde(default)]
        name: Option<String>,
    }
    let adapter = Batch::<Source, _, _, _, crate::Error>::answering(
        async |request: CustomResourceRequest, _: &Invocation<'_, ()>| {
            if request.request_type == RequestType::Delete {
                return Ok(Resource::of(&request));
            }
            let props: Props = request.properties()?;
            match props.name.as_deref().unwrap_or("unnamed") {
                "fail" => Err(crate::Error::msg("the name fail is taken")),
                "panic" => panic!("boom"),
                "slow" => {
                    tokio::time::sleep(Duration::from_secs(60)).await;
                    Ok(Resource::new("late"))
                }
                "big" => Ok(Resource::new("res-big").with_data("Blob", "x".repeat(5000))),
                "blank" => Ok(Resource::new("")),
                name => Ok(Resource::new(format!("res-{name}"))
                    .with_data("Name", name)
                    .with_data("Kind", request.resource_type.clone())),
            }
        },
        <Source as Fixed>::payload,
        <Source as Answers>::keep,
        crate::IntoDiagnostic::into_diagnostic,
        1,
    );
    call_within(&adapter, event, budget).await
}

fn with_name(fixture: &str, name: &str) -> String {
    let mut event: Value = serde_json::from_str(fixture).unwrap();
    event["ResourceProperties"]["Name"] = name.into();
    event.to_string()
}

fn summary(answer: Answer) -> Value {
    serde_json::from_slice(&answer.expect("the response was delivered")).unwrap()
}

#[tokio::test]
async fn a_create_is_put_as_success_with_its_data() {
    let bucket = Bucket::new().await;
    let answer = serve(&bucket.event(&with_name(CREATE, "orders")), None).await;
    assert_eq!(
        summary(answer),
        json!({"Status": "SUCCESS", "PhysicalResourceId": "res-orders"})
    );
    assert_eq!(
        bucket.only_put(),
        json!({
            "Status": "SUCCESS",
            "PhysicalResourceId": "res-orders",
            "StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/stack-name/16580499-7622-4a9c-b32f-4eba35da93da",
            "RequestId": "82304eb2-bdda-469f-a33b-a3f1406d0a52",
            "LogicalResourceId": "CustomResource",
            "NoEcho": false,
            "Data": {"Name": "orders", "Kind": "Custom::MyCustomResourceType"}
        })
    );
    let puts = bucket.0.puts();
    let put = &puts[0];
    assert_eq!(put.method, "PUT");
    // The presigned URL's path and query, as they were.
    assert_eq!(
        put.target,
        "/cr-response-key?X-Amz-Signature=secret-signature"
    );
    // Present and empty: what the URL is signed for.
    assert_eq!(put.header("content-type"), Some(""));
    assert_eq!(put.header("host"), Some(bucket.authority().as_str()));
}

#[tokio::test]
async fn the_fixtures_decode() {
    let create = request_of(&serde_json::from_str(CREATE).unwrap()).unwrap();
    assert_eq!(create.request_type, RequestType::Create);
    assert_eq!(create.physical_resource_id, None);
    assert_eq!(create.resource_properties["Key3"]["Key4"], "map");
    assert_eq!(
        create.service_token.as_deref(),
        Some("arn:aws:lambda:eu-west-2:123456789012:function:custom-resource-handler")
    );
    assert_eq!(create.old_properties::<Value>(), Ok(None));
    let update = request_of(&serde_json::from_str(UPDATE).unwrap()).unwrap();
    assert_eq!(update.request_type, RequestType::Update);
    assert_eq!(
        update.physical_resource_id.as_deref(),
        Some("custom-resource-f4bd5382-3de3-4caf-b7ad-1be06b899647")
    );
    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "PascalCase")]
    struct Props {
        key1: String,
        key2: Vec<String>,
    }
    assert_eq!(
        update.old_properties::<Props>().unwrap(),
        Some(Props {
            key1: "string".to_owned(),
            key2: vec!["list".to_owned()]
        })
    );
    assert_eq!(update.properties::<Props>().unwrap().key1, "new-string");
    let delete = request_of(&serde_json::from_str(DELETE).unwrap()).unwrap();
    assert_eq!(delete.request_type, RequestType::Delete);
}

#[test]
fn properties_that_do_not_decode_name_the_property() {
    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "PascalCase")]
    #[allow(dead_code)]
    struct Props {
        key1: u32,
    }
    let create = request_of(&serde_json::from_str(CREATE).unwrap()).unwrap();
    let err = create.properties::<Props>().unwrap_err();
    assert_starts_with(
        &err.to_string(),
        "ResourceProperties.Key1: invalid type: string",
    );
}

#[tokio::test]
async fn an_update_and_a_delete_keep_the_physical_id() {
    let bucket = Bucket::new().await;
    summary(serve(&bucket.event(&with_name(UPDATE, "orders")), None).await);
    summary(serve(&bucket.event(DELETE), None).await);
    let puts = bucket.puts();
    assert_eq!(puts[0]["PhysicalResourceId"], "res-orders");
    assert_eq!(puts[0]["RequestId"], "49347ca5-c603-44e5-a34b-10cf1854a887");
    assert_eq!(puts[1]["Status"], "SUCCESS");
    assert_eq!(
        puts[1]["PhysicalResourceId"],
        "custom-resource-f4bd5382-3de3-4caf-b7ad-1be06b899647"
    );
}

#[tokio::test]
async fn a_handler_error_is_put_as_failed_with_its_message() {
    let bucket = Bucket::new().await;
    let answer = summary(serve(&bucket.event(&with_name(CREATE, "fail")), None).await);
    let put = bucket.only_put();
    assert_eq!(put["Status"], "FAILED");
    assert_eq!(put["Reason"], "HandlerError: the name fail is taken");
    // A Create has no physical id yet: the marker stands in, which names
    // nothing real.
    let marker = "lambda-fn:create-failed:82304eb2-bdda-469f-a33b-a3f1406d0a52";
    assert_eq!(put["PhysicalResourceId"], marker);
    assert_eq!(put["Data"], json!({}));
    assert_eq!(
        answer,
        json!({"Status": "FAILED", "PhysicalResourceId": marker, "Reason": "HandlerError: the name fail is taken"})
    );
    // An Update that fails keeps the resource's id.
    serve(&bucket.event(&with_name(UPDATE, "fail")), None)
        .await
        .unwrap();
    assert_eq!(
        bucket.puts()[1]["PhysicalResourceId"],
        "custom-resource-f4bd5382-3de3-4caf-b7ad-1be06b899647"
    );
}

#[tokio::test]
async fn a_panic_is_put_as_failed() {
    let bucket = Bucket::new().await;
    summary(serve(&bucket.event(&with_name(CREATE, "panic")), None).await);
    let put = bucket.only_put();
    assert_eq!(put["Status"], "FAILED");
    assert_eq!(put["Reason"], "Panic: boom");
}

#[tokio::test]
async fn properties_the_handler_cannot_read_are_put_as_failed() {
    let bucket = Bucket::new().await;
    let mut event: Value = serde_json::from_str(CREATE).unwrap();
    event["ResourceProperties"]["Name"] = json!(["not", "a", "string"]);
    summary(serve(&bucket.event(&event.to_string()), None).await);
    let reason = bucket.only_put()["Reason"].as_str().unwrap().to_owned();
    assert_starts_with(
        &reason,
        "InvalidProperties: ResourceProperties.Name: invalid type: sequence",
    );
}

#[tokio::test]
async fn the_guard_puts_failed_before_the_deadline() {
    let bucket = Bucket::new().await;
    let started = Instant::now();
    // 2.5 s left: under twice the reserve, so the handler gets half.
    summary(
        serve(
            &bucket.event(&with_name(CREATE, "slow")),
            Some(Duration::from_millis(2500)),
        )
        .await,
    );
    let took = started.elapsed();
    assert!(took >= Duration::from_millis(1250), "{took:?}");
    assert!(took < Duration::from_millis(2500), "{took:?}");
    let put = bucket.only_put();
    assert_eq!(put["Status"], "FAILED");
    assert_eq!(
        put["Reason"],
        "Timeout: the handler did not finish within its budget of 1.25s (Lambda's deadline minus the timeout margin and the 1.25s kept to send the response)"
    );
}

#[tokio::test]
async fn an_undecodable_request_with_a_response_url_is_put_as_failed() {
    let bucket = Bucket::new().await;
    let mut event: Value = serde_json::from_str(UPDATE).unwrap();
    event["RequestType"] = "Replace".into();
    summary(serve(&bucket.event(&event.to_string()), None).await);
    let put = bucket.only_put();
    assert_eq!(put["Status"], "FAILED");
    assert_starts_with(
        put["Reason"].as_str().unwrap(),
        "InvalidEvent: RequestType: unknown variant `Replace`",
    );
    assert_eq!(put["RequestId"], "49347ca5-c603-44e5-a34b-10cf1854a887");
    assert_eq!(
        put["PhysicalResourceId"],
        "custom-resource-f4bd5382-3de3-4caf-b7ad-1be06b899647"
    );
    // An Update without the physical id it needs.
    let mut event: Value = serde_json::from_str(UPDATE).unwrap();
    event.as_object_mut().unwrap().remove("PhysicalResourceId");
    summary(serve(&bucket.event(&event.to_string()), None).await);
    assert_eq!(
        bucket.puts()[1]["Reason"],
        "InvalidEvent: an Update request without a PhysicalResourceId"
    );
    // Only the URL: still answered.
    summary(serve(&bucket.event("{}"), None).await);
    let put = &bucket.puts()[2];
    assert_eq!(put["Status"], "FAILED");
    assert_eq!(put["PhysicalResourceId"], "lambda-fn:create-failed:");
}

#[tokio::test]
async fn without_a_usable_response_url_nothing_is_sent() {
    let mut event: Value = serde_json::from_str(CREATE).unwrap();
    event["ResponseURL"] = "cr-response-key?sig-params=sig-values".into();
    let err = serve(event.to_string().as_bytes(), None).await.unwrap_err();
    assert_eq!(err.error_type, "InvalidEvent");
    assert_starts_with(&err.error_message, "the ResponseURL is not a URL");
    let plain = CREATE.replace("https://", "http://");
    let err = serve(plain.as_bytes(), None).await.unwrap_err();
    assert_eq!(err.error_type, "InvalidEvent");
    assert_starts_with(
        &err.error_message,
        "the ResponseURL is plain http to cr-response-bucket.s3.us-east-1.amazonaws.com: only a loopback address",
    );
    assert_contains(
        &err.error_message,
        "so no response can be sent to CloudFormation",
    );
    assert!(
        !err.error_message.contains("sig-values"),
        "{}",
        err.error_message
    );
    let err = serve(b"[1, 2, 3]", None).await.unwrap_err();
    assert_eq!(
        err.error_message,
        "the request has no ResponseURL, so no response can be sent to CloudFormation (and the request did not decode: not a CloudFormation custom resource request: it is not a JSON object)"
    );
}

#[tokio::test]
async fn server_errors_are_retried() {
    let bucket = Bucket::answering(&[503, 500]).await;
    let answer = serve(&bucket.event(&with_name(CREATE, "orders")), None).await;
    assert_eq!(summary(answer)["Status"], "SUCCESS");
    let puts = bucket.puts();
    assert_eq!(puts.len(), 3);
    assert!(puts.iter().all(|put| put == &puts[0]), "{puts:?}");
}

#[tokio::test]
async fn a_refusal_is_not_retried_and_fails_the_invocation() {
    let bucket = Bucket::answering(&[403]).await;
    let err = serve(&bucket.event(&with_name(CREATE, "orders")), None)
        .await
        .unwrap_err();
    assert_eq!(bucket.puts().len(), 1);
    assert_eq!(err.error_type, "ResponseNotDelivered");
    let port = bucket.authority();
    assert_eq!(
        err.error_message,
        format!(
            "the SUCCESS response for CustomResource could not be sent to http://{port}/cr-response-key after 1 attempt: the PUT was answered 403 Forbidden (AccessDenied: Request has expired)"
        )
    );
}

#[tokio::test]
async fn too_much_data_is_put_as_failed() {
    let bucket = Bucket::new().await;
    summary(serve(&bucket.event(&with_name(CREATE, "big")), None).await);
    let put = bucket.only_put();
    assert_eq!(put["Status"], "FAILED");
    assert_eq!(put["PhysicalResourceId"], "res-big");
    assert_eq!(put["Data"], json!({}));
    assert_starts_with(
        put["Reason"].as_str().unwrap(),
        "InvalidResponse: the response document is 5",
    );
    assert_contains(
        put["Reason"].as_str().unwrap(),
        "over CloudFormation's limit of 4096",
    );
}

#[tokio::test]
async fn an_empty_physical_id_is_put_as_failed() {
    let bucket = Bucket::new().await;
    summary(serve(&bucket.event(&with_name(CREATE, "blank")), None).await);
    let put = bucket.only_put();
    assert_eq!(put["Status"], "FAILED");
    assert_starts_with(
        put["Reason"].as_str().unwrap(),
        "InvalidResponse: the handler answered an empty physical resource id",
    );
}

#[test]
fn long_reasons_are_cut_to_fit_as_json() {
    for message in ["é".repeat(2000), "\"".repeat(2000), "\u{1}".repeat(2000)] {
        let reason = reason(&Failure::Panic(message));
        let json = serde_json::to_string(&reason).unwrap();
        assert!(json.len() <= MAX_REASON + 128, "{}", json.len());
        assert!(json.len() > MAX_REASON - 8, "{}", json.len());
        assert!(reason.contains('…'));
    }
}

#[tokio::test]
async fn the_rollback_of_a_failed_create_is_answered_without_the_handler() {
    let bucket = Bucket::new().await;
    let mut event: Value = serde_json::from_str(DELETE).unwrap();
    event["PhysicalResourceId"] =
        "lambda-fn:create-failed:82304eb2-bdda-469f-a33b-a3f1406d0a52".into();
    // The handler would fail this Delete (no Name): it is not called.
    event["RequestType"] = "Delete".into();
    let answer = summary(serve(&bucket.event(&event.to_string()), None).await);
    assert_eq!(answer["Status"], "SUCCESS");
    let put = bucket.only_put();
    assert_eq!(put["Status"], "SUCCESS");
    assert_eq!(
        put["PhysicalResourceId"],
        "lambda-fn:create-failed:82304eb2-bdda-469f-a33b-a3f1406d0a52"
    );
}

#[tokio::test]
async fn no_handler_runs_when_no_response_can_be_sent() {
    let calls = std::sync::atomic::AtomicUsize::new(0);
    let adapter = Batch::<Source, _, _, _, crate::Error>::answering(
        async |request: CustomResourceRequest, _: &Invocation<'_, ()>| {
            calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Ok(Resource::of(&request))
        },
        <Source as Fixed>::payload,
        <Source as Answers>::keep,
        crate::IntoDiagnostic::into_diagnostic,
        1,
    );
    let plain = CREATE.replace("https://", "http://");
    let err = call_within(&adapter, plain.as_bytes(), None)
        .await
        .unwrap_err();
    assert_eq!(err.error_type, "InvalidEvent");
    assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 0);
}

#[test]
fn invalid_properties_do_not_quote_the_value() {
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Secret {
        #[serde(rename = "Pin")]
        pin: u32,
        #[serde(rename = "Mode", default)]
        mode: Option<Mode>,
    }
    #[derive(Debug, Deserialize)]
    enum Mode {
        Fast,
    }
    let request =
        |properties: Value| CustomResourceRequest::new(RequestType::Create, "Vault", properties);
    let err = request(json!({"Pin": "hunter2"}))
        .properties::<Secret>()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "ResourceProperties.Pin: invalid type: string, expected u32"
    );
    let err = request(json!({"Pin": 1, "Mode": "s3cr\"et"}))
        .properties::<Secret>()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "ResourceProperties.Mode: unknown variant, expected `Fast`"
    );
    let err = request(json!({})).properties::<Secret>().unwrap_err();
    assert_eq!(err.to_string(), "ResourceProperties: missing field `Pin`");
    // Nothing quoted but what was expected: kept as it is.
    let err = request(json!({"Pin": [1]}))
        .properties::<Secret>()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "ResourceProperties.Pin: invalid type: sequence, expected u32"
    );
    assert_eq!(
        unquoted("Mode: invalid type: map, expected `Fast` or `Slow`"),
        "Mode: invalid type: map, expected `Fast` or `Slow`"
    );
    let err = request(json!({"Pin": -5}))
        .properties::<Secret>()
        .unwrap_err();
    assert!(!err.to_string().contains("-5"), "{err}");
}

#[test]
fn no_echo_and_data_are_sent_as_given() {
    let reply = Reply {
        target: Target::parse("http://127.0.0.1:1/r").unwrap(),
        request_type: Some("Create".to_owned()),
        stack_id: "stack".to_owned(),
        request_id: "req".to_owned(),
        logical_resource_id: "Secret".to_owned(),
        physical_resource_id: None,
    };
    let resource = Resource::new("secret-1")
        .with_data("Password", "hunter2")
        .no_echo();
    let (document, _) = Document::of(&reply, Ok(resource)).encoded().unwrap();
    assert!(document.no_echo);
    // The invocation's own answer never carries the data.
    let summary = serde_json::to_value(document.summary()).unwrap();
    assert_eq!(
        summary,
        json!({"Status": "SUCCESS", "PhysicalResourceId": "secret-1"})
    );
}
