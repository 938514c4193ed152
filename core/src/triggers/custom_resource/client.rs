//! The PUT of a custom resource's response to CloudFormation's presigned S3
//! URL: HTTP/1.1 over rustls (the ring provider, the webpki roots plus any
//! in `SSL_CERT_FILE`), one connection per attempt, retried with backoff
//! within a bounded time.
//!
//! The URL must be `https`, except on a loopback address (`127.0.0.0/8`,
//! `::1`, `localhost`), which may be plain `http` for local testing: the
//! document may carry secrets (`NoEcho` data), and a presigned URL is a
//! credential.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use rustls::ClientConfig;
use rustls::pki_types::{CertificateDer, ServerName, pem::PemObject};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

/// How many times a response is sent before lambda-fn gives up.
pub(crate) const ATTEMPTS: u32 = 5;

/// The pause after the first failed attempt; it doubles after each.
const FIRST_BACKOFF: Duration = Duration::from_millis(200);

/// How long one attempt may take: connecting, the TLS handshake, the PUT
/// and S3's answer.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);

/// The least time one address is given to accept a connection before the
/// next is tried (an address that drops SYNs, an IPv6 one without a route).
const MIN_CONNECT_TIMEOUT: Duration = Duration::from_millis(250);

/// How much of an error answer is read, to quote S3's error code.
const ERROR_BODY_LIMIT: usize = 4096;

/// Where a response goes: a URL checked for its scheme and host. Its
/// `Debug` is [`Target::describe`]: never the query.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Target {
    tls: bool,
    host: String,
    port: u16,
    /// `host[:port]` as the URL writes it: the `Host` header.
    authority: String,
    path_and_query: String,
}

impl Target {
    /// The URL `url`, if a response may be sent to it: `https`, or `http`
    /// on a loopback address. The error says why not, without quoting the
    /// URL's query (its signature).
    pub(crate) fn parse(url: &str) -> Result<Self, String> {
        let uri: http::Uri = url
            .parse()
            .map_err(|err| format!("the ResponseURL is not a URL ({err})"))?;
        let tls = match uri.scheme_str() {
            Some("https") => true,
            Some("http") => false,
            Some(other) => {
                return Err(format!(
                    "the ResponseURL's scheme is {other:?}: a response is sent over https"
                ));
            }
            None => return Err("the ResponseURL is not an absolute URL".to_owned()),
        };
        let authority = uri
            .authority()
            .ok_or("the ResponseURL has no host")?
            .clone();
        if authority.as_str().contains('@') {
            return Err("the ResponseURL carries user credentials".to_owned());
        }
        let host = authority
            .host()
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        if host.is_empty() {
            return Err("the ResponseURL has no host".to_owned());
        }
        let target = Self {
            tls,
            port: authority.port_u16().unwrap_or(if tls { 443 } else { 80 }),
            authority: authority.as_str().to_owned(),
            path_and_query: request_target(&uri),
            host,
        };
        if !tls && target.loopback().is_none() {
            return Err(format!(
                "the ResponseURL is plain http to {}: only a loopback address (127.0.0.0/8, ::1, localhost) may be, any other must be https",
                target.host
            ));
        }
        Ok(target)
    }

    /// The addresses of a loopback host, when it is one.
    fn loopback(&self) -> Option<Vec<IpAddr>> {
        if self.host.eq_ignore_ascii_case("localhost") {
            return Some(vec![
                IpAddr::V4(Ipv4Addr::LOCALHOST),
                IpAddr::V6(Ipv6Addr::LOCALHOST),
            ]);
        }
        let ip: IpAddr = self.host.parse().ok()?;
        ip.is_loopback().then(|| vec![ip])
    }

    /// Where the response goes, for logs and messages: scheme, host and
    /// path, never the query (the presigned URL's signature).
    pub(crate) fn describe(&self) -> String {
        let path = self.path_and_query.split('?').next().unwrap_or_default();
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://{}{path}", self.authority)
    }
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Target({})", self.describe())
    }
}

/// The request target of `uri`: its path (`/` when it has none, also
/// before a query: `https://host?X-Amz-...`) and query.
fn request_target(uri: &http::Uri) -> String {
    let path = match uri.path() {
        "" => "/",
        path => path,
    };
    match uri.query() {
        Some(query) => format!("{path}?{query}"),
        None => path.to_owned(),
    }
}

/// How a PUT went, once it is over.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Sent {
    /// S3's status.
    pub(crate) status: u16,
    /// How many attempts it took.
    pub(crate) attempts: u32,
}

/// Why a response could not be sent.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct NotSent {
    /// What the last attempt ran into.
    pub(crate) reason: String,
    /// How many attempts were made.
    pub(crate) attempts: u32,
}

/// What one attempt ran into: worth another attempt or not.
enum Attempt {
    Retry(String),
    GiveUp(String),
}

/// PUTs `body` to `target` with an empty `Content-Type` (what the URL is
/// signed for), trying again after a connection failure, a timeout, a TLS
/// alert or a 5xx, 429, 408 or S3 `RequestTimeout` answer, up to [`ATTEMPTS`] times and never past `until`.
pub(crate) async fn put(target: &Target, body: Bytes, until: Instant) -> Result<Sent, NotSent> {
    let mut backoff = FIRST_BACKOFF;
    let mut attempts = 0;
    loop {
        attempts += 1;
        let left = until.saturating_duration_since(Instant::now());
        let budget = left.min(ATTEMPT_TIMEOUT);
        let outcome =
            match tokio::time::timeout(budget, attempt(target, body.clone(), attempts, budget))
                .await
            {
                Ok(Ok(status)) => return Ok(Sent { status, attempts }),
                Ok(Err(outcome)) => outcome,
                Err(_) => Attempt::Retry(format!(
                    "no answer within {}",
                    crate::deadline::format_duration(budget)
                )),
            };
        let reason = match outcome {
            Attempt::GiveUp(reason) => return Err(NotSent { reason, attempts }),
            Attempt::Retry(reason) => reason,
        };
        let left = until.saturating_duration_since(Instant::now());
        if attempts >= ATTEMPTS || left <= backoff {
            return Err(NotSent { reason, attempts });
        }
        tracing::warn!(
            target: "lambda_fn",
            url = %target.describe(),
            attempt = attempts,
            reason = %reason,
            "the custom resource response was not accepted; trying again"
        );
        tokio::time::sleep(backoff).await;
        backoff *= 2;
    }
}

/// One attempt (the `number`th, within `budget`): a fresh connection, the
/// PUT, S3's status.
async fn attempt(
    target: &Target,
    body: Bytes,
    number: u32,
    budget: Duration,
) -> Result<u16, Attempt> {
    let tcp = connect(target, number, budget).await?;
    if target.tls {
        let config = tls_config().map_err(Attempt::GiveUp)?;
        let name = ServerName::try_from(target.host.clone()).map_err(|_| {
            Attempt::GiveUp(format!("{:?} is not a valid TLS server name", target.host))
        })?;
        let tls = tokio_rustls::TlsConnector::from(config)
            .connect(name, tcp)
            .await
            .map_err(|err| tls_failure(target, &err))?;
        exchange(target, tls, body).await
    } else {
        exchange(target, tcp, body).await
    }
}

/// A TCP connection to the first address of `target` that accepts one,
/// each given its share of `budget`; the `number`th attempt starts at
/// another address than the one before.
async fn connect(target: &Target, number: u32, budget: Duration) -> Result<TcpStream, Attempt> {
    let mut addresses: Vec<SocketAddr> = match target.loopback() {
        Some(ips) => ips
            .into_iter()
            .map(|ip| SocketAddr::new(ip, target.port))
            .collect(),
        None => tokio::net::lookup_host((target.host.as_str(), target.port))
            .await
            .map_err(|err| Attempt::Retry(format!("{} did not resolve: {err}", target.host)))?
            .collect(),
    };
    if addresses.is_empty() {
        return Err(Attempt::Retry(format!("{} has no address", target.host)));
    }
    let len = addresses.len();
    addresses.rotate_left((number as usize).saturating_sub(1) % len);
    let share = (budget / u32::try_from(len).unwrap_or(u32::MAX)).max(MIN_CONNECT_TIMEOUT);
    let mut last = String::new();
    for address in addresses {
        match tokio::time::timeout(share, TcpStream::connect(address)).await {
            Ok(Ok(stream)) => {
                // The document goes in one write; no reason to wait for an ack.
                let _ = stream.set_nodelay(true);
                return Ok(stream);
            }
            Ok(Err(err)) => last = format!("could not connect to {address}: {err}"),
            Err(_) => {
                last = format!(
                    "could not connect to {address} within {}",
                    crate::deadline::format_duration(share)
                );
            }
        }
    }
    Err(Attempt::Retry(last))
}

/// A certificate the roots do not vouch for is not worth another attempt;
/// a connection lost or an alert during the handshake is.
fn tls_failure(target: &Target, err: &std::io::Error) -> Attempt {
    let message = format!("the TLS handshake with {} failed: {err}", target.host);
    let refused = err.get_ref().is_some_and(|inner| {
        matches!(
            inner.downcast_ref::<rustls::Error>(),
            Some(rustls::Error::InvalidCertificate(_) | rustls::Error::NoCertificatesPresented)
        )
    });
    if refused {
        Attempt::GiveUp(message)
    } else {
        Attempt::Retry(message)
    }
}

/// Aborts the connection's task when the attempt ends, also when its
/// timeout drops it.
struct Driver(tokio::task::JoinHandle<Result<(), hyper::Error>>);

impl Drop for Driver {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The PUT over an open connection, and S3's answer.
async fn exchange<IO>(target: &Target, io: IO, body: Bytes) -> Result<u16, Attempt>
where
    IO: AsyncRead + AsyncWrite + Send + Unpin + 'static,
{
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(io))
        .await
        .map_err(|err| Attempt::Retry(format!("HTTP handshake failed: {err}")))?;
    let _driver = Driver(tokio::spawn(connection));
    let length = body.len();
    let request = http::Request::put(target.path_and_query.as_str())
        .header(http::header::HOST, target.authority.as_str())
        // The presigned URL is signed for an empty Content-Type.
        .header(http::header::CONTENT_TYPE, "")
        .header(http::header::CONTENT_LENGTH, length)
        .body(Full::new(body))
        .map_err(|err| Attempt::GiveUp(format!("the request could not be built: {err}")))?;
    let answered = sender.send_request(request).await;
    match answered {
        Err(err) => Err(Attempt::Retry(format!("the PUT failed: {err}"))),
        Ok(response) => {
            let status = response.status();
            if status.is_success() {
                Ok(status.as_u16())
            } else {
                let body = http_body_util::Limited::new(response.into_body(), ERROR_BODY_LIMIT)
                    .collect()
                    .await
                    .map(|collected| collected.to_bytes())
                    .unwrap_or_default();
                let message = refusal(status, &body);
                // S3 answers an upload it gave up waiting for `400
                // RequestTimeout`, which its SDKs try again.
                let timed_out = status.as_u16() == 400 && message.contains("(RequestTimeout");
                if status.is_server_error() || matches!(status.as_u16(), 408 | 429) || timed_out {
                    Err(Attempt::Retry(message))
                } else {
                    Err(Attempt::GiveUp(message))
                }
            }
        }
    }
}

/// `the PUT was answered 403 Forbidden (AccessDenied: Request has
/// expired)`: the status, and S3's error code and message when its XML
/// error document has them.
fn refusal(status: http::StatusCode, body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let element = |name: &str| {
        let open = format!("<{name}>");
        let start = text.find(&open)? + open.len();
        let end = text[start..].find(&format!("</{name}>"))? + start;
        Some(text[start..end].trim().to_owned())
    };
    match (element("Code"), element("Message")) {
        (Some(code), Some(message)) => format!("the PUT was answered {status} ({code}: {message})"),
        (Some(code), None) => format!("the PUT was answered {status} ({code})"),
        _ => format!("the PUT was answered {status}"),
    }
}

/// The TLS client configuration, built once per execution environment.
fn tls_config() -> Result<Arc<ClientConfig>, String> {
    static CONFIG: OnceLock<Result<Arc<ClientConfig>, String>> = OnceLock::new();
    CONFIG
        .get_or_init(|| build_tls_config(std::env::var_os("SSL_CERT_FILE")))
        .clone()
}

/// The webpki roots, plus the PEM certificates in `extra` (`SSL_CERT_FILE`).
/// A file that cannot be read is logged and left out: the public roots
/// still verify S3.
fn build_tls_config(extra: Option<std::ffi::OsString>) -> Result<Arc<ClientConfig>, String> {
    let mut roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    if let Some(path) = extra.filter(|path| !path.is_empty()) {
        let added = CertificateDer::pem_file_iter(&path)
            .map_err(|err| err.to_string())
            .and_then(|certs| {
                certs
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|err| err.to_string())
            })
            .map(|certs| roots.add_parsable_certificates(certs));
        match added {
            Ok((valid, invalid)) => tracing::debug!(
                target: "lambda_fn",
                path = %path.to_string_lossy(),
                valid,
                invalid,
                "added the certificates of SSL_CERT_FILE to the TLS roots"
            ),
            Err(err) => tracing::warn!(
                target: "lambda_fn",
                path = %path.to_string_lossy(),
                "SSL_CERT_FILE could not be read ({err}); verifying with the public roots only"
            ),
        }
    }
    let mut config =
        ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .map_err(|err| format!("TLS could not be set up: {err}"))?
            .with_root_certificates(roots)
            .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_urls_are_targets() {
        let target = Target::parse(
            "https://cr-response-bucket.s3.us-east-1.amazonaws.com/cr-response-key?sig-params=sig-values",
        )
        .unwrap();
        assert_eq!(
            target,
            Target {
                tls: true,
                host: "cr-response-bucket.s3.us-east-1.amazonaws.com".to_owned(),
                port: 443,
                authority: "cr-response-bucket.s3.us-east-1.amazonaws.com".to_owned(),
                path_and_query: "/cr-response-key?sig-params=sig-values".to_owned(),
            }
        );
        // Never the signature.
        assert_eq!(
            target.describe(),
            "https://cr-response-bucket.s3.us-east-1.amazonaws.com/cr-response-key"
        );
        // No path, only a query: the request target starts at `/`.
        let bare = Target::parse("http://127.0.0.1:9?X-Amz-Signature=abc").unwrap();
        assert_eq!(bare.path_and_query, "/?X-Amz-Signature=abc");
        assert_eq!(bare.describe(), "http://127.0.0.1:9/");
        assert_eq!(
            Target::parse("https://example.com").unwrap().path_and_query,
            "/"
        );
        let ipv6 = Target::parse("https://[2001:db8::1]:8443/x").unwrap();
        assert_eq!((ipv6.host.as_str(), ipv6.port), ("2001:db8::1", 8443));
    }

    #[test]
    fn plain_http_only_on_loopback() {
        for url in [
            "http://127.0.0.1:8080/r?X-Amz-Signature=abc",
            "http://127.3.4.5/r",
            "http://[::1]:9000/r",
            "http://localhost:9000/r",
            "http://LOCALHOST/r",
        ] {
            let target = Target::parse(url).unwrap_or_else(|err| panic!("{url}: {err}"));
            assert!(!target.tls);
        }
        for url in [
            "http://cr-response-bucket.s3.amazonaws.com/key",
            "http://10.0.0.1/key",
            "http://[::2]/key",
            "http://128.0.0.1/key",
            "http://localhost.example.com/key",
        ] {
            let err = Target::parse(url).unwrap_err();
            assert!(err.contains("only a loopback address"), "{url}: {err}");
        }
    }

    #[test]
    fn unusable_urls_say_why() {
        assert!(
            Target::parse("ftp://example.com/x")
                .unwrap_err()
                .contains("\"ftp\"")
        );
        assert!(
            Target::parse("/relative/path")
                .unwrap_err()
                .contains("not an absolute URL")
        );
        assert!(
            Target::parse("not a url")
                .unwrap_err()
                .contains("not a URL")
        );
        assert!(
            Target::parse("https://user:pw@example.com/x")
                .unwrap_err()
                .contains("credentials")
        );
    }

    #[test]
    fn refusals_quote_s3s_error_code() {
        let body = b"<?xml version=\"1.0\"?><Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>";
        assert_eq!(
            refusal(http::StatusCode::FORBIDDEN, body),
            "the PUT was answered 403 Forbidden (AccessDenied: Request has expired)"
        );
        assert_eq!(
            refusal(http::StatusCode::BAD_GATEWAY, b"<html>"),
            "the PUT was answered 502 Bad Gateway"
        );
    }

    #[test]
    fn a_missing_cert_file_keeps_the_public_roots() {
        let config = build_tls_config(Some("/nonexistent/ca.pem".into())).unwrap();
        assert_eq!(config.alpn_protocols, vec![b"http/1.1".to_vec()]);
    }

    #[tokio::test]
    async fn nothing_listening_is_retried_then_given_up() {
        // A port nothing listens on: bind, note it, close.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let target = Target::parse(&format!("http://127.0.0.1:{port}/r")).unwrap();
        let started = Instant::now();
        let err = put(
            &target,
            Bytes::from_static(b"{}"),
            started + Duration::from_secs(10),
        )
        .await
        .unwrap_err();
        assert_eq!(err.attempts, ATTEMPTS);
        assert!(err.reason.contains("could not connect"), "{}", err.reason);
        // 200 + 400 + 800 + 1600 ms of backoff.
        assert!(started.elapsed() >= Duration::from_millis(3000));
        // And within a short bound, nothing is tried past it.
        let started = Instant::now();
        let err = put(
            &target,
            Bytes::from_static(b"{}"),
            started + Duration::from_millis(500),
        )
        .await
        .unwrap_err();
        assert!(err.attempts < ATTEMPTS, "{err:?}");
        assert!(started.elapsed() < Duration::from_millis(600));
    }
}
