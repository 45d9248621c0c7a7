//! The crate's one error type.
//!
//! [`Error`] is opaque: callers ask it questions ([`Error::kind`],
//! [`Error::code`], [`Error::is_not_found`], ...) instead of matching on
//! fields, so that new kinds and new facts can be added without breaking
//! them. The cause (the server's `tonic::Status`, the socket's
//! `std::io::Error`, the HTTP/2 error, ...) stays reachable through
//! [`std::error::Error::source`].
//!
//! This file imports nothing else of the crate: data that a layer above
//! attaches (an upload's report) is kept behind the [`Report`] trait and
//! read back by that layer.

use std::any::Any;
use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use tonic::Code;

/// What went wrong, and what is known about it: the RPC, the collection,
/// the endpoint, the gRPC status code, and the cause.
///
/// Ask it questions rather than matching on it:
///
/// ```no_run
/// # async fn run(client: qdrant_async::Client) -> qdrant_async::Result<()> {
/// use qdrant_async::{Distance, ErrorKind, VectorParams};
///
/// match client.create_collection("docs", VectorParams::new(4, Distance::Cosine)).await {
///     Ok(_) => {}
///     Err(e) if e.is_already_exists() => {}
///     Err(e) if e.kind() == ErrorKind::Server => {
///         eprintln!("{:?} from {:?}: {:?}", e.code(), e.endpoint(), e.message());
///         return Err(e);
///     }
///     Err(e) => return Err(e),
/// }
/// # Ok(()) }
/// ```
///
/// Its `Display` is one line that names the RPC, the collection and the
/// endpoint where they are known, and already includes the cause's text;
/// walk [`source`](std::error::Error::source) for the cause as a value
/// (downcast it to `tonic::Status`, `std::io::Error`,
/// `serde_json::Error`, or, for an upload, this crate's `Error`; an
/// HTTP/2 failure's text names its error code).
pub struct Error(Box<Inner>);

/// What kind of failure an [`Error`] is, grouped by what the caller can do
/// about it. New kinds may be added.
///
/// ```no_run
/// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
/// use qdrant_async::ErrorKind;
///
/// match client.count("my_collection").await {
///     Ok(count) => println!("{count} points"),
///     Err(e) => match e.kind() {
///         ErrorKind::Connect | ErrorKind::Connection => eprintln!("network: {e}"),
///         ErrorKind::Timeout => eprintln!("too slow: {e}"),
///         ErrorKind::Server => eprintln!("Qdrant said no: {e}"),
///         _ => eprintln!("{e}"),
///     },
/// }
/// # Ok(()) }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A URL that does not parse, or that names a scheme other than
    /// http/https.
    InvalidUrl,
    /// Bad input caught before anything was sent; see
    /// [`Error::argument`].
    InvalidArgument,
    /// No connection to the server could be opened (refused, unreachable,
    /// TLS failed, not a gRPC server, connect timeout). Nothing was sent.
    Connect,
    /// The connection broke during the call: it was closed, reset or went
    /// away, or its keepalive went unanswered. See
    /// [`Error::may_have_been_applied`].
    Connection,
    /// The server answered with an error status; see [`Error::code`] and
    /// [`Error::message`].
    Server,
    /// The call's deadline passed before an answer arrived.
    Timeout,
    /// The server's answer lacked something it must carry, or carried
    /// something this client cannot read.
    UnexpectedResponse,
    /// Some batches of an upload could not be confirmed after their
    /// retries; see `Error::upload_failure`. The first batch failure is the
    /// [`source`](std::error::Error::source).
    Upload,
    /// A payload could not be converted to or from the requested Rust type;
    /// the `serde_json::Error` is the [`source`](std::error::Error::source).
    Payload,
    /// The token provider (`ClientBuilder::token_provider`) could not
    /// supply a credential; its error is the
    /// [`source`](std::error::Error::source). Nothing was sent.
    Auth,
}

/// Data a layer above this file attaches to an error (an upload's report):
/// shown by `Display` and `Debug`, read back by its type.
pub(crate) trait Report: Any + fmt::Debug + fmt::Display + Send + Sync {}

impl<T: Any + fmt::Debug + fmt::Display + Send + Sync> Report for T {}

struct Inner {
    kind: ErrorKind,
    /// What a client-side error is about: the URL, the argument, the
    /// response field.
    subject: Option<String>,
    /// Why, in words (for a server error, the detail added to its message).
    reason: String,
    /// The server's message.
    message: Option<String>,
    code: Option<Code>,
    rpc: Option<&'static str>,
    collection: Option<String>,
    endpoint: Option<String>,
    /// What to try, when the failure looks like a known mistake.
    hint: Option<&'static str>,
    /// For a broken connection: whether the request may have reached the
    /// server.
    sent: bool,
    /// The deadline that passed.
    deadline: Option<Duration>,
    retry_after: Option<Duration>,
    source: Option<Arc<dyn StdError + Send + Sync>>,
    report: Option<Box<dyn Report>>,
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Constructors, crate-private: every error is made here.
impl Error {
    fn new(kind: ErrorKind, reason: impl Into<String>) -> Self {
        Error(Box::new(Inner {
            kind,
            subject: None,
            reason: reason.into(),
            message: None,
            code: None,
            rpc: None,
            collection: None,
            endpoint: None,
            hint: None,
            sent: false,
            deadline: None,
            retry_after: None,
            source: None,
            report: None,
        }))
    }

    /// A URL that does not parse or names an unsupported scheme.
    pub(crate) fn invalid_url(url: impl Into<String>, reason: impl Into<String>) -> Self {
        let mut e = Self::new(ErrorKind::InvalidUrl, reason);
        e.0.subject = Some(url.into());
        e
    }

    /// Bad input found before sending.
    pub(crate) fn invalid_argument(argument: impl Into<String>, reason: impl Into<String>) -> Self {
        let mut e = Self::new(ErrorKind::InvalidArgument, reason);
        e.0.subject = Some(argument.into());
        e
    }

    /// A response that lacks a field or carries one this client cannot read.
    pub(crate) fn unexpected(field: impl Into<String>, reason: impl Into<String>) -> Self {
        let mut e = Self::new(ErrorKind::UnexpectedResponse, reason);
        e.0.subject = Some(field.into());
        e
    }

    /// A required response field the server left out.
    pub(crate) fn missing(field: impl Into<String>) -> Self {
        Self::unexpected(field, "is missing")
    }

    /// No connection to `endpoint` could be opened.
    pub(crate) fn connect(
        endpoint: impl Into<String>,
        reason: impl Into<String>,
        hint: Option<&'static str>,
    ) -> Self {
        let mut e = Self::new(ErrorKind::Connect, reason);
        e.0.endpoint = Some(endpoint.into());
        e.0.hint = hint;
        e
    }

    /// The connection broke during a call; `sent` says whether the request
    /// may have reached the server.
    pub(crate) fn connection(reason: impl Into<String>, sent: bool) -> Self {
        let mut e = Self::new(ErrorKind::Connection, reason);
        e.0.sent = sent;
        e
    }

    /// The token provider failed; its error is kept as the source.
    pub(crate) fn auth(source: Box<dyn StdError + Send + Sync>) -> Self {
        let mut e = Self::new(ErrorKind::Auth, "");
        e.0.source = Some(Arc::from(source));
        e
    }

    /// The server answered with `status`; the status is kept as the source.
    /// `detail` is added to the message when the status carries a cause of
    /// its own whose text the message lacks.
    pub(crate) fn server(status: tonic::Status, detail: Option<String>) -> Self {
        let mut e = Self::new(ErrorKind::Server, detail.unwrap_or_default());
        e.0.code = Some(status.code());
        e.0.message = Some(status.message().to_owned());
        e.0.source = Some(Arc::new(status));
        e
    }

    /// The deadline of a call of `rpc` passed.
    pub(crate) fn timeout(rpc: &'static str, collection: Option<&str>, deadline: Option<Duration>) -> Self {
        let mut e = Self::new(ErrorKind::Timeout, "");
        e.0.rpc = Some(rpc);
        e.0.collection = collection.map(str::to_owned);
        e.0.deadline = deadline;
        e
    }

    /// An upload that left points unconfirmed: `report` says which, `first`
    /// is the first batch failure.
    pub(crate) fn upload(first: Error, report: impl Report) -> Self {
        let mut e = Self::new(ErrorKind::Upload, "");
        e.0.source = Some(Arc::new(first));
        e.0.report = Some(Box::new(report));
        e
    }

    /// Sets the RPC (as `Service/Method`) and the collection the call was
    /// about.
    pub(crate) fn with_call(mut self, rpc: &'static str, collection: Option<&str>) -> Self {
        self.0.rpc = Some(rpc);
        self.0.collection = collection.map(str::to_owned);
        self
    }

    /// Sets the endpoint the failure happened at.
    pub(crate) fn with_endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.0.endpoint = Some(endpoint.into());
        self
    }

    /// Sets how long the server asked to wait before trying again.
    pub(crate) fn with_retry_after(mut self, retry_after: Option<Duration>) -> Self {
        self.0.retry_after = retry_after;
        self
    }

    /// Keeps `source` as the cause.
    pub(crate) fn with_source(mut self, source: impl StdError + Send + Sync + 'static) -> Self {
        self.0.source = Some(Arc::new(source));
        self
    }

    /// Keeps a cause already shared (a connection failure reported to
    /// every call that waited for it).
    pub(crate) fn with_shared_source(mut self, source: Option<Arc<dyn StdError + Send + Sync>>) -> Self {
        self.0.source = source;
        self
    }

    /// Puts `argument` in front of an invalid argument's name
    /// (`requests[2].` + `limit`); other errors pass unchanged.
    pub(crate) fn within(mut self, prefix: &str) -> Self {
        if self.0.kind == ErrorKind::InvalidArgument
            && let Some(argument) = &mut self.0.subject
        {
            argument.insert_str(0, prefix);
        }
        self
    }

    /// The reason alone, without the argument or anything else: for errors
    /// whose context the caller adds.
    #[cfg(any(feature = "serde", test))]
    pub(crate) fn reason(&self) -> &str {
        &self.0.reason
    }

    /// The report a layer above attached, if it is a `T`.
    pub(crate) fn report<T: Any>(&self) -> Option<&T> {
        let report: &dyn Any = self.0.report.as_deref()?;
        report.downcast_ref()
    }
}

/// Questions to ask an error.
impl Error {
    /// What kind of failure this is.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::ErrorKind;
    ///
    /// match client.collection_exists("my_collection").await {
    ///     Ok(exists) => println!("exists: {exists}"),
    ///     Err(e) if e.kind() == ErrorKind::Connect => eprintln!("is Qdrant running? {e}"),
    ///     Err(e) => return Err(e.into()),
    /// }
    /// # Ok(()) }
    /// ```
    pub fn kind(&self) -> ErrorKind {
        self.0.kind
    }

    /// The gRPC status code the server answered with. A deadline that
    /// passed on the client ([`ErrorKind::Timeout`]) is `DeadlineExceeded`
    /// too; failures that never got an answer have none.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::Code;
    ///
    /// if let Err(e) = client.get_collection("missing").await {
    ///     assert_eq!(e.code(), Some(Code::NotFound));
    /// }
    /// # Ok(()) }
    /// ```
    pub fn code(&self) -> Option<Code> {
        match self.0.kind {
            ErrorKind::Timeout => Some(Code::DeadlineExceeded),
            _ => self.0.code,
        }
    }

    /// The server's message, for an error status ([`ErrorKind::Server`]).
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// if let Err(e) = client.get_collection("missing").await {
    ///     println!("the server said: {}", e.message().unwrap_or_default());
    /// }
    /// # Ok(()) }
    /// ```
    pub fn message(&self) -> Option<&str> {
        self.0.message.as_deref()
    }

    /// The RPC, as `Service/Method` (`Points/Query`), for failures of a
    /// call.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// if let Err(e) = client.get_collection("missing").await {
    ///     assert_eq!(e.rpc(), Some("Collections/Get"));
    /// }
    /// # Ok(()) }
    /// ```
    pub fn rpc(&self) -> Option<&str> {
        self.0.rpc
    }

    /// The collection the call was about, if any.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// if let Err(e) = client.count("missing").await {
    ///     assert_eq!(e.collection(), Some("missing"));
    /// }
    /// # Ok(()) }
    /// ```
    pub fn collection(&self) -> Option<&str> {
        self.0.collection.as_deref()
    }

    /// The endpoint (`http://host:port`) the failure happened at: the one
    /// that could not be reached, whose connection broke, that answered,
    /// or that the last attempt of a timed-out call went to.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// if let Err(e) = client.health_check().await {
    ///     eprintln!("{} failed: {e}", e.endpoint().unwrap_or("no endpoint"));
    /// }
    /// # Ok(()) }
    /// ```
    pub fn endpoint(&self) -> Option<&str> {
        self.0.endpoint.as_deref()
    }

    /// The argument that was rejected before sending, with its position
    /// where it has one (`points[3].id`), for [`ErrorKind::InvalidArgument`].
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::ErrorKind;
    ///
    /// // Caught before sending: a collection name cannot be empty.
    /// let e = client.count("").await.unwrap_err();
    /// assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    /// assert_eq!(e.argument(), Some("collection_name"));
    /// # Ok(()) }
    /// ```
    pub fn argument(&self) -> Option<&str> {
        match self.0.kind {
            ErrorKind::InvalidArgument => self.0.subject.as_deref(),
            _ => None,
        }
    }

    /// How long the server asked to wait before the next attempt, when it
    /// said (`retry-after` with `ResourceExhausted`, as Qdrant's rate
    /// limiter does).
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// match client.count("my_collection").await {
    ///     Err(e) if e.is_retryable() => tokio::time::sleep(e.retry_after().unwrap_or_default()).await,
    ///     other => println!("{other:?}"),
    /// }
    /// # Ok(()) }
    /// ```
    pub fn retry_after(&self) -> Option<Duration> {
        self.0.retry_after
    }

    /// Whether the call's deadline passed: the client's timer fired
    /// ([`ErrorKind::Timeout`]), or the server, which learns the deadline
    /// from the request, answered `DeadlineExceeded`. A connect timeout is
    /// [`is_connect`](Self::is_connect) instead.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use std::time::Duration;
    ///
    /// match client.count("my_collection").timeout(Duration::from_millis(100)).await {
    ///     Err(e) if e.is_timeout() => eprintln!("slow: {e}"),
    ///     other => println!("{other:?}"),
    /// }
    /// # Ok(()) }
    /// ```
    pub fn is_timeout(&self) -> bool {
        self.0.kind == ErrorKind::Timeout || self.0.code == Some(Code::DeadlineExceeded)
    }

    /// Whether no connection to the server could be opened
    /// ([`ErrorKind::Connect`]): the request was not sent. A connection
    /// that broke during a call is [`ErrorKind::Connection`] instead.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// if let Err(e) = client.health_check().await {
    ///     if e.is_connect() {
    ///         eprintln!("no Qdrant at the URL: {e}");
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn is_connect(&self) -> bool {
        self.0.kind == ErrorKind::Connect
    }

    /// Whether the server said that the thing asked for does not exist (a
    /// collection, an alias, a snapshot, a point): status `NotFound`.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// let info = match client.get_collection("my_collection").await {
    ///     Ok(info) => Some(info),
    ///     Err(e) if e.is_not_found() => None,
    ///     Err(e) => return Err(e.into()),
    /// };
    /// # Ok(()) }
    /// ```
    pub fn is_not_found(&self) -> bool {
        self.0.code == Some(Code::NotFound)
    }

    /// Whether the server said that the thing to create already exists:
    /// status `AlreadyExists`, which Qdrant answers for a collection or an
    /// alias whose name is taken by a collection.
    ///
    /// Decided by the status code alone. Qdrant answers `InvalidArgument`
    /// when a new collection takes the name of an existing *alias*; that
    /// is not counted here (its message says so).
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::{Distance, VectorParams};
    ///
    /// match client.create_collection("my_collection", VectorParams::new(4, Distance::Cosine)).await {
    ///     Ok(_) => {}
    ///     Err(e) if e.is_already_exists() => {} // made by another instance first
    ///     Err(e) => return Err(e.into()),
    /// }
    /// # Ok(()) }
    /// ```
    pub fn is_already_exists(&self) -> bool {
        self.0.code == Some(Code::AlreadyExists)
    }

    /// Whether the failure is transient: trying again, later or on another
    /// endpoint, may succeed. This is the one definition every retry of the
    /// crate uses (plain calls and uploads alike):
    ///
    /// - the server could not be reached ([`ErrorKind::Connect`]);
    /// - the connection was refused, reset or closed, a broken pipe, a
    ///   GOAWAY ([`ErrorKind::Connection`]);
    /// - the server answered `Unavailable`, or `ResourceExhausted` (see
    ///   [`retry_after`](Self::retry_after));
    /// - the deadline passed ([`ErrorKind::Timeout`]): within one call it
    ///   ends the retries, but a new call may succeed.
    ///
    /// Whether a write that failed this way may be sent again depends on
    /// whether repeating it is harmless (see
    /// [`may_have_been_applied`](Self::may_have_been_applied)): the crate
    /// retries on its own only reads, writes that name their point ids, and
    /// requests that never reached the server.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// // The client retries these already (see `RetryPolicy`); this is the last answer.
    /// if let Err(e) = client.count("my_collection").await {
    ///     if e.is_retryable() {
    ///         eprintln!("transient, try later: {e}");
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn is_retryable(&self) -> bool {
        match self.0.kind {
            ErrorKind::Connect | ErrorKind::Connection | ErrorKind::Timeout => true,
            ErrorKind::Server => matches!(self.0.code, Some(Code::Unavailable | Code::ResourceExhausted)),
            _ => false,
        }
    }

    /// Whether the request may have been applied by the server: it was
    /// sent and no answer says it was refused before anything changed. A
    /// write that failed with `false` here changed nothing; with `true`,
    /// check before repeating one that is not idempotent.
    ///
    /// True for a connection that broke after the request was sent, a
    /// timeout after an attempt was sent, and the status codes a cluster
    /// may give after applying a write on some replicas (`Unavailable`,
    /// `Unknown`, `Internal`, `DeadlineExceeded`, `Cancelled`, `Aborted`,
    /// `DataLoss`).
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::Point;
    ///
    /// if let Err(e) = client.upsert("my_collection", [Point::new(1, vec![0.9, 0.1, 0.1, 0.5])]).await {
    ///     if e.may_have_been_applied() {
    ///         // Upserting the same ids again is safe: read or retry, do not assume.
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn may_have_been_applied(&self) -> bool {
        match self.0.kind {
            ErrorKind::Connection => self.0.sent,
            ErrorKind::Timeout => self.0.endpoint.is_some(),
            ErrorKind::Server => matches!(
                self.0.code,
                Some(
                    Code::Unavailable
                        | Code::Unknown
                        | Code::Internal
                        | Code::DeadlineExceeded
                        | Code::Cancelled
                        | Code::Aborted
                        | Code::DataLoss
                )
            ),
            _ => false,
        }
    }

    /// Whether the request reached the server: if not, sending it again is
    /// safe whatever it does.
    pub(crate) fn reached_server(&self) -> bool {
        match self.0.kind {
            ErrorKind::Connection => self.0.sent,
            ErrorKind::Timeout => self.0.endpoint.is_some(),
            ErrorKind::Server => true,
            _ => false,
        }
    }
}

/// " on collection `name`", or nothing.
fn on(collection: Option<&str>) -> String {
    collection
        .map(|c| format!(" on collection `{c}`"))
        .unwrap_or_default()
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let e = &*self.0;
        let subject = e.subject.as_deref().unwrap_or_default();
        // "Points/Query on collection `c`", or nothing for an error
        // converted from a raw stub's status.
        let call = match e.rpc {
            Some(rpc) => format!("{rpc}{}: ", on(e.collection.as_deref())),
            None => String::new(),
        };
        match e.kind {
            ErrorKind::InvalidUrl => write!(f, "invalid URL `{subject}`: {}", e.reason),
            ErrorKind::InvalidArgument => write!(f, "invalid argument `{subject}`: {}", e.reason),
            ErrorKind::UnexpectedResponse => write!(f, "unexpected response: `{subject}` {}", e.reason),
            ErrorKind::Connect => {
                write!(
                    f,
                    "cannot connect to {}: {}",
                    e.endpoint.as_deref().unwrap_or("the server"),
                    e.reason
                )?;
                match e.hint {
                    Some(hint) => write!(f, " (hint: {hint})"),
                    None => Ok(()),
                }
            }
            ErrorKind::Connection => {
                write!(f, "{call}the connection")?;
                if let Some(endpoint) = &e.endpoint {
                    write!(f, " to {endpoint}")?;
                }
                let when = if e.sent {
                    "after the request was sent (it may have been applied)"
                } else {
                    "before the request was sent"
                };
                write!(f, " failed {when}: {}", e.reason)
            }
            ErrorKind::Server => {
                let code = e.code.unwrap_or(Code::Unknown);
                match (&*call, &e.endpoint) {
                    ("", None) => {}
                    (call, None) => f.write_str(call)?,
                    ("", Some(endpoint)) => write!(f, "at {endpoint}: ")?,
                    (call, Some(endpoint)) => {
                        write!(f, "{} at {endpoint}: ", call.trim_end_matches(": "))?;
                    }
                }
                write!(
                    f,
                    "{} ({code:?}): {}",
                    code.description(),
                    e.message.as_deref().unwrap_or_default()
                )?;
                if !e.reason.is_empty() {
                    write!(f, ": {}", e.reason)?;
                }
                Ok(())
            }
            ErrorKind::Timeout => {
                write!(f, "{call}no answer within ")?;
                match e.deadline {
                    Some(d) => write!(f, "{d:?}")?,
                    None => f.write_str("the deadline")?,
                }
                if let Some(endpoint) = &e.endpoint {
                    write!(f, " (last tried {endpoint})")?;
                }
                Ok(())
            }
            ErrorKind::Upload => {
                f.write_str("upload: ")?;
                if let Some(report) = &e.report {
                    write!(f, "{report}")?;
                }
                if let Some(first) = &e.source {
                    write!(f, "; first failure: {first}")?;
                }
                Ok(())
            }
            ErrorKind::Auth => {
                write!(f, "{call}the token provider failed: ")?;
                match &e.source {
                    Some(source) => write!(f, "{source}"),
                    None => f.write_str(&e.reason),
                }
            }
            ErrorKind::Payload => {
                write!(f, "payload conversion: ")?;
                match &e.source {
                    Some(source) => write!(f, "{source}"),
                    None => f.write_str(&e.reason),
                }
            }
        }
    }
}

/// The facts that are known, and the cause; never a header value (the
/// error holds none).
impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let e = &*self.0;
        let mut d = f.debug_struct("Error");
        d.field("kind", &e.kind);
        if let Some(code) = e.code {
            d.field("code", &code);
        }
        if let Some(rpc) = e.rpc {
            d.field("rpc", &rpc);
        }
        if let Some(collection) = &e.collection {
            d.field("collection", collection);
        }
        if let Some(endpoint) = &e.endpoint {
            d.field("endpoint", endpoint);
        }
        if let Some(subject) = &e.subject {
            d.field("subject", subject);
        }
        if let Some(message) = &e.message {
            d.field("message", message);
        }
        if !e.reason.is_empty() {
            d.field("reason", &e.reason);
        }
        if let Some(hint) = e.hint {
            d.field("hint", &hint);
        }
        if e.kind == ErrorKind::Connection {
            d.field("sent", &e.sent);
        }
        if let Some(deadline) = e.deadline {
            d.field("deadline", &deadline);
        }
        if let Some(retry_after) = e.retry_after {
            d.field("retry_after", &retry_after);
        }
        if let Some(report) = &e.report {
            d.field("report", report);
        }
        if let Some(source) = &e.source {
            d.field("source", source);
        }
        d.finish()
    }
}

impl StdError for Error {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        let source: &(dyn StdError + Send + Sync + 'static) = self.0.source.as_deref()?;
        Some(source)
    }
}

#[cfg(feature = "serde")]
impl From<serde_json::Error> for Error {
    fn from(error: serde_json::Error) -> Self {
        Error::new(ErrorKind::Payload, "").with_source(error)
    }
}

impl From<std::convert::Infallible> for Error {
    fn from(never: std::convert::Infallible) -> Self {
        match never {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The causes below `error`, outermost first.
    fn chain(error: &Error) -> Vec<&(dyn StdError + 'static)> {
        std::iter::successors(error.source(), |e: &&(dyn StdError + 'static)| (*e).source()).collect()
    }

    #[test]
    fn a_status_is_kept_as_the_source() {
        let error = Error::server(tonic::Status::not_found("Collection `c` doesn't exist!"), None)
            .with_call("Points/Query", Some("c"))
            .with_endpoint("http://127.0.0.1:6334");
        let status = error
            .source()
            .and_then(|s| s.downcast_ref::<tonic::Status>())
            .expect("the status is the source");
        assert_eq!(status.code(), Code::NotFound);
        assert_eq!(error.kind(), ErrorKind::Server);
        assert_eq!(error.code(), Some(Code::NotFound));
        assert_eq!(error.message(), Some("Collection `c` doesn't exist!"));
        assert_eq!(error.rpc(), Some("Points/Query"));
        assert_eq!(error.collection(), Some("c"));
        assert_eq!(error.endpoint(), Some("http://127.0.0.1:6334"));
        assert!(error.is_not_found() && !error.is_already_exists() && !error.is_retryable());
        assert!(!error.may_have_been_applied() && error.reached_server());
        assert_eq!(
            error.to_string(),
            "Points/Query on collection `c` at http://127.0.0.1:6334: \
             Some requested entity was not found (NotFound): Collection `c` doesn't exist!"
        );
    }

    #[tokio::test]
    async fn a_refused_connection_keeps_the_io_error() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        let error = crate::Client::connect(format!("http://127.0.0.1:{port}"))
            .await
            .unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Connect, "{error:?}");
        assert!(error.is_connect() && error.is_retryable() && !error.is_timeout());
        assert_eq!(
            error.endpoint(),
            Some(format!("http://127.0.0.1:{port}").as_str())
        );
        let io = chain(&error)
            .into_iter()
            .find_map(|e| e.downcast_ref::<std::io::Error>())
            .expect("an io::Error among the causes");
        assert_eq!(io.kind(), std::io::ErrorKind::ConnectionRefused);
    }

    #[test]
    fn kinds_and_questions() {
        let invalid = Error::invalid_argument("points[3].id", "is not a UUID");
        assert_eq!(invalid.kind(), ErrorKind::InvalidArgument);
        assert_eq!(invalid.argument(), Some("points[3].id"));
        assert_eq!(
            invalid.to_string(),
            "invalid argument `points[3].id`: is not a UUID"
        );
        assert!(!invalid.is_retryable() && invalid.code().is_none() && invalid.source().is_none());
        let within = Error::invalid_argument("limit", "is 0").within("requests[2].");
        assert_eq!(within.argument(), Some("requests[2].limit"));

        let url = Error::invalid_url("ftp://x", "the scheme must be http or https");
        assert_eq!(url.kind(), ErrorKind::InvalidUrl);
        assert_eq!(url.argument(), None);

        let unexpected = Error::missing("result[2].id");
        assert_eq!(unexpected.kind(), ErrorKind::UnexpectedResponse);
        assert_eq!(
            unexpected.to_string(),
            "unexpected response: `result[2].id` is missing"
        );

        let connect = Error::connect("http://h:6333", "not a gRPC server", Some("gRPC is on 6334"));
        assert!(connect.is_connect() && connect.is_retryable() && !connect.may_have_been_applied());
        assert_eq!(
            connect.to_string(),
            "cannot connect to http://h:6333: not a gRPC server (hint: gRPC is on 6334)"
        );

        for sent in [false, true] {
            let broken = Error::connection("connection reset", sent)
                .with_call("Points/Upsert", Some("c"))
                .with_endpoint("http://h:6334");
            assert_eq!(broken.kind(), ErrorKind::Connection);
            assert!(broken.is_retryable() && !broken.is_connect());
            assert_eq!(broken.may_have_been_applied(), sent);
            assert_eq!(broken.reached_server(), sent);
            assert!(
                broken
                    .to_string()
                    .starts_with("Points/Upsert on collection `c`: the connection to http://h:6334 failed")
            );
        }

        let timeout = Error::timeout("Points/Count", None, Some(Duration::from_millis(200)));
        assert!(timeout.is_timeout() && timeout.is_retryable() && !timeout.may_have_been_applied());
        assert_eq!(timeout.code(), Some(Code::DeadlineExceeded));
        assert_eq!(timeout.to_string(), "Points/Count: no answer within 200ms");
        let timeout = timeout.with_endpoint("http://h:6334");
        assert!(timeout.may_have_been_applied());

        let status = |code| Error::server(tonic::Status::new(code, "m"), None);
        assert!(status(Code::AlreadyExists).is_already_exists());
        // Qdrant's answer for a collection named like an alias: the code
        // decides, not the words.
        let alias = Error::server(
            tonic::Status::invalid_argument("Wrong input: Alias with the same name already exists"),
            None,
        );
        assert!(!alias.is_already_exists());
        assert!(status(Code::DeadlineExceeded).is_timeout());
        assert!(
            status(Code::Unavailable).is_retryable() && status(Code::Unavailable).may_have_been_applied()
        );
        assert!(status(Code::ResourceExhausted).is_retryable());
        assert!(!status(Code::Aborted).is_retryable());
        let limited = status(Code::ResourceExhausted).with_retry_after(Some(Duration::from_secs(1)));
        assert_eq!(limited.retry_after(), Some(Duration::from_secs(1)));

        #[derive(Debug)]
        struct Lost(u32);
        impl fmt::Display for Lost {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{} lost", self.0)
            }
        }
        let upload = Error::upload(status(Code::Unavailable), Lost(3));
        assert_eq!(upload.kind(), ErrorKind::Upload);
        assert!(!upload.is_retryable());
        assert_eq!(upload.report::<Lost>().map(|l| l.0), Some(3));
        assert_eq!(
            upload
                .source()
                .and_then(|s| s.downcast_ref::<Error>())
                .and_then(Error::code),
            Some(Code::Unavailable)
        );
        assert!(upload.to_string().starts_with("upload: 3 lost; first failure: "));
    }

    #[cfg(feature = "serde")]
    #[test]
    fn a_payload_error_keeps_the_serde_error() {
        let json = serde_json::from_str::<u32>("\"x\"").unwrap_err();
        let error = Error::from(json);
        assert_eq!(error.kind(), ErrorKind::Payload);
        assert!(error.to_string().starts_with("payload conversion: "));
        assert!(error.source().is_some_and(|s| s.is::<serde_json::Error>()));
    }

    #[test]
    fn header_values_never_show() {
        const SECRET: &str = "SECRET-7f3a";
        for builder in [
            crate::Client::builder("http://127.0.0.1:6334").api_key(format!("{SECRET}\n")),
            crate::Client::builder("http://127.0.0.1:6334").header("x-token", format!("{SECRET}\u{7f}")),
        ] {
            let error = builder.build_lazy().unwrap_err();
            assert_eq!(error.kind(), ErrorKind::InvalidArgument);
            let shown = format!("{error} {error:?} {:?}", chain(&error));
            assert!(!shown.contains(SECRET), "{shown}");
        }
    }
}
