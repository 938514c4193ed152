//! Local mode: one invocation from a file or stdin, without a Runtime API.
//!
//! When `AWS_LAMBDA_RUNTIME_API` is unset the binary is not running in
//! Lambda, so instead of polling it serves exactly one event, prints the
//! response JSON on stdout and exits 0, or prints `errorType: message` on
//! stderr and exits 1. The same [`Handler`] serves both modes.

use std::io::{IsTerminal, Read};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::deadline::Deadline;
use crate::failure::Failure;
use crate::guard::{caught, guarded};
use crate::invocation::{self, Handler, Invocation, Response};
use crate::runtime::config_from_env;
use crate::stream::Streaming;

/// Lambda's default function timeout, used when `--timeout` is not given.
pub const DEFAULT_LOCAL_TIMEOUT: Duration = Duration::from_secs(3);

/// The command line of local mode.
#[derive(Debug, PartialEq, Eq)]
pub struct Args {
    /// `--event FILE`; `None` reads stdin.
    pub event: Option<PathBuf>,
    /// `--timeout DURATION`: the simulated function timeout.
    pub timeout: Duration,
}

/// What the command line asked for.
#[derive(Debug, PartialEq, Eq)]
pub enum Command {
    /// Serve one event.
    Run(Args),
    /// `--help`.
    Help,
}

/// The text `--help` prints.
pub fn usage(program: &str) -> String {
    format!(
        "\
{program}: an AWS Lambda function built with lambda-fn

In Lambda (AWS_LAMBDA_RUNTIME_API set) it serves invocations from the Runtime API.
Run locally, it serves one event and exits:

USAGE:
    {program} [--event FILE] [--timeout DURATION]
    {program} < event.json
    {EVENT_VAR}='{{\"key\": \"value\"}}' {program}

OPTIONS:
    -e, --event FILE          read the event JSON from FILE (default: ${EVENT_VAR},
                              then stdin)
    -t, --timeout DURATION    the function timeout to simulate, like 3s or 500ms
                              (default: 3s, Lambda's default)
    -h, --help                print this help

The response JSON is printed on stdout (exit code 0); an error is printed on
stderr as `errorType: message` (exit code 1).
"
    )
}

/// Parses local mode's arguments (without the program name).
pub fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Command, String> {
    let mut event = None;
    let mut timeout = None;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => {
                (flag.to_owned(), Some(value.to_owned()))
            }
            _ => (arg.clone(), None),
        };
        let mut value = |name: &str| {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match flag.as_str() {
            "-h" | "--help" => return Ok(Command::Help),
            "-e" | "--event" => {
                if event.replace(PathBuf::from(value("--event")?)).is_some() {
                    return Err("--event given twice".to_owned());
                }
            }
            "-t" | "--timeout" => {
                let text = value("--timeout")?;
                let parsed = crate::duration::parse(&text)
                    .map_err(|why| format!("--timeout {text:?}: {why}"))?;
                if parsed.is_zero() {
                    return Err("--timeout must be more than zero".to_owned());
                }
                timeout = Some(parsed);
            }
            other => return Err(format!("unexpected argument {other:?}")),
        }
    }
    Ok(Command::Run(Args {
        event,
        timeout: timeout.unwrap_or(DEFAULT_LOCAL_TIMEOUT),
    }))
}

/// The environment variable that may hold the event JSON itself, for scripts
/// and test runners that cannot pass arguments or stdin.
pub const EVENT_VAR: &str = "LAMBDA_FN_EVENT";

/// Reads the event from the file, else from `LAMBDA_FN_EVENT`, else from
/// stdin when it is not a terminal.
pub fn read_event(args: &Args) -> Result<Vec<u8>, String> {
    let event = read_event_bytes(args)?;
    if event.iter().all(u8::is_ascii_whitespace) {
        return Err("the event is empty: Lambda events are JSON documents".to_owned());
    }
    Ok(event)
}

fn read_event_bytes(args: &Args) -> Result<Vec<u8>, String> {
    match &args.event {
        Some(path) => std::fs::read(path)
            .map_err(|err| format!("cannot read the event file {}: {err}", path.display())),
        None if std::env::var_os(EVENT_VAR).is_some() => std::env::var(EVENT_VAR)
            .map(String::into_bytes)
            .map_err(|_| format!("{EVENT_VAR} is not valid UTF-8")),
        None => {
            let stdin = std::io::stdin();
            if stdin.is_terminal() {
                return Err(format!(
                    "no event: pass --event FILE, set {EVENT_VAR} to the event JSON, or pipe the event on stdin"
                ));
            }
            let mut event = Vec::new();
            stdin
                .lock()
                .read_to_end(&mut event)
                .map_err(|err| format!("cannot read the event from stdin: {err}"))?;
            Ok(event)
        }
    }
}

/// Serves one event as Lambda would, with a deadline `timeout` from now,
/// and writes the answer to stdout: a buffered response when it is
/// complete, a streamed one chunk by chunk as it is produced (within the
/// same deadline). A failure is returned for the caller to report.
pub async fn invoke_once<S, H: Handler<S>>(
    handler: &H,
    state: &S,
    event: &[u8],
    timeout: Duration,
    timeout_margin: Duration,
) -> Result<(), Failure> {
    let arrived = Instant::now();
    let now = SystemTime::now();
    let deadline_ms = (now + timeout)
        .duration_since(UNIX_EPOCH)
        .map(|since| since.as_millis() as u64)
        .unwrap_or(0);
    // The simulated timeout is exact: no millisecond rounding as in the header.
    let deadline = Deadline::from_remaining(timeout, timeout_margin, arrived)
        .unwrap_or_else(|_| Deadline::unknown());
    let mut config = config_from_env();
    if config.function_name.is_empty() {
        config.function_name = program_name();
    }
    let mut context = crate::Context::default();
    context.request_id = local_request_id(now);
    context.deadline = deadline_ms;
    context.invoked_function_arn = format!(
        "arn:aws:lambda:local:000000000000:function:{}",
        config.function_name
    );
    context.env_config = Arc::new(config);
    let invocation = Invocation::new(&context, state, &deadline);
    match invocation::serve(handler, event, &invocation).await? {
        Response::Buffered(body) => {
            println!("{}", String::from_utf8_lossy(&body));
            Ok(())
        }
        Response::Streamed(streaming) => print_stream(streaming, &deadline).await,
    }
}

/// Writes each chunk of a streamed response to stdout as it comes (flushed,
/// so that a terminal or a pipe sees it at once), within the deadline
/// guard and the panic catcher.
async fn print_stream(streaming: Streaming, deadline: &Deadline) -> Result<(), Failure> {
    use futures_util::StreamExt;
    use std::io::Write;
    let mut chunks = streaming.chunks;
    let work = async {
        loop {
            match caught(chunks.next()).await? {
                None => return Ok(()),
                Some(Err(diagnostic)) => return Err(Failure::Handler(diagnostic)),
                Some(Ok(chunk)) => {
                    let mut stdout = std::io::stdout().lock();
                    // A closed stdout (`| head`) ends the stream as a caller
                    // that went away does.
                    if stdout
                        .write_all(&chunk)
                        .and_then(|()| stdout.flush())
                        .is_err()
                    {
                        return Ok(());
                    }
                }
            }
        }
    };
    guarded(deadline, work).await?
}

/// The binary's file name, for `--help` and the local function name.
pub fn program_name() -> String {
    std::env::args_os()
        .next()
        .map(PathBuf::from)
        .and_then(|path| {
            path.file_name()
                .map(|name| name.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| "bootstrap".to_owned())
}

fn local_request_id(now: SystemTime) -> String {
    let nanos = now
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos();
    format!("local-{:x}-{:x}", std::process::id(), nanos)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Command, String> {
        parse_args(args.iter().map(|s| s.to_string()))
    }

    #[test]
    fn arguments() {
        assert_eq!(
            parse(&[]).unwrap(),
            Command::Run(Args {
                event: None,
                timeout: DEFAULT_LOCAL_TIMEOUT
            })
        );
        assert_eq!(
            parse(&["--event", "e.json", "--timeout", "500ms"]).unwrap(),
            Command::Run(Args {
                event: Some("e.json".into()),
                timeout: Duration::from_millis(500)
            })
        );
        assert_eq!(
            parse(&["--event=e.json", "-t", "1.5s"]).unwrap(),
            Command::Run(Args {
                event: Some("e.json".into()),
                timeout: Duration::from_millis(1500)
            })
        );
        assert_eq!(parse(&["--help"]).unwrap(), Command::Help);
        assert_eq!(parse(&["--event"]).unwrap_err(), "--event needs a value");
        assert!(
            parse(&["--timeout", "soon"])
                .unwrap_err()
                .starts_with("--timeout \"soon\"")
        );
        assert!(parse(&["--timeout", "0s"]).is_err());
        assert_eq!(parse(&["x"]).unwrap_err(), "unexpected argument \"x\"");
    }
}
