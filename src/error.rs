//! The crate's one error type.

use std::time::Duration;

/// What went wrong, grouped by what the caller can do about it.
///
/// Every variant names the thing it is about: the argument, the endpoint,
/// the RPC and the collection.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A URL that does not parse, or that names a scheme other than http/https.
    #[error("invalid URL `{url}`: {reason}")]
    InvalidUrl {
        /// The URL as given.
        url: String,
        /// Why it was rejected.
        reason: String,
    },

    /// Bad input caught before anything was sent.
    #[error("invalid argument `{argument}`: {reason}")]
    InvalidArgument {
        /// The argument, with its position where it has one (`points[3].id`).
        argument: String,
        /// What was wrong with it.
        reason: String,
    },

    /// The server could not be reached.
    #[error("cannot connect to {endpoint}: {reason}{}", hint.map(|h| format!(" (hint: {h})")).unwrap_or_default())]
    Connect {
        /// The endpoint tried.
        endpoint: String,
        /// Why it failed, with the operating system's reason where there is one.
        reason: String,
        /// What to try, when the failure looks like a known mistake.
        hint: Option<&'static str>,
    },

    /// The connection broke during the call: it was closed, reset or went
    /// away, or its keepalive went unanswered.
    #[error("{rpc}{}: the connection to {endpoint} failed {}: {reason}", on(collection), if *sent { "after the request was sent (it may have been applied)" } else { "before the request was sent" })]
    Connection {
        /// The endpoint the call went to.
        endpoint: String,
        /// The RPC, as `Service/Method`.
        rpc: &'static str,
        /// The collection the call was about, if any.
        collection: Option<String>,
        /// What happened to the connection.
        reason: String,
        /// Whether the request may have reached the server.
        sent: bool,
    },

    /// The server answered the RPC with an error status.
    #[error("{rpc}{}{}: {} ({code:?}): {message}", on(collection), endpoint.as_deref().map(|e| format!(" at {e}")).unwrap_or_default(), code.description())]
    Server {
        /// The gRPC status code.
        code: tonic::Code,
        /// The server's message.
        message: String,
        /// The RPC, as `Service/Method`.
        rpc: &'static str,
        /// The collection the call was about, if any.
        collection: Option<String>,
        /// The endpoint that answered.
        endpoint: Option<String>,
        /// How long the server asked the client to wait before trying again
        /// (its `retry-after` metadata, sent with `ResourceExhausted`).
        retry_after: Option<Duration>,
    },

    /// The call's deadline passed before an answer arrived.
    #[error("{rpc}{}: no answer within {}{}", on(collection), after.map(|d| format!("{d:?}")).unwrap_or_else(|| "the deadline".into()), endpoint.as_deref().map(|e| format!(" (last tried {e})")).unwrap_or_default())]
    Timeout {
        /// The RPC, as `Service/Method`.
        rpc: &'static str,
        /// The collection the call was about, if any.
        collection: Option<String>,
        /// The deadline that passed, when known.
        after: Option<Duration>,
        /// The endpoint of the last attempt, if one was sent.
        endpoint: Option<String>,
    },

    /// The server's answer lacked something it must carry, or carried
    /// something this client cannot read.
    #[error("unexpected response: `{field}` {reason}")]
    UnexpectedResponse {
        /// The response field, as a path (`result[2].id`).
        field: String,
        /// What was wrong with it.
        reason: String,
    },

    /// Some batches of an upload could not be confirmed after their
    /// retries. Every point read from the input is in exactly one place:
    /// counted as written in `summary`, listed in `not_written`, or listed
    /// in `unknown`.
    #[error("upload: {} points written, {} not written, {} unknown (sent, but no answer came back); first failure: {source}", summary.points, not_written.len(), unknown.len())]
    Upload {
        /// The ids of points that were certainly not written: the server
        /// refused their batch, or it was never sent.
        not_written: Vec<crate::types::PointId>,
        /// The ids of points whose batch was sent but never confirmed (a
        /// timeout, a connection lost mid-call, or an answer such as
        /// `Unavailable` that a cluster may give after writing some
        /// replicas): they may have been written. Uploading them again is
        /// safe.
        unknown: Vec<crate::types::PointId>,
        /// What was written.
        summary: crate::upload::UploadSummary,
        /// The first batch failure.
        source: Box<Error>,
    },

    /// A payload could not be converted to or from the requested Rust type.
    #[cfg(feature = "serde")]
    #[error("payload conversion: {0}")]
    Payload(#[from] serde_json::Error),
}

/// " on collection `name`", or nothing.
fn on(collection: &Option<String>) -> String {
    collection
        .as_deref()
        .map(|c| format!(" on collection `{c}`"))
        .unwrap_or_default()
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Bad input found before sending.
    pub(crate) fn invalid_argument(argument: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::InvalidArgument {
            argument: argument.into(),
            reason: reason.into(),
        }
    }

    /// A response that lacks a field or carries one this client cannot read.
    pub(crate) fn unexpected(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::UnexpectedResponse {
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// A required response field the server left out.
    pub(crate) fn missing(field: impl Into<String>) -> Self {
        Self::unexpected(field, "is missing")
    }

    /// The gRPC status code, when the server answered with one.
    pub fn code(&self) -> Option<tonic::Code> {
        match self {
            Error::Server { code, .. } => Some(*code),
            Error::Timeout { .. } => Some(tonic::Code::DeadlineExceeded),
            _ => None,
        }
    }

    /// Whether the failure is transient: trying again, later or on another
    /// endpoint, may succeed. This is the one definition every retry of the
    /// crate uses (plain calls and uploads alike):
    ///
    /// - the server could not be reached ([`Error::Connect`]);
    /// - the connection was refused, reset or closed, a broken pipe, a
    ///   GOAWAY ([`Error::Connection`]);
    /// - the server answered `Unavailable`, or `ResourceExhausted` (see
    ///   [`retry_after`](Self::retry_after));
    /// - the deadline passed ([`Error::Timeout`]): within one call it ends
    ///   the retries, but a new call may succeed.
    ///
    /// Whether a write that failed this way may be sent again depends on
    /// whether repeating it is harmless: the crate retries on its own only
    /// reads, writes that name their point ids, and requests that never
    /// reached the server.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Connect { .. } | Error::Connection { .. } | Error::Timeout { .. } => true,
            Error::Server { code, .. } => {
                matches!(code, tonic::Code::Unavailable | tonic::Code::ResourceExhausted)
            }
            _ => false,
        }
    }

    /// How long the server asked to wait before the next attempt, when it
    /// said (`retry-after` with `ResourceExhausted`).
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::Server { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// The endpoint (`http://host:port`) the failure happened at, for
    /// transport failures and server answers.
    pub fn endpoint(&self) -> Option<&str> {
        match self {
            Error::Connect { endpoint, .. } | Error::Connection { endpoint, .. } => Some(endpoint),
            Error::Server { endpoint, .. } | Error::Timeout { endpoint, .. } => endpoint.as_deref(),
            _ => None,
        }
    }

    /// Whether the request may have been applied by the server: it was sent
    /// and no answer says it was refused before anything changed.
    pub(crate) fn may_have_been_applied(&self) -> bool {
        match self {
            Error::Connection { sent, .. } => *sent,
            Error::Timeout { endpoint, .. } => endpoint.is_some(),
            // A cluster may apply a write on some replicas and still answer
            // one of these; the other codes refuse the request as a whole.
            Error::Server { code, .. } => matches!(
                code,
                tonic::Code::Unavailable
                    | tonic::Code::Unknown
                    | tonic::Code::Internal
                    | tonic::Code::DeadlineExceeded
                    | tonic::Code::Cancelled
                    | tonic::Code::Aborted
                    | tonic::Code::DataLoss
            ),
            _ => false,
        }
    }

    /// Whether the request reached the server: if not, sending it again is
    /// safe whatever it does.
    pub(crate) fn reached_server(&self) -> bool {
        match self {
            Error::Connection { sent, .. } => *sent,
            Error::Timeout { endpoint, .. } => endpoint.is_some(),
            Error::Server { .. } => true,
            _ => false,
        }
    }

    /// Whether the server said that the thing asked for does not exist
    /// (a collection, an alias, a snapshot).
    pub fn is_not_found(&self) -> bool {
        matches!(
            self,
            Error::Server {
                code: tonic::Code::NotFound,
                ..
            }
        )
    }

    /// Whether the server said that the thing to create already exists.
    pub fn is_already_exists(&self) -> bool {
        match self {
            Error::Server {
                code: tonic::Code::AlreadyExists,
                ..
            } => true,
            // Qdrant reports an existing collection as a bad request.
            Error::Server {
                code: tonic::Code::InvalidArgument,
                message,
                ..
            } => message.contains("already exists"),
            _ => false,
        }
    }
}

impl From<std::convert::Infallible> for Error {
    fn from(never: std::convert::Infallible) -> Self {
        match never {}
    }
}
