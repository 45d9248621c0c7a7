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

    /// The server answered the RPC with an error status.
    #[error("{rpc}{}: {} ({code:?}): {message}", collection.as_deref().map(|c| format!(" on collection `{c}`")).unwrap_or_default(), code.description())]
    Server {
        /// The gRPC status code.
        code: tonic::Code,
        /// The server's message.
        message: String,
        /// The RPC, as `Service/Method`.
        rpc: &'static str,
        /// The collection the call was about, if any.
        collection: Option<String>,
    },

    /// The call's deadline passed before an answer arrived.
    #[error("{rpc}{}: no answer within {}", collection.as_deref().map(|c| format!(" on collection `{c}`")).unwrap_or_default(), after.map(|d| format!("{d:?}")).unwrap_or_else(|| "the deadline".into()))]
    Timeout {
        /// The RPC, as `Service/Method`.
        rpc: &'static str,
        /// The collection the call was about, if any.
        collection: Option<String>,
        /// The deadline that passed, when known.
        after: Option<Duration>,
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

    /// Some batches of an upload failed after their retries; the others
    /// were written.
    #[error("upload: {} points not written ({} written); first failure: {source}", failed_ids.len(), summary.points)]
    Upload {
        /// The ids of the points that were not written.
        failed_ids: Vec<crate::types::PointId>,
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

    /// Whether trying again later may succeed: the server was unavailable
    /// or overloaded, the connection failed, or the deadline passed.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Connect { .. } | Error::Timeout { .. } => true,
            Error::Server { code, .. } => matches!(
                code,
                tonic::Code::Unavailable | tonic::Code::ResourceExhausted | tonic::Code::Aborted
            ),
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
