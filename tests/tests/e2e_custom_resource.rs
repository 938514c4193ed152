//! End to end: `custom-resource` answers CloudFormation the way a stack
//! waits to be answered: a response document PUT to the request's
//! presigned `ResponseURL`, here a local stand-in for S3 over plain HTTP on
//! loopback and over HTTPS with a test CA. The document is `SUCCESS` with
//! the resource, or `FAILED` with a reason whatever went wrong (a handler
//! error, properties it cannot read, a request that does not decode, the
//! deadline guard); a busy bucket is tried again; and the invocation is
//! answered with a summary once the document is delivered, or fails
//! `ResponseNotDelivered` when it could not be. The certificate is really
//! verified, plain HTTP goes to loopback only, and the presigned query (a
//! credential) is never logged.

use std::collections::{BTreeSet, VecDeque};
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use lambda_fn::testing::{Answer, Function, RuntimeApi};
use lambda_fn_tests::{example_binary, sample_event, seconds, stop, three_seconds};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// The sample event's stack.
const STACK_ID: &str = "arn:aws:cloudformation:us-east-1:123456789012:stack/stack-name/16580499-7622-4a9c-b32f-4eba35da93da";
/// The sample event's request id.
const SAMPLE_REQUEST_ID: &str = "82304eb2-bdda-469f-a33b-a3f1406d0a52";

/// What every `FAILED` reason ends with: where the logs are
/// (`AWS_LAMBDA_LOG_STREAM_NAME`, as `RuntimeApi` sets it).
const SEE_LOGS: &str = " (see CloudWatch log stream 2026/11/27/[$LATEST]0123456789abcdef)";

/// The key of a presigned response URL as CloudFormation makes it: the
/// stack ARN, logical id and request id, percent-encoded.
const KEY: &str = "/arn%3Aaws%3Acloudformation%3Aus-east-1%3A123456789012%3Astack/stack-name/16580499-7622-4a9c-b32f-4eba35da93da%7COrdersName%7C82304eb2-bdda-469f-a33b-a3f1406d0a52";

/// A status in a bucket's script that is never sent: the PUT is read,
/// recorded and never answered.
const HANG: u16 = 0;

/// The access key in every presigned query.
const ACCESS_KEY: &str = "AKIA6GIUWZTG2EXAMPLE";

/// A number distinct in this test process.
fn unique() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

// ---------------------------------------------------------------------------
// A local S3 bucket

/// One PUT as the bucket received it.
#[derive(Clone, Debug)]
struct Put {
    method: String,
    /// The request target: path and query, exactly as sent.
    target: String,
    headers: Vec<(String, String)>,
    /// The body as JSON (`null` if it is not JSON).
    body: Value,
    body_len: usize,
    at: Instant,
}

impl Put {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(header, _)| header.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

#[derive(Default)]
struct Log {
    /// The statuses the next PUTs are answered with ([`HANG`]: none); 200
    /// after them.
    script: VecDeque<u16>,
    puts: Vec<Put>,
    /// TCP connections accepted.
    connections: usize,
    /// Why each TLS handshake that did not complete failed.
    handshake_errors: Vec<String>,
}

/// A stand-in for the S3 bucket behind a presigned `ResponseURL`: a real
/// HTTP/1.1 server (over TLS when it is given a certificate) that records
/// every request and answers each with the next status of its script, and
/// with S3's XML error document when that is not a success.
struct Bucket {
    /// The presigned URL: the request's `ResponseURL`.
    url: String,
    /// `host:port`, as the URL writes it (the `Host` header).
    authority: String,
    /// The path and query the URL PUTs to.
    path_and_query: String,
    /// The query's `X-Amz-Signature`, unique to this bucket.
    signature: String,
    log: Arc<Mutex<Log>>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for Bucket {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl Bucket {
    /// Plain HTTP on `127.0.0.1`, answering with `script` and then 200.
    async fn http(script: &[u16]) -> Self {
        Self::start(("127.0.0.1", 0), "http", None, None, script).await
    }

    /// HTTPS on `127.0.0.1` with the certificate `cert`, named `host` in
    /// the URL (`127.0.0.1` or `localhost`).
    async fn https(host: &str, cert: Leaf, script: &[u16]) -> Self {
        Self::start(("127.0.0.1", 0), "https", Some(host), Some(cert), script).await
    }

    async fn start(
        bind: (&str, u16),
        scheme: &str,
        host: Option<&str>,
        cert: Option<Leaf>,
        script: &[u16],
    ) -> Self {
        let listener = TcpListener::bind(bind).await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let authority = format!("{}:{port}", host.unwrap_or("127.0.0.1"));
        let n = unique();
        let signature = format!(
            "{:016x}{:016x}{:032x}",
            u64::from(std::process::id()),
            n,
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default()
                .as_nanos()
        );
        let path_and_query = format!(
            "{KEY}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20261127T120000Z&X-Amz-SignedHeaders=host&X-Amz-Expires=7199&X-Amz-Credential={ACCESS_KEY}%2F20261127%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Signature={signature}"
        );
        let log = Arc::new(Mutex::new(Log {
            script: script.iter().copied().collect(),
            ..Log::default()
        }));
        let tls = cert.map(|leaf| TlsAcceptor::from(leaf.server_config()));
        let server = tokio::spawn(serve(listener, tls, log.clone()));
        Self {
            url: format!("{scheme}://{authority}{path_and_query}"),
            authority,
            path_and_query,
            signature,
            log,
            server,
        }
    }

    fn log(&self) -> MutexGuard<'_, Log> {
        self.log.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The PUTs received since the last call.
    fn take_puts(&self) -> Vec<Put> {
        std::mem::take(&mut self.log().puts)
    }

    /// The one PUT received since the last call; fails if there were more
    /// or none.
    fn only_put(&self) -> Put {
        let mut puts = self.take_puts();
        assert_eq!(puts.len(), 1, "{puts:#?}");
        puts.remove(0)
    }

    fn connections(&self) -> usize {
        self.log().connections
    }

    /// Waits (up to 5 s) until the bucket has accepted `n` connections.
    async fn wait_for_connections(&self, n: usize) {
        for _ in 0..100 {
            if self.connections() >= n {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "{} accepted {} connections, not {n}",
            self.authority,
            self.connections()
        );
    }

    /// Waits (up to 5 s) for a refused TLS handshake and returns why it
    /// failed, as the server saw it.
    async fn refused_handshake(&self) -> String {
        for _ in 0..100 {
            if let Some(error) = self.log().handshake_errors.first() {
                return error.clone();
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("no TLS handshake failed at {}", self.authority);
    }

    /// Asserts that `put` is a PUT to the presigned URL as CloudFormation
    /// signs it: its path and query as they were, the `Host` of the URL, an
    /// empty `Content-Type` and a `Content-Length`.
    fn assert_presigned(&self, put: &Put) {
        assert_eq!(put.method, "PUT");
        assert_eq!(put.target, self.path_and_query);
        assert_eq!(put.header("host"), Some(self.authority.as_str()));
        assert_eq!(put.header("content-type"), Some(""), "{:?}", put.headers);
        assert_eq!(
            put.header("content-length"),
            Some(put.body_len.to_string().as_str())
        );
    }
}

/// Accepts connections for ever: each is served on its own task.
async fn serve(listener: TcpListener, tls: Option<TlsAcceptor>, log: Arc<Mutex<Log>>) {
    loop {
        let Ok((tcp, _)) = listener.accept().await else {
            continue;
        };
        // Each answer goes out at once, not after the client's delayed ack.
        let _ = tcp.set_nodelay(true);
        log.lock()
            .unwrap_or_else(PoisonError::into_inner)
            .connections += 1;
        let tls = tls.clone();
        let log = log.clone();
        tokio::spawn(async move {
            match tls {
                None => serve_connection(TokioIo::new(tcp), log).await,
                Some(acceptor) => match acceptor.accept(tcp).await {
                    Ok(stream) => serve_connection(TokioIo::new(stream), log).await,
                    Err(err) => log
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .handshake_errors
                        .push(err.to_string()),
                },
            }
        });
    }
}

async fn serve_connection<IO>(io: TokioIo<IO>, log: Arc<Mutex<Log>>)
where
    IO: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let service = service_fn(move |request| receive(request, log.clone()));
    let _ = hyper::server::conn::http1::Builder::new()
        .serve_connection(io, service)
        .await;
}

/// Records one request and answers it with the next status of the script.
async fn receive(
    request: Request<Incoming>,
    log: Arc<Mutex<Log>>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let method = request.method().to_string();
    let target = request
        .uri()
        .path_and_query()
        .map_or_else(String::new, |target| target.as_str().to_owned());
    let headers = request
        .headers()
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_owned(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect();
    let body = request
        .into_body()
        .collect()
        .await
        .map(|body| body.to_bytes())
        .unwrap_or_default();
    let status = {
        let mut log = log.lock().unwrap_or_else(PoisonError::into_inner);
        let status = log.script.pop_front().unwrap_or(200);
        log.puts.push(Put {
            method,
            target,
            headers,
            body: serde_json::from_slice(&body).unwrap_or(Value::Null),
            body_len: body.len(),
            at: Instant::now(),
        });
        status
    };
    if status == HANG {
        return std::future::pending().await;
    }
    let error = match status {
        200..=299 => String::new(),
        403 => s3_error("AccessDenied", "Request has expired"),
        503 => s3_error("SlowDown", "Please reduce your request rate."),
        _ => s3_error(
            "InternalError",
            "We encountered an internal error. Please try again.",
        ),
    };
    let response = Response::builder()
        .status(status)
        .header("x-amz-request-id", format!("TESTREQ{:09}", unique()))
        .header(
            "content-type",
            if error.is_empty() {
                "text/plain"
            } else {
                "application/xml"
            },
        )
        .body(Full::new(Bytes::from(error)))
        .unwrap();
    Ok(response)
}

/// S3's XML error document.
fn s3_error(code: &str, message: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{message}</Message><RequestId>4442587FB7D0A2F9</RequestId><HostId>eftixk72aD6Ap51TnqcoF8eFidJG9Z/2mkiDFu8yU9AS1ed4OpIszj7UDNEHGran</HostId></Error>"
    )
}

// ---------------------------------------------------------------------------
// Test certificates

/// A certificate authority made for one test, its certificate written to a
/// PEM file for `SSL_CERT_FILE`.
struct TestCa {
    issuer: Issuer<'static, KeyPair>,
    pem_file: PathBuf,
}

/// A server certificate and its key.
struct Leaf {
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
}

impl TestCa {
    fn new(name: &str) -> Self {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params
            .distinguished_name
            .push(DnType::CommonName, format!("lambda-fn test CA {name}"));
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let key = KeyPair::generate().unwrap();
        let cert = params.self_signed(&key).unwrap();
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!(
            "e2e-custom-resource-{}-{}",
            std::process::id(),
            unique()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let pem_file = dir.join("ca.pem");
        std::fs::write(&pem_file, cert.pem()).unwrap();
        Self {
            issuer: Issuer::new(params, key),
            pem_file,
        }
    }

    /// The value for `SSL_CERT_FILE`.
    fn ssl_cert_file(&self) -> &str {
        self.pem_file.to_str().expect("a UTF-8 path")
    }

    /// A server certificate for `names` (DNS names or IP addresses),
    /// signed by this CA.
    fn leaf(&self, names: &[&str]) -> Leaf {
        let names: Vec<String> = names.iter().map(|name| (*name).to_owned()).collect();
        let mut params = CertificateParams::new(names.clone()).unwrap();
        params
            .distinguished_name
            .push(DnType::CommonName, names[0].clone());
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        params.use_authority_key_identifier_extension = true;
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        Leaf {
            chain: vec![cert.der().clone()],
            key: PrivatePkcs8KeyDer::from(key.serialize_der()).into(),
        }
    }
}

impl Drop for TestCa {
    fn drop(&mut self) {
        if let Some(dir) = self.pem_file.parent() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

impl Leaf {
    fn server_config(self) -> Arc<ServerConfig> {
        let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
        let mut config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(self.chain, self.key)
            .unwrap();
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Arc::new(config)
    }
}

// ---------------------------------------------------------------------------
// Requests and answers

/// `custom-resource` on a loopback Runtime API, with `env`.
async fn start(env: &[(&str, &str)]) -> (RuntimeApi, Function) {
    let api = RuntimeApi::start().await.unwrap();
    let function = api.spawn(&example_binary("custom-resource"), env).unwrap();
    (api, function)
}

/// The sample event, as the fixture has it.
fn sample() -> Value {
    let text = std::fs::read_to_string(sample_event("custom-resource.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// A request like the sample's, with a fresh `RequestId`, for the resource
/// `logical_id` named `name` (no `Name` when `None`), answered to `url`.
fn request(url: &str, request_type: &str, logical_id: &str, name: Option<&str>) -> Value {
    let mut event = sample();
    event["ResponseURL"] = url.into();
    event["RequestType"] = request_type.into();
    event["RequestId"] = format!("5c7a2f8e-3b1d-4e6a-9f0c-{:012x}", unique()).into();
    event["LogicalResourceId"] = logical_id.into();
    let properties = event["ResourceProperties"].as_object_mut().unwrap();
    match name {
        Some(name) => properties.insert("Name".to_owned(), name.into()),
        None => properties.remove("Name"),
    };
    event
}

/// What a failed `Create` of `event` is reported as: no physical id, but
/// one that names nothing real.
fn failed_create(event: &Value) -> String {
    format!(
        "lambda-fn:create-failed:{}",
        event["RequestId"].as_str().unwrap()
    )
}

/// An `Update` of the resource `physical_id` from `old_name` to `name`.
fn update(url: &str, logical_id: &str, physical_id: &str, old_name: &str, name: &str) -> Value {
    let mut event = request(url, "Update", logical_id, Some(name));
    event["PhysicalResourceId"] = physical_id.into();
    let mut old = event["ResourceProperties"].clone();
    old["Name"] = old_name.into();
    event["OldResourceProperties"] = old;
    event
}

/// A `Delete` of the resource `physical_id`.
fn delete(url: &str, logical_id: &str, physical_id: &str, name: &str) -> Value {
    let mut event = request(url, "Delete", logical_id, Some(name));
    event["PhysicalResourceId"] = physical_id.into();
    event
}

/// The response document CloudFormation expects for `event`.
fn document(event: &Value, status: &str, physical_id: &str, data: Value) -> Value {
    json!({
        "Status": status,
        "PhysicalResourceId": physical_id,
        "StackId": event["StackId"],
        "RequestId": event["RequestId"],
        "LogicalResourceId": event["LogicalResourceId"],
        "NoEcho": false,
        "Data": data,
    })
}

/// The summary an invocation answered; fails if the invocation failed.
fn summary(answer: &Answer) -> Value {
    assert_eq!(
        answer.error_type(),
        None,
        "the invocation failed: {:?}",
        answer.error_message()
    );
    answer.json()
}

/// Asserts that `answer` is a `FAILED` document delivered: the summary
/// quotes the PUT's status, physical id and reason.
fn assert_failed_summary(answer: &Answer, put: &Put) {
    assert_eq!(put.body["Status"], "FAILED");
    assert_eq!(put.body["Data"], json!({}));
    assert_eq!(put.body["NoEcho"], false);
    assert_eq!(
        summary(answer),
        json!({
            "Status": "FAILED",
            "PhysicalResourceId": put.body["PhysicalResourceId"],
            "Reason": put.body["Reason"],
        })
    );
}

/// The `Reason` of a PUT, less the pointer to the logs it ends with.
fn reason(put: &Put) -> &str {
    let reason = put.body["Reason"].as_str().expect("a Reason");
    reason
        .strip_suffix(SEE_LOGS)
        .unwrap_or_else(|| panic!("the reason does not point to the logs: {reason}"))
}

/// Asserts that no part of the presigned query of `buckets` (the
/// signature, the access key) was logged.
fn assert_no_credentials(stderr: &str, buckets: &[&Bucket]) {
    for bucket in buckets {
        assert!(
            !stderr.contains(&bucket.signature),
            "the signature of {} was logged: {stderr}",
            bucket.url
        );
    }
    assert!(
        !stderr.contains(ACCESS_KEY) && !stderr.contains("X-Amz-"),
        "the presigned query was logged: {stderr}"
    );
}

/// Asserts that every event `api` served was answered once, under its own
/// request id, and nothing else was posted.
fn assert_answered_once_each(api: &RuntimeApi, invocations: usize) {
    let served: BTreeSet<String> = api.served().into_iter().map(|s| s.request_id).collect();
    assert_eq!(served.len(), invocations, "distinct request ids");
    let answered: BTreeSet<String> = api
        .answers()
        .into_iter()
        .filter_map(|answer| answer.request_id)
        .collect();
    assert_eq!(answered, served);
    assert_eq!(api.answer_count(), invocations);
    assert!(
        api.unexpected_posts().is_empty(),
        "{:?}",
        api.unexpected_posts()
    );
    assert!(api.mismatched_posts().is_empty());
}

// ---------------------------------------------------------------------------
// 1. The lifecycle of a resource

/// The sample `Create`, then an `Update` that renames (replaces) it, a
/// second resource's `Create` and the replaced one's `Delete`, served by
/// one warm environment started with `env`, answered to `bucket`.
async fn create_update_delete(bucket: &Bucket, env: &[(&str, &str)]) {
    let (api, mut function) = start(env).await;

    // The sample event as CloudFormation sends it, its URL pointing here.
    let mut create = sample();
    assert_eq!(create["RequestId"], SAMPLE_REQUEST_ID);
    create["ResponseURL"] = bucket.url.clone().into();
    let answer = api.invoke(create.to_string(), three_seconds()).await;
    assert_eq!(
        summary(&answer),
        json!({"Status": "SUCCESS", "PhysicalResourceId": "registry-orders-table"})
    );
    let put = bucket.only_put();
    bucket.assert_presigned(&put);
    assert!(put.at < answer.answered_at, "delivered before answering");
    assert_eq!(
        put.body,
        json!({
            "Status": "SUCCESS",
            "PhysicalResourceId": "registry-orders-table",
            "StackId": STACK_ID,
            "RequestId": SAMPLE_REQUEST_ID,
            "LogicalResourceId": "OrdersName",
            "NoEcho": false,
            "Data": {"Name": "orders-table", "Created": 1}
        })
    );

    // A new name is a new physical id: CloudFormation replaces the resource.
    let rename = update(
        &bucket.url,
        "OrdersName",
        "registry-orders-table",
        "orders-table",
        "orders-archive",
    );
    let answer = api.invoke(rename.to_string(), three_seconds()).await;
    assert_eq!(
        summary(&answer),
        json!({"Status": "SUCCESS", "PhysicalResourceId": "registry-orders-archive"})
    );
    let put = bucket.only_put();
    bucket.assert_presigned(&put);
    assert_eq!(
        put.body,
        document(
            &rename,
            "SUCCESS",
            "registry-orders-archive",
            json!({"Name": "orders-archive", "Created": 1})
        )
    );

    // Another resource in the same environment: the warm count goes on.
    let invoices = request(&bucket.url, "Create", "InvoicesName", Some("invoices"));
    let answer = api.invoke(invoices.to_string(), three_seconds()).await;
    assert_eq!(summary(&answer)["PhysicalResourceId"], "registry-invoices");
    let put = bucket.only_put();
    assert_eq!(
        put.body,
        document(
            &invoices,
            "SUCCESS",
            "registry-invoices",
            json!({"Name": "invoices", "Created": 2})
        )
    );

    // After the replacement, CloudFormation deletes the old resource.
    let old = delete(
        &bucket.url,
        "OrdersName",
        "registry-orders-table",
        "orders-table",
    );
    let answer = api.invoke(old.to_string(), three_seconds()).await;
    assert_eq!(
        summary(&answer),
        json!({"Status": "SUCCESS", "PhysicalResourceId": "registry-orders-table"})
    );
    let put = bucket.only_put();
    bucket.assert_presigned(&put);
    assert_eq!(
        put.body,
        document(&old, "SUCCESS", "registry-orders-table", json!({}))
    );

    // Every RequestId echoed was its own request's.
    let request_ids =
        [&create, &rename, &invoices, &old].map(|e| e["RequestId"].as_str().unwrap().to_owned());
    assert_eq!(
        request_ids.iter().collect::<BTreeSet<_>>().len(),
        4,
        "{request_ids:?}"
    );
    assert_answered_once_each(&api, 4);
    assert_eq!(bucket.connections(), 4, "one connection per delivery");
    let stderr = stop(&mut function).await;
    assert_no_credentials(&stderr, &[bucket]);
}

#[tokio::test]
async fn the_sample_create_update_delete_over_http() {
    let bucket = Bucket::http(&[]).await;
    create_update_delete(&bucket, &[]).await;
}

#[tokio::test]
async fn the_sample_create_update_delete_over_https() {
    let ca = TestCa::new("bucket");
    let bucket = Bucket::https("localhost", ca.leaf(&["localhost", "127.0.0.1"]), &[]).await;
    assert!(bucket.url.starts_with("https://localhost:"));
    create_update_delete(&bucket, &[("SSL_CERT_FILE", ca.ssl_cert_file())]).await;
}

// ---------------------------------------------------------------------------
// 2. FAILED is always PUT

#[tokio::test]
async fn every_failure_is_put_as_failed_and_the_invocation_answered() {
    let bucket = Bucket::http(&[]).await;
    let (api, mut function) = start(&[]).await;

    // The handler's error: a failed Create has no physical id, and is
    // reported as one that names nothing real.
    let refused = request(&bucket.url, "Create", "OrdersName", Some("fail"));
    let answer = api.invoke(refused.to_string(), three_seconds()).await;
    let put = bucket.only_put();
    bucket.assert_presigned(&put);
    assert_eq!(
        put.body["Reason"],
        format!("NameRefused: the name \"fail\" is refused{SEE_LOGS}")
    );
    let mut expected = document(&refused, "FAILED", &failed_create(&refused), json!({}));
    expected["Reason"] = put.body["Reason"].clone();
    assert_eq!(put.body, expected);
    assert_failed_summary(&answer, &put);

    // The stack rolls back: the Delete of what the failed Create reported
    // succeeds, with that id.
    let rollback = delete(&bucket.url, "OrdersName", &failed_create(&refused), "fail");
    let answer = api.invoke(rollback.to_string(), three_seconds()).await;
    let put = bucket.only_put();
    assert_eq!(
        put.body,
        document(&rollback, "SUCCESS", &failed_create(&refused), json!({}))
    );
    assert_eq!(
        summary(&answer),
        json!({"Status": "SUCCESS", "PhysicalResourceId": failed_create(&refused)})
    );

    // A failed Update keeps the resource's physical id.
    let renamed = update(
        &bucket.url,
        "OrdersName",
        "registry-orders-table",
        "orders-table",
        "fail",
    );
    let answer = api.invoke(renamed.to_string(), three_seconds()).await;
    let put = bucket.only_put();
    assert_eq!(put.body["PhysicalResourceId"], "registry-orders-table");
    assert_eq!(put.body["RequestId"], renamed["RequestId"]);
    assert_eq!(reason(&put), "NameRefused: the name \"fail\" is refused");
    assert_failed_summary(&answer, &put);

    // Properties the handler cannot read: the reason names the property.
    let nameless = request(&bucket.url, "Create", "NamelessName", None);
    let answer = api.invoke(nameless.to_string(), three_seconds()).await;
    let put = bucket.only_put();
    assert_eq!(put.body["PhysicalResourceId"], failed_create(&nameless));
    let why = reason(&put);
    assert!(
        why.starts_with("InvalidProperties: ResourceProperties")
            && why.contains("missing field")
            && why.contains("Name"),
        "{why}"
    );
    assert_failed_summary(&answer, &put);

    // A request that does not decode, with a ResponseURL: FAILED, echoing
    // what could be read.
    let mut replace = request(&bucket.url, "Replace", "OrdersName", Some("orders"));
    replace["PhysicalResourceId"] = "registry-orders".into();
    let answer = api.invoke(replace.to_string(), three_seconds()).await;
    let put = bucket.only_put();
    bucket.assert_presigned(&put);
    assert!(
        reason(&put).starts_with("InvalidEvent: RequestType: unknown variant `Replace`"),
        "{}",
        reason(&put)
    );
    let mut expected = document(&replace, "FAILED", "registry-orders", json!({}));
    expected["Reason"] = put.body["Reason"].clone();
    assert_eq!(put.body, expected);
    assert_failed_summary(&answer, &put);

    // A Delete without the physical id it names.
    let mut orphan = request(&bucket.url, "Delete", "OrdersName", Some("orders"));
    orphan.as_object_mut().unwrap().remove("PhysicalResourceId");
    let answer = api.invoke(orphan.to_string(), three_seconds()).await;
    let put = bucket.only_put();
    assert!(
        reason(&put).starts_with("InvalidEvent: "),
        "{}",
        reason(&put)
    );
    assert!(
        reason(&put).contains("Delete request without a PhysicalResourceId"),
        "{}",
        reason(&put)
    );
    assert_eq!(put.body["PhysicalResourceId"], failed_create(&orphan));
    assert_failed_summary(&answer, &put);

    // Nothing but the URL: still answered.
    let bare = json!({"ResponseURL": bucket.url});
    let answer = api.invoke(bare.to_string(), three_seconds()).await;
    let put = bucket.only_put();
    bucket.assert_presigned(&put);
    assert_eq!(put.body["PhysicalResourceId"], "lambda-fn:create-failed:");
    assert!(
        reason(&put).starts_with("InvalidEvent: "),
        "{}",
        reason(&put)
    );
    assert_failed_summary(&answer, &put);

    // The environment serves on.
    let create = request(&bucket.url, "Create", "OrdersName", Some("orders"));
    let answer = api.invoke(create.to_string(), three_seconds()).await;
    assert_eq!(
        summary(&answer),
        json!({"Status": "SUCCESS", "PhysicalResourceId": "registry-orders"})
    );
    assert_eq!(bucket.only_put().body["Data"]["Created"], 1);

    assert_answered_once_each(&api, 8);
    let stderr = stop(&mut function).await;
    assert_no_credentials(&stderr, &[&bucket]);
}

#[tokio::test]
async fn the_guard_puts_failed_before_the_deadline() {
    let bucket = Bucket::http(&[]).await;
    let (api, mut function) = start(&[("CUSTOM_RESOURCE_WORK_MS", "20000")]).await;
    let create = request(&bucket.url, "Create", "OrdersName", Some("orders"));
    let answer = api.invoke(create.to_string(), seconds(3)).await;
    let deadline = answer.deadline.expect("a real deadline");
    let put = bucket.only_put();
    bucket.assert_presigned(&put);
    assert!(put.at < deadline, "the PUT came after the deadline");
    assert!(answer.answered_at < deadline, "answered after the deadline");
    // Under 4 s, half the budget is kept to send the response.
    let took = put.at - answer.served_at.unwrap();
    assert!(took >= Duration::from_millis(1300), "{took:?}");
    let why = reason(&put);
    assert!(
        why.starts_with("Timeout: the handler did not finish within its budget of "),
        "{why}"
    );
    assert!(why.ends_with(" kept to send the response)"), "{why}");
    assert_eq!(put.body["PhysicalResourceId"], failed_create(&create));
    assert_eq!(put.body["RequestId"], create["RequestId"]);
    assert_failed_summary(&answer, &put);
    assert_answered_once_each(&api, 1);
    let stderr = stop(&mut function).await;
    assert_no_credentials(&stderr, &[&bucket]);
}

// ---------------------------------------------------------------------------
// 3. Retries

#[tokio::test]
async fn a_busy_bucket_is_tried_again_and_a_refusal_fails_the_invocation() {
    let busy = Bucket::http(&[503, 503]).await;
    let refusing = Bucket::http(&[403]).await;
    let (api, mut function) = start(&[]).await;

    // 503 SlowDown twice, then 200: one document, sent three times.
    let create = request(&busy.url, "Create", "OrdersName", Some("orders"));
    let answer = api.invoke(create.to_string(), three_seconds()).await;
    assert_eq!(
        summary(&answer),
        json!({"Status": "SUCCESS", "PhysicalResourceId": "registry-orders"})
    );
    let puts = busy.take_puts();
    assert_eq!(puts.len(), 3, "{puts:#?}");
    for put in &puts {
        busy.assert_presigned(put);
        assert_eq!(put.body, puts[0].body);
    }
    assert_eq!(
        puts[0].body,
        document(
            &create,
            "SUCCESS",
            "registry-orders",
            json!({"Name": "orders", "Created": 1})
        )
    );
    // With a backoff: 200 ms, then 400 ms.
    assert!(puts[1].at - puts[0].at >= Duration::from_millis(180));
    assert!(puts[2].at - puts[1].at >= Duration::from_millis(380));

    // 403 AccessDenied (an expired URL): not tried again, and the
    // invocation fails so that Lambda retries it.
    let create = request(&refusing.url, "Create", "InvoicesName", Some("invoices"));
    let answer = api.invoke(create.to_string(), three_seconds()).await;
    assert_eq!(answer.error_type(), Some("ResponseNotDelivered"));
    assert_eq!(
        answer.error_message().unwrap(),
        format!(
            "the SUCCESS response for InvoicesName could not be sent to http://{}{KEY} after 1 attempt: the PUT was answered 403 Forbidden (AccessDenied: Request has expired)",
            refusing.authority
        )
    );
    let put = refusing.only_put();
    refusing.assert_presigned(&put);
    assert_eq!(put.body["Status"], "SUCCESS");
    assert_eq!(refusing.connections(), 1);

    assert_answered_once_each(&api, 2);
    let stderr = stop(&mut function).await;
    assert_no_credentials(&stderr, &[&busy, &refusing]);
}

#[tokio::test]
async fn a_bucket_that_never_answers_fails_the_invocation_before_the_deadline() {
    let bucket = Bucket::http(&[HANG]).await;
    let (api, mut function) = start(&[]).await;
    let create = request(&bucket.url, "Create", "OrdersName", Some("orders"));
    let answer = api.invoke(create.to_string(), seconds(2)).await;
    let deadline = answer.deadline.expect("a real deadline");
    assert!(answer.answered_at < deadline, "answered after the deadline");
    assert_eq!(answer.error_type(), Some("ResponseNotDelivered"));
    let message = answer.error_message().unwrap();
    let prefix = format!(
        "the SUCCESS response for OrdersName could not be sent to http://{}{KEY} after 1 attempt: no answer within ",
        bucket.authority
    );
    assert!(message.starts_with(&prefix), "{message}");
    // The document was sent in full: only S3's answer was missing.
    let put = bucket.only_put();
    bucket.assert_presigned(&put);
    assert_eq!(put.body["Status"], "SUCCESS");
    assert_answered_once_each(&api, 1);
    let stderr = stop(&mut function).await;
    assert_no_credentials(&stderr, &[&bucket]);
}

// ---------------------------------------------------------------------------
// 4. TLS is verified

#[tokio::test]
async fn an_untrusted_certificate_gets_no_document() {
    let trusted = TestCa::new("trusted");
    let stranger = TestCa::new("stranger");
    let good = Bucket::https("127.0.0.1", trusted.leaf(&["127.0.0.1"]), &[]).await;
    let unknown_ca = Bucket::https("127.0.0.1", stranger.leaf(&["127.0.0.1"]), &[]).await;
    let wrong_name = Bucket::https("127.0.0.1", trusted.leaf(&["bucket.example.com"]), &[]).await;
    let (api, mut function) = start(&[("SSL_CERT_FILE", trusted.ssl_cert_file())]).await;

    // A certificate of a CA the function does not trust, and one of its CA
    // for another name: refused at the handshake, once, nothing PUT.
    for (bucket, why) in [
        (&unknown_ca, "UnknownIssuer"),
        (&wrong_name, "not valid for name"),
    ] {
        let create = request(&bucket.url, "Create", "OrdersName", Some("orders"));
        let answer = api.invoke(create.to_string(), three_seconds()).await;
        assert_eq!(answer.error_type(), Some("ResponseNotDelivered"), "{why}");
        let message = answer.error_message().unwrap();
        let prefix = format!(
            "the SUCCESS response for OrdersName could not be sent to https://{}{KEY} after 1 attempt: the TLS handshake with 127.0.0.1 failed: ",
            bucket.authority
        );
        assert!(message.starts_with(&prefix), "{message}");
        assert!(message.contains(why), "{message}");
        assert!(bucket.take_puts().is_empty());
        assert_eq!(bucket.connections(), 1);
        bucket.refused_handshake().await;
    }

    // The same function delivers to a certificate its CA signed for the
    // host: what was refused was the certificate.
    let create = request(&good.url, "Create", "OrdersName", Some("orders"));
    let answer = api.invoke(create.to_string(), three_seconds()).await;
    assert_eq!(summary(&answer)["Status"], "SUCCESS");
    good.assert_presigned(&good.only_put());
    assert_answered_once_each(&api, 3);
    let stderr = stop(&mut function).await;
    assert_no_credentials(&stderr, &[&good, &unknown_ca, &wrong_name]);

    // Without SSL_CERT_FILE, only the public roots: the test CA is unknown.
    let (api, mut function) = start(&[]).await;
    let create = request(&good.url, "Create", "OrdersName", Some("orders"));
    let answer = api.invoke(create.to_string(), three_seconds()).await;
    assert_eq!(answer.error_type(), Some("ResponseNotDelivered"));
    let message = answer.error_message().unwrap();
    assert!(
        message.contains("after 1 attempt: the TLS handshake with 127.0.0.1 failed: ")
            && message.contains("UnknownIssuer"),
        "{message}"
    );
    assert!(good.take_puts().is_empty());
    assert_eq!(good.connections(), 2);
    assert_answered_once_each(&api, 1);
    let stderr = stop(&mut function).await;
    assert_no_credentials(&stderr, &[&good]);
}

// ---------------------------------------------------------------------------
// 5. No usable ResponseURL

/// An address of this machine that is not a loopback one, if it has one:
/// the source address of its route to the Internet (a UDP `connect` sends
/// nothing).
fn non_loopback_address() -> Option<IpAddr> {
    let socket = std::net::UdpSocket::bind("0.0.0.0:0").ok()?;
    socket.connect("203.0.113.1:9").ok()?;
    let ip = socket.local_addr().ok()?.ip();
    (!ip.is_loopback() && !ip.is_unspecified()).then_some(ip)
}

#[tokio::test]
async fn without_a_usable_response_url_nothing_is_sent() {
    let bucket = Bucket::http(&[]).await;
    let (api, mut function) = start(&[]).await;

    // Plain http to S3: refused before anything is sent, and the message
    // does not quote the signature.
    let mut s3 = request(&bucket.url, "Create", "OrdersName", Some("orders"));
    let s3_url = format!(
        "http://cr-response-bucket.s3.us-east-1.amazonaws.com{}",
        bucket.path_and_query
    );
    s3["ResponseURL"] = s3_url.into();
    let answer = api.invoke(s3.to_string(), three_seconds()).await;
    assert_eq!(answer.error_type(), Some("InvalidEvent"));
    let message = answer.error_message().unwrap();
    assert!(
        message.starts_with(
            "the ResponseURL is plain http to cr-response-bucket.s3.us-east-1.amazonaws.com: only a loopback address"
        ),
        "{message}"
    );
    assert!(
        message.ends_with("so no response can be sent to CloudFormation"),
        "{message}"
    );
    assert!(!message.contains(&bucket.signature), "{message}");

    // Plain http to this machine's own non-loopback address, where a bucket
    // listens: nothing reaches it.
    let outside = match non_loopback_address() {
        Some(ip) => {
            let outside =
                Bucket::start(("0.0.0.0", 0), "http", Some(&ip.to_string()), None, &[]).await;
            let event = request(&outside.url, "Create", "OrdersName", Some("orders"));
            let answer = api.invoke(event.to_string(), three_seconds()).await;
            assert_eq!(answer.error_type(), Some("InvalidEvent"));
            let message = answer.error_message().unwrap();
            assert!(
                message.starts_with(&format!("the ResponseURL is plain http to {ip}: ")),
                "{message}"
            );
            assert!(!message.contains(&outside.signature), "{message}");
            Some(outside)
        }
        None => None,
    };

    // A JSON array of requests is no request: the URLs inside are not used.
    let array = json!([request(&bucket.url, "Create", "OrdersName", Some("orders"))]);
    let answer = api.invoke(array.to_string(), three_seconds()).await;
    assert_eq!(answer.error_type(), Some("InvalidEvent"));
    assert_eq!(
        answer.error_message().unwrap(),
        "the request has no ResponseURL, so no response can be sent to CloudFormation (and the request did not decode: not a CloudFormation custom resource request: it is not a JSON object)"
    );
    // No URL at all.
    let mut missing = request(&bucket.url, "Create", "OrdersName", Some("orders"));
    missing.as_object_mut().unwrap().remove("ResponseURL");
    let answer = api.invoke(missing.to_string(), three_seconds()).await;
    assert_eq!(answer.error_type(), Some("InvalidEvent"));
    assert!(
        answer
            .error_message()
            .unwrap()
            .starts_with("the request has no ResponseURL"),
        "{:?}",
        answer.error_message()
    );
    assert_eq!(bucket.connections(), 0);
    if let Some(outside) = &outside {
        assert_eq!(outside.connections(), 0);
        // Though the bucket does listen there.
        let address: SocketAddr = outside.authority.parse().unwrap();
        drop(tokio::net::TcpStream::connect(address).await.unwrap());
        outside.wait_for_connections(1).await;
    }

    // The environment serves on, to the loopback bucket; and none of the
    // Creates above reached the handler: this is the first it created.
    let create = request(&bucket.url, "Create", "OrdersName", Some("orders"));
    let answer = api.invoke(create.to_string(), three_seconds()).await;
    assert_eq!(summary(&answer)["Status"], "SUCCESS");
    let put = bucket.only_put();
    bucket.assert_presigned(&put);
    assert_eq!(put.body["Data"]["Created"], 1, "{:?}", put.body);

    let invocations = if outside.is_some() { 5 } else { 4 };
    assert_answered_once_each(&api, invocations);
    let stderr = stop(&mut function).await;
    let mut buckets = vec![&bucket];
    buckets.extend(outside.as_ref());
    assert_no_credentials(&stderr, &buckets);
}
