//! The floor (variant c): the least a Lambda function can do to talk to the
//! Runtime API. No async runtime, no HTTP library, no framework: one
//! blocking keep-alive TCP connection, requests written by hand, responses
//! parsed just enough to find the request id and the body.
//!
//! It handles what the loopback server sends (`Content-Length` bodies) and
//! nothing more; it is a measuring stick, not a runtime.

use std::io::{self, BufRead, BufReader, Write};
use std::net::TcpStream;

/// Why an invocation failed: `(errorType, errorMessage)`.
pub type Failure = (String, String);

/// One HTTP response, as much of it as the loop needs.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// `Lambda-Runtime-Aws-Request-Id`, if present.
    pub request_id: Option<String>,
    /// `Lambda-Runtime-Invocation-Id`, if present: echoed on the answer,
    /// as every runtime client must since mid-2026.
    pub invocation_id: Option<String>,
    /// The body.
    pub body: Vec<u8>,
}

/// Reads one HTTP/1.1 response with a `Content-Length` body (or none).
///
/// # Errors
///
/// An I/O error, or `InvalidData` for a response this minimal parser does
/// not understand.
pub fn read_response(reader: &mut impl BufRead) -> io::Result<Response> {
    let invalid = |what: &str| io::Error::new(io::ErrorKind::InvalidData, what.to_owned());
    let mut line = Vec::with_capacity(128);
    reader.read_until(b'\n', &mut line)?;
    if line.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "the Runtime API closed the connection",
        ));
    }
    let status = line
        .split(|&b| b == b' ')
        .nth(1)
        .and_then(|code| std::str::from_utf8(code).ok())
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| invalid("no status code"))?;
    let mut response = Response {
        status,
        ..Response::default()
    };
    let mut length = 0;
    loop {
        line.clear();
        reader.read_until(b'\n', &mut line)?;
        let header = line.trim_ascii_end();
        if header.is_empty() {
            break;
        }
        let Some(colon) = header.iter().position(|&b| b == b':') else {
            return Err(invalid("a header without a colon"));
        };
        let (name, value) = (&header[..colon], header[colon + 1..].trim_ascii());
        if name.eq_ignore_ascii_case(b"content-length") {
            length = std::str::from_utf8(value)
                .ok()
                .and_then(|v| v.parse().ok())
                .ok_or_else(|| invalid("a bad content-length"))?;
        } else if name.eq_ignore_ascii_case(b"lambda-runtime-aws-request-id") {
            response.request_id = Some(String::from_utf8_lossy(value).into_owned());
        } else if name.eq_ignore_ascii_case(b"lambda-runtime-invocation-id") {
            response.invocation_id = Some(String::from_utf8_lossy(value).into_owned());
        } else if name.eq_ignore_ascii_case(b"transfer-encoding") {
            return Err(invalid("chunked bodies are not supported"));
        }
    }
    response.body = vec![0; length];
    reader.read_exact(&mut response.body)?;
    Ok(response)
}

/// Serves invocations forever with `handler`, which turns an event into the
/// response body or a [`Failure`].
///
/// # Errors
///
/// When `AWS_LAMBDA_RUNTIME_API` is not set or the connection fails; a
/// Lambda function then exits and Lambda starts a new one.
pub fn serve(mut handler: impl FnMut(&[u8]) -> Result<Vec<u8>, Failure>) -> io::Result<()> {
    let endpoint = std::env::var("AWS_LAMBDA_RUNTIME_API")
        .map_err(|_| io::Error::other("AWS_LAMBDA_RUNTIME_API is not set"))?;
    let stream = TcpStream::connect(&endpoint)?;
    stream.set_nodelay(true)?;
    let mut writer = &stream;
    let mut reader = BufReader::with_capacity(64 * 1024, &stream);
    let next =
        format!("GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: {endpoint}\r\n\r\n");
    let mut request = Vec::with_capacity(4096);
    loop {
        writer.write_all(next.as_bytes())?;
        let event = read_response(&mut reader)?;
        let Some(request_id) = event.request_id.filter(|_| event.status == 200) else {
            return Err(io::Error::other(format!(
                "/next answered {} without a request id",
                event.status
            )));
        };
        let (kind, body) = match handler(&event.body) {
            Ok(body) => ("response", body),
            Err((error_type, error_message)) => (
                "error",
                serde_json::to_vec(&serde_json::json!({
                    "errorType": error_type,
                    "errorMessage": error_message,
                }))
                .map_err(io::Error::other)?,
            ),
        };
        request.clear();
        write!(
            request,
            "POST /2018-06-01/runtime/invocation/{request_id}/{kind} HTTP/1.1\r\nHost: {endpoint}\r\nContent-Type: application/json\r\n"
        )?;
        if let Some(id) = &event.invocation_id {
            write!(request, "Lambda-Runtime-Invocation-Id: {id}\r\n")?;
        }
        write!(request, "Content-Length: {}\r\n\r\n", body.len())?;
        request.extend_from_slice(&body);
        writer.write_all(&request)?;
        let answer = read_response(&mut reader)?;
        if !(200..300).contains(&answer.status) {
            eprintln!(
                "request {request_id}: the Runtime API answered {}",
                answer.status
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_responses_back_to_back() {
        let wire = b"HTTP/1.1 200 OK\r\nlambda-runtime-aws-request-id: r-1\r\nLambda-Runtime-Invocation-Id: i-1\r\nContent-Length: 7\r\n\r\n{\"a\":1}HTTP/1.1 202 Accepted\r\ncontent-length: 0\r\n\r\n";
        let mut reader = &wire[..];
        let first = read_response(&mut reader).unwrap();
        assert_eq!(
            first,
            Response {
                status: 200,
                request_id: Some("r-1".into()),
                invocation_id: Some("i-1".into()),
                body: b"{\"a\":1}".to_vec(),
            }
        );
        let second = read_response(&mut reader).unwrap();
        assert_eq!((second.status, second.body.len()), (202, 0));
        assert_eq!(
            read_response(&mut reader).unwrap_err().kind(),
            io::ErrorKind::UnexpectedEof
        );
    }
}
