//! The entry point the generated `main` calls.

use std::future::Future;
use std::pin::Pin;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::deadline::{SHUTDOWN_GRACE, ShutdownCut};
use crate::error::{self, Diagnostic};
use crate::guard::caught;
use crate::invocation::Handler;
use crate::local::{self, Command};
use crate::runtime::{self, RuntimeApi};
use crate::shutdown::Signals;
use crate::watchdog::Watchdog;

/// Which tokio runtime runs the function.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavor {
    /// One thread (the default). Lambda gives a function at most one vCPU
    /// below 1,769 MB, and one thread keeps one connection to the Runtime
    /// API and no cross-thread wakeups on the hot path.
    CurrentThread,
    /// tokio's multi-thread scheduler, one worker per CPU: for handlers that
    /// spawn CPU-parallel work on functions with more than one vCPU.
    MultiThread,
}

/// The attribute's options, as the generated `main` passes them.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// `flavor = "..."`.
    pub flavor: Flavor,
    /// `timeout_margin = "..."`.
    pub timeout_margin: Duration,
    /// Whether to install lambda-fn's tracing subscriber (`logging = false`
    /// turns it off: install your own, in `init` for example).
    pub install_logging: bool,
}

/// Runs the function: against the Runtime API when `AWS_LAMBDA_RUNTIME_API`
/// is set, otherwise once on a local event (see `local.rs`).
///
/// `shutdown` runs once when the process receives `SIGTERM` or `SIGINT`
/// (see `shutdown.rs`), and in local mode after the event is served.
pub fn start<S, I, F, H, D>(options: Options, init: I, handler: H, shutdown: Option<D>) -> ExitCode
where
    I: FnOnce() -> F,
    F: Future<Output = Result<S, Diagnostic>>,
    H: Handler<S>,
    D: AsyncFnOnce(&S),
{
    let started = Instant::now();
    if options.install_logging {
        crate::logging::install();
    }
    let runtime = match options.flavor {
        Flavor::CurrentThread => tokio::runtime::Builder::new_current_thread(),
        Flavor::MultiThread => tokio::runtime::Builder::new_multi_thread(),
    }
    .enable_all()
    .build();
    let runtime = match runtime {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("lambda-fn: cannot start the tokio runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    // One `block_on`, of a `dyn` future: tokio compiles `block_on` once per
    // runtime flavor, and each copy would otherwise inline the whole serving
    // loop, handler included (about 95 KB in echo-a).
    let endpoint = std::env::var("AWS_LAMBDA_RUNTIME_API");
    let main: Pin<Box<dyn Future<Output = ExitCode> + '_>> = match &endpoint {
        Ok(endpoint) => Box::pin(in_lambda(
            endpoint, started, options, init, handler, shutdown,
        )),
        Err(_) => Box::pin(locally(options, init, handler, shutdown)),
    };
    runtime.block_on(main)
}

/// Runs `init` once, turning a panic into an `InitError`.
async fn build_state<S, I, F>(init: I) -> Result<S, Diagnostic>
where
    I: FnOnce() -> F,
    F: Future<Output = Result<S, Diagnostic>>,
{
    match caught(async move { init().await }).await {
        Ok(state) => state,
        Err(panic) => Err(error::diagnostic(
            error::INIT_ERROR,
            format!("init panicked: {}", panic.message()),
        )),
    }
}

async fn in_lambda<S, I, F, H, D>(
    endpoint: &str,
    started: Instant,
    options: Options,
    init: I,
    handler: H,
    shutdown: Option<D>,
) -> ExitCode
where
    I: FnOnce() -> F,
    F: Future<Output = Result<S, Diagnostic>>,
    H: Handler<S>,
    D: AsyncFnOnce(&S),
{
    // With a hook, listening starts before anything else, so that a signal
    // during init is not lost (the hook runs once the state exists).
    let early_signals = if shutdown.is_some() {
        Signals::listen()
    } else {
        None
    };
    let api = match RuntimeApi::new(endpoint) {
        Ok(api) => api,
        Err(why) => {
            eprintln!("lambda-fn: {why}");
            return ExitCode::FAILURE;
        }
    };
    // Warm state is built before the first poll of `/next`: Lambda counts
    // this as the init phase, and a failure is reported as such.
    let state = match build_state(init).await {
        Ok(state) => state,
        Err(failure) => {
            eprintln!("{}: {}", failure.error_type, failure.error_message);
            api.init_error(&failure).await;
            return ExitCode::FAILURE;
        }
    };
    let concurrency = runtime::max_concurrency();
    // Several invocations share one thread: a handler that blocks it would
    // stop every guard, so a watchdog thread answers for them.
    let watchdog = (concurrency > 1)
        .then(|| {
            Watchdog::start(endpoint)
                .inspect_err(|why| tracing::warn!(error = %why, "no watchdog: a handler that blocks its thread delays the other invocations' Timeout answers"))
                .ok()
        })
        .flatten();
    // Registered before the first `/next`, while Lambda is still in init.
    let extension = match &shutdown {
        Some(_) => match api.register_extension(SHUTDOWN_EXTENSION).await {
            Ok(id) => Some(id),
            Err(why) => {
                tracing::warn!(error = %why, "could not register the shutdown extension: Lambda may not send SIGTERM, the hook runs only if a signal arrives");
                None
            }
        },
        None => None,
    };
    // Init ends with the first poll of `/next`, next.
    crate::cold_start::report(started);
    let extension = async {
        if let Some(id) = &extension
            && let Err(why) = api.extension_next(id).await
        {
            tracing::debug!(error = %why, "the shutdown extension's poll ended");
        }
        std::future::pending::<()>().await;
    };
    let cut = Arc::new(ShutdownCut::default());
    let mut serving = std::pin::pin!(runtime::serve(
        &api,
        &state,
        &handler,
        options.timeout_margin,
        concurrency,
        &cut,
        watchdog.as_ref(),
    ));
    // Listening is always on: an external extension makes Lambda send
    // `SIGTERM` too, and the invocation in flight must still be answered.
    // Without a hook it starts once the first `/next` is on its way, off
    // the cold start's path (there is no invocation to answer before).
    let signal = async {
        let mut signals = match early_signals {
            Some(signals) => Some(signals),
            None => Signals::listen(),
        };
        match signals.as_mut() {
            Some(signals) => signals.received().await,
            None => std::future::pending().await,
        }
    };
    let (stopped_by, started) = tokio::select! {
        // The loops first: their first poll of `/next` goes out before the
        // signal handlers are installed.
        biased;
        result = &mut serving => (Err(result), Instant::now()),
        signal = signal => {
            let started = Instant::now();
            tracing::info!(signal, "shutting down: answering the invocations in flight");
            // The invocations in flight get a short grace to finish, then
            // their guards fire and they are answered; the loops stop
            // polling. Bounded, in case a handler blocks its thread.
            cut.begin(started + SHUTDOWN_GRACE);
            if tokio::time::timeout(SHUTDOWN_BUDGET, &mut serving).await.is_err() {
                tracing::warn!("an invocation was still being answered at the end of the shutdown budget");
            }
            (Ok(signal), started)
        }
        () = extension => (Ok("the shutdown extension"), Instant::now()),
    };
    // The hook runs once, whichever way the environment ends: a signal, or
    // a Runtime API that is gone (Lambda replaces such an environment).
    if let Some(hook) = shutdown {
        tracing::info!("running the shutdown hook");
        let hook_started = Instant::now();
        hook(&state).await;
        let took = started.elapsed();
        if stopped_by.is_ok() && took > SHUTDOWN_BUDGET {
            tracing::warn!(?took, hook = ?hook_started.elapsed(), "the shutdown took longer than the ~500 ms Lambda allows before SIGKILL");
        } else {
            tracing::info!(hook = ?hook_started.elapsed(), "the shutdown hook finished");
        }
    }
    match stopped_by {
        Ok(_) => ExitCode::SUCCESS,
        Err(result) => stopped(result),
    }
}

/// The name of the internal extension that makes Lambda send `SIGTERM`.
const SHUTDOWN_EXTENSION: &str = "lambda-fn-shutdown";

/// About how long Lambda waits after `SIGTERM` before `SIGKILL`.
const SHUTDOWN_BUDGET: Duration = Duration::from_millis(500);

fn stopped(result: Result<(), String>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(why) => {
            eprintln!("lambda-fn: stopping: {why}");
            ExitCode::FAILURE
        }
    }
}

async fn locally<S, I, F, H, D>(
    options: Options,
    init: I,
    handler: H,
    shutdown: Option<D>,
) -> ExitCode
where
    I: FnOnce() -> F,
    F: Future<Output = Result<S, Diagnostic>>,
    H: Handler<S>,
    D: AsyncFnOnce(&S),
{
    let program = local::program_name();
    let args = match local::parse_args(std::env::args().skip(1)) {
        Ok(Command::Run(args)) => args,
        Ok(Command::Help) => {
            print!("{}", local::usage(&program));
            return ExitCode::SUCCESS;
        }
        Err(why) => {
            eprintln!("{program}: {why}\n\n{}", local::usage(&program));
            return ExitCode::from(2);
        }
    };
    let event = match local::read_event(&args) {
        Ok(event) => event,
        Err(why) => {
            eprintln!("{program}: {why}");
            return ExitCode::from(2);
        }
    };
    let outcome = match build_state(init).await {
        Ok(state) => {
            // The answer is written to stdout as it is produced.
            let outcome = local::invoke_once(
                &handler,
                &state,
                &event,
                args.timeout,
                options.timeout_margin,
            )
            .await
            .map_err(crate::failure::Failure::into_diagnostic);
            // The local environment ends here: the hook runs as it would
            // at shutdown.
            if let Some(hook) = shutdown {
                hook(&state).await;
            }
            outcome
        }
        Err(failure) => Err(failure),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("{}: {}", failure.error_type, failure.error_message);
            ExitCode::FAILURE
        }
    }
}

/// For a function without `init`: the warm state is `()`.
pub async fn no_init() -> Result<(), Diagnostic> {
    Ok(())
}
