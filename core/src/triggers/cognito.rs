//! `#[lambda(cognito)]`: Amazon Cognito user pool Lambda triggers. The hook
//! is the handler's payload type, one per trigger: pre sign-up
//! ([`PreSignUpRequest`]), post confirmation, pre and post authentication,
//! pre token generation (v1 and v2), custom message, define, create and
//! verify auth challenge, and user migration. The handler returns that
//! hook's response type ([`PreSignUpResponse`], ...).
//!
//! ```ignore
//! #[lambda(cognito)]
//! async fn sign_up(request: PreSignUpRequest) -> Result<PreSignUpResponse, lambda_fn::Error> { ... }
//! ```
//!
//! lambda-fn answers what Cognito expects
//! (<https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-working-with-lambda-triggers.html>):
//! **the very event it received**, every field kept, with its `response`
//! replaced by the handler's. An event whose `triggerSource` is not one of
//! the hook's (a post confirmation event reaching a pre sign-up handler),
//! or that has none, is answered `InvalidEvent` without calling the handler.
//!
//! A handler error fails the invocation with the error's message alone,
//! which Cognito shows the user, prefixed with the trigger's name
//! (`PreSignUp failed with error <message>.`): write it for the user. A
//! panic or the deadline guard firing is reported with a generic message,
//! its details kept in the logs. Either way the user's operation (sign-up,
//! sign-in...) fails.

use std::marker::PhantomData;

use aws_lambda_events::event::cognito as aws;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use crate::Deadline;
use crate::batch::{BatchOutcome, Order};
use crate::decode;
use crate::error::diagnostic;
use crate::failure::Failure;
use crate::invocation::Outcome;
use crate::trigger::{Answers, Fixed, Trigger};

/// What a user is shown when the handler panicked or ran out of time.
const GENERIC_MESSAGE: &str = "the request could not be completed; try again later";

/// One Cognito user pool trigger: the `aws_lambda_events` event type, its
/// request and response, and how to tell its events.
pub trait Hook: DeserializeOwned + 'static {
    /// What the handler takes.
    type Request: Clone + 'static;
    /// What the handler answers.
    type Response: Serialize + Default;
    /// The trigger's name in messages (`pre sign-up`).
    const NAME: &'static str;
    /// The request of an event.
    fn request(&self) -> &Self::Request;
    /// Whether the event's `triggerSource` is one of this hook's (`None`
    /// when it has none), and its header version fits.
    fn trigger_source(&self) -> Option<Result<(), String>>;
    /// Whether `source` is one of this hook's trigger sources, and if not
    /// which they are.
    fn knows_source(source: &Value) -> Result<(), String>;
}

/// The hook whose request type is `Self`: what the handler's payload type
/// names (implemented for each hook's request).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not the request of a Cognito user pool trigger",
    label = "a `cognito` handler takes the request of its hook",
    note = "take `lambda_fn::cognito::PreSignUpRequest`, `PostConfirmationRequest`, `PreAuthenticationRequest`, `PostAuthenticationRequest`, `PreTokenGenerationRequest`, `PreTokenGenerationV2Request`, `CustomMessageRequest`, `DefineAuthChallengeRequest`, `CreateAuthChallengeRequest`, `VerifyAuthChallengeRequest` or `MigrateUserRequest`"
)]
pub trait HookRequest: Clone + Sized + 'static {
    /// The hook.
    type Hook: Hook<Request = Self>;
}

/// A `cognito` handler's return type: the response of its hook.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not what a Cognito handler taking `{Req}` returns",
    label = "must be `Result<R, E>` with `R` the response of the hook whose request is `{Req}`",
    note = "each request goes with its own response: `PreSignUpRequest` with `PreSignUpResponse`, `PostConfirmationRequest` with `PostConfirmationResponse`, and so on"
)]
pub trait Respond<Req: HookRequest, E> {
    /// The handler's answer as a `Result` (it is one).
    fn into_result(self) -> Result<<Req::Hook as Hook>::Response, E>;
}

macro_rules! hooks {
    ($($event:ident($source:ident): $name:literal, $request:ident = $aws_request:ident, $response:ident = $aws_response:ident, $req_field:ident, versions $versions:expr;)*) => {$(
        #[doc = concat!("The request of the ", $name, " trigger (`aws_lambda_events`' `", stringify!($aws_request), "`).")]
        pub type $request = aws::$aws_request;
        #[doc = concat!("The response of the ", $name, " trigger (`aws_lambda_events`' `", stringify!($aws_response), "`): start from `Default::default()` and set its public fields.")]
        pub type $response = aws::$aws_response;

        impl Hook for aws::$event {
            type Request = $request;
            type Response = $response;
            const NAME: &'static str = $name;
            fn request(&self) -> &$request {
                &self.$req_field
            }
            fn knows_source(source: &Value) -> Result<(), String> {
                aws::$source::deserialize(source)
                    .map(|_| ())
                    .map_err(|err| err.to_string())
            }
            fn trigger_source(&self) -> Option<Result<(), String>> {
                let header = &self.cognito_event_user_pools_header;
                header.trigger_source.as_ref()?;
                let versions: &[&str] = $versions;
                Some(match header.version.as_deref() {
                    Some(version) if !versions.is_empty() && !versions.contains(&version) => Err(format!(
                        "a {} event of version {version}, not {}",
                        $name,
                        versions.join(" or ")
                    )),
                    _ => Ok(()),
                })
            }
        }

        impl HookRequest for $request {
            type Hook = aws::$event;
        }

        #[diagnostic::do_not_recommend]
        impl<E> Respond<$request, E> for Result<$response, E> {
            fn into_result(self) -> Self {
                self
            }
        }
    )*};
}

hooks! {
    CognitoEventUserPoolsPreSignup(CognitoEventUserPoolsPreSignupTriggerSource): "pre sign-up",
        PreSignUpRequest = CognitoEventUserPoolsPreSignupRequest,
        PreSignUpResponse = CognitoEventUserPoolsPreSignupResponse, request, versions &[];
    CognitoEventUserPoolsPostConfirmation(CognitoEventUserPoolsPostConfirmationTriggerSource): "post confirmation",
        PostConfirmationRequest = CognitoEventUserPoolsPostConfirmationRequest,
        PostConfirmationResponse = CognitoEventUserPoolsPostConfirmationResponse, request, versions &[];
    CognitoEventUserPoolsPreAuthentication(CognitoEventUserPoolsPreAuthenticationTriggerSource): "pre authentication",
        PreAuthenticationRequest = CognitoEventUserPoolsPreAuthenticationRequest,
        PreAuthenticationResponse = CognitoEventUserPoolsPreAuthenticationResponse, request, versions &[];
    CognitoEventUserPoolsPostAuthentication(CognitoEventUserPoolsPostAuthenticationTriggerSource): "post authentication",
        PostAuthenticationRequest = CognitoEventUserPoolsPostAuthenticationRequest,
        PostAuthenticationResponse = CognitoEventUserPoolsPostAuthenticationResponse, request, versions &[];
    CognitoEventUserPoolsPreTokenGen(CognitoEventUserPoolsPreTokenGenTriggerSource): "pre token generation (v1)",
        PreTokenGenerationRequest = CognitoEventUserPoolsPreTokenGenRequest,
        PreTokenGenerationResponse = CognitoEventUserPoolsPreTokenGenResponse, request, versions &["1"];
    CognitoEventUserPoolsPreTokenGenV2(CognitoEventUserPoolsPreTokenGenTriggerSource): "pre token generation (v2)",
        PreTokenGenerationV2Request = CognitoEventUserPoolsPreTokenGenRequestV2,
        PreTokenGenerationV2Response = CognitoEventUserPoolsPreTokenGenResponseV2, request, versions &[];
    CognitoEventUserPoolsCustomMessage(CognitoEventUserPoolsCustomMessageTriggerSource): "custom message",
        CustomMessageRequest = CognitoEventUserPoolsCustomMessageRequest,
        CustomMessageResponse = CognitoEventUserPoolsCustomMessageResponse, request, versions &[];
    CognitoEventUserPoolsDefineAuthChallenge(CognitoEventUserPoolsDefineAuthChallengeTriggerSource): "define auth challenge",
        DefineAuthChallengeRequest = CognitoEventUserPoolsDefineAuthChallengeRequest,
        DefineAuthChallengeResponse = CognitoEventUserPoolsDefineAuthChallengeResponse, request, versions &[];
    CognitoEventUserPoolsCreateAuthChallenge(CognitoEventUserPoolsCreateAuthChallengeTriggerSource): "create auth challenge",
        CreateAuthChallengeRequest = CognitoEventUserPoolsCreateAuthChallengeRequest,
        CreateAuthChallengeResponse = CognitoEventUserPoolsCreateAuthChallengeResponse, request, versions &[];
    CognitoEventUserPoolsVerifyAuthChallenge(CognitoEventUserPoolsVerifyAuthChallengeTriggerSource): "verify auth challenge",
        VerifyAuthChallengeRequest = CognitoEventUserPoolsVerifyAuthChallengeRequest,
        VerifyAuthChallengeResponse = CognitoEventUserPoolsVerifyAuthChallengeResponse, request, versions &[];
    CognitoEventUserPoolsMigrateUser(CognitoEventUserPoolsMigrateUserTriggerSource): "user migration",
        MigrateUserRequest = CognitoEventUserPoolsMigrateUserRequest,
        MigrateUserResponse = CognitoEventUserPoolsMigrateUserResponse, cognito_event_user_pools_migrate_user_request, versions &[];
}

/// `#[lambda(cognito)]` for the hook of the request `Req`: implements the
/// trigger contract (`crate::trigger`).
#[doc(hidden)]
pub struct Source<Req>(PhantomData<Req>);

/// A Cognito event as received, kept whole for the answer, and its hook's
/// view of it, or why it is not that hook's.
#[doc(hidden)]
pub struct Event<H> {
    received: Value,
    hook: Result<H, Failure>,
}

impl<'de, H: Hook> Deserialize<'de> for Event<H> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let received = Value::deserialize(deserializer)?;
        // The response is the handler's to give: what the event carries in
        // its place (often `{}`, or nothing) is not decoded.
        let mut view = received.clone();
        if let Some(event) = view.as_object_mut() {
            event.insert(
                "response".to_owned(),
                serde_json::to_value(H::Response::default()).unwrap_or(Value::Null),
            );
        }
        let hook = match received.get("triggerSource") {
            None | Some(Value::Null) => Err(Failure::invalid_event(format!(
                "not a Cognito {} event: it has no triggerSource",
                H::NAME
            ))),
            Some(source) => H::knows_source(source).map_err(|why| {
                Failure::invalid_event(format!(
                    "not a Cognito {} event: its triggerSource is {source}: {why}",
                    H::NAME
                ))
            }),
        };
        let hook = hook
            .and_then(|()| decode::from_value::<H>(&view))
            .and_then(|hook| match hook.trigger_source() {
                Some(Err(why)) => Err(Failure::invalid_event(why)),
                _ => Ok(hook),
            });
        Ok(Event { received, hook })
    }
}

impl<Req: HookRequest> Trigger for Source<Req> {
    type Event = Event<Req::Hook>;
    type Record = Event<Req::Hook>;
    type Output = Value;

    fn id(event: &Self::Event) -> Option<String> {
        event
            .received
            .get("triggerSource")
            .and_then(Value::as_str)
            .map(str::to_owned)
    }

    fn records(event: &Self::Event) -> &[Self::Event] {
        std::slice::from_ref(event)
    }

    fn order(_: &Self::Event, _: usize) -> Order {
        Order::InOrder
    }

    async fn answer(event: &Self::Event, outcome: BatchOutcome<Value>, _: &Deadline) -> Outcome {
        match outcome.into_results().next() {
            Some(Ok(response)) => {
                let mut answer = event.received.clone();
                answer["response"] = response;
                decode::encode(&answer).map(Into::into)
            }
            // The message Cognito shows the user: the error's alone.
            Some(Err(Failure::Handler(diagnostic))) => Err(Failure::Handler(diagnostic)),
            Some(Err(invalid @ Failure::InvalidEvent { .. })) => Err(invalid),
            Some(Err(other)) => Err(Failure::Handler(diagnostic(
                other.error_type(),
                GENERIC_MESSAGE,
            ))),
            None => Err(Failure::InvalidResponse(
                "the trigger has no outcome".to_owned(),
            )),
        }
    }
}

impl<Req: HookRequest> Fixed for Source<Req> {
    type Payload = Req;

    fn payload(event: &Self::Event) -> Result<Req, Failure> {
        event
            .hook
            .as_ref()
            .map(|hook| hook.request().clone())
            .map_err(Clone::clone)
    }
}

impl<Req: HookRequest> Answers for Source<Req> {
    type Answer = <Req::Hook as Hook>::Response;

    fn keep(response: Self::Answer) -> Result<Value, Failure> {
        serde_json::to_value(response).map_err(|err| {
            Failure::InvalidResponse(format!("the response could not be serialized: {err}"))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::invocation::{Invocation, call_without_deadline};
    use crate::test_support::{Answer, assert_failure};
    use crate::trigger::Batch;
    use serde_json::json;

    const PRE_SIGN_UP: &[u8] = include_bytes!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/example-cognito-event-userpools-presignup.json"
    ));
    const POST_CONFIRMATION: &[u8] = include_bytes!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/example-cognito-event-userpools-postconfirmation.json"
    ));
    const TOKEN_V2: &[u8] = include_bytes!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/example-cognito-event-userpools-pretokengen-v2-incoming.json"
    ));

    /// Confirms emails at example.com, refuses others, panics on `panic@`.
    async fn sign_up(event: &[u8]) -> Answer {
        let adapter = Batch::<Source<PreSignUpRequest>, _, _, _, crate::Error>::answering(
            async |request: PreSignUpRequest, _: &Invocation<'_, ()>| {
                let email = request
                    .user_attributes
                    .get("email")
                    .cloned()
                    .unwrap_or_default();
                if email.starts_with("panic@") {
                    panic!("the address book is corrupt");
                }
                if !email.ends_with("@example.com") {
                    return Err(crate::Error::msg("only example.com addresses may sign up"));
                }
                let mut response = PreSignUpResponse::default();
                response.auto_confirm_user = true;
                response.auto_verify_email = true;
                Ok(response)
            },
            <Source<PreSignUpRequest> as Fixed>::payload,
            <Source<PreSignUpRequest> as Answers>::keep,
            crate::IntoDiagnostic::into_diagnostic,
            1,
        );
        call_without_deadline(&adapter, event).await
    }

    fn with_email(email: &str) -> Vec<u8> {
        let mut event: Value = serde_json::from_slice(PRE_SIGN_UP).unwrap();
        event["request"]["userAttributes"]["email"] = email.into();
        serde_json::to_vec(&event).unwrap()
    }

    #[tokio::test]
    async fn the_answer_is_the_received_event_with_its_response() {
        let mut received: Value = serde_json::from_slice(&with_email("ada@example.com")).unwrap();
        received["unknownToTheTypes"] = json!({"kept": true});
        let answer: Value = serde_json::from_slice(
            &sign_up(&serde_json::to_vec(&received).unwrap())
                .await
                .unwrap(),
        )
        .unwrap();
        let mut expected = received.clone();
        expected["response"] =
            json!({"autoConfirmUser": true, "autoVerifyEmail": true, "autoVerifyPhone": false});
        assert_eq!(answer, expected);
    }

    #[tokio::test]
    async fn an_error_is_the_users_message_and_a_panic_a_generic_one() {
        let err = sign_up(&with_email("bob@elsewhere.org")).await.unwrap_err();
        assert_failure(
            &err,
            "HandlerError",
            "only example.com addresses may sign up",
        );
        let err = sign_up(&with_email("panic@example.com")).await.unwrap_err();
        assert_failure(&err, "Panic", GENERIC_MESSAGE);
    }

    #[tokio::test]
    async fn another_hooks_event_is_invalid() {
        let err = sign_up(POST_CONFIRMATION).await.unwrap_err();
        assert_eq!(err.error_type, "InvalidEvent");
        crate::test_support::assert_starts_with(
            &err.error_message,
            "not a Cognito pre sign-up event: its triggerSource is \"PostConfirmation_ConfirmSignUp\": unknown variant",
        );
        let mut event: Value = serde_json::from_slice(PRE_SIGN_UP).unwrap();
        event.as_object_mut().unwrap().remove("triggerSource");
        let err = sign_up(&serde_json::to_vec(&event).unwrap())
            .await
            .unwrap_err();
        assert_failure(
            &err,
            "InvalidEvent",
            "not a Cognito pre sign-up event: it has no triggerSource",
        );
    }

    #[test]
    fn token_generation_v1_and_v2_are_told_apart_by_version() {
        let v2: Event<<PreTokenGenerationV2Request as HookRequest>::Hook> =
            serde_json::from_slice(TOKEN_V2).unwrap();
        assert!(v2.hook.is_ok(), "{:?}", v2.hook.err());
        let mut event: Value = serde_json::from_slice(TOKEN_V2).unwrap();
        event["version"] = "2".into();
        let v2: Event<<PreTokenGenerationV2Request as HookRequest>::Hook> =
            serde_json::from_value(event.clone()).unwrap();
        assert!(v2.hook.is_ok(), "{:?}", v2.hook.err());
        let v1: Event<<PreTokenGenerationRequest as HookRequest>::Hook> =
            serde_json::from_value(event).unwrap();
        let err = v1.hook.expect_err("a v2 event is not a v1 event");
        crate::test_support::assert_starts_with(
            &err.message(),
            "a pre token generation (v1) event of version 2, not 1",
        );
    }
}
