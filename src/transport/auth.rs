//! Credentials that change: a token provider (an async callback) supplies
//! the API key or a bearer token, the client caches it until it expires,
//! and fetches a new one when it has, or when the server answers
//! `Unauthenticated`.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use http::{HeaderName, HeaderValue};

use crate::error::{Error, Result};

/// The error a token provider may return.
pub type TokenError = Box<dyn std::error::Error + Send + Sync>;

type Fetch =
    dyn Fn() -> Pin<Box<dyn Future<Output = std::result::Result<Token, TokenError>> + Send>> + Send + Sync;

/// A credential for Qdrant, as a token provider supplies it: an API key
/// (sent as `api-key`) or a bearer token such as a JWT (sent as
/// `authorization: Bearer …`), and how long it may be used.
///
/// Its value is a secret: `Debug` shows only its kind and lifetime.
///
/// ```
/// use std::time::Duration;
/// use qdrant_async::Token;
///
/// let token = Token::bearer("eyJhbGciOi...").expires_in(Duration::from_secs(300));
/// assert!(!format!("{token:?}").contains("eyJ"));
/// ```
#[derive(Clone)]
pub struct Token {
    name: HeaderName,
    value: String,
    bearer: bool,
    expires: Option<Instant>,
}

impl Token {
    /// An API key, sent as the `api-key` header.
    ///
    /// ```
    /// use qdrant_async::Token;
    ///
    /// let token = Token::api_key("secret");
    /// ```
    pub fn api_key(key: impl Into<String>) -> Self {
        Token {
            name: HeaderName::from_static("api-key"),
            value: key.into(),
            bearer: false,
            expires: None,
        }
    }

    /// A bearer token (for example a JWT of Qdrant's RBAC), sent as
    /// `authorization: Bearer <token>`.
    ///
    /// ```
    /// use qdrant_async::Token;
    /// use std::time::Duration;
    ///
    /// let token = Token::bearer("eyJhbGciOi...").expires_in(Duration::from_secs(3600));
    /// ```
    pub fn bearer(token: impl Into<String>) -> Self {
        Token {
            name: http::header::AUTHORIZATION,
            value: token.into(),
            bearer: true,
            expires: None,
        }
    }

    /// Use it for this long from now, then ask the provider again.
    /// Without an expiry, it is used until the server refuses it.
    ///
    /// ```
    /// use qdrant_async::Token;
    /// use std::time::Duration;
    ///
    /// // Fetched again shortly before the hour is up.
    /// let token = Token::bearer("eyJhbGciOi...").expires_in(Duration::from_secs(3600));
    /// ```
    pub fn expires_in(mut self, lifetime: Duration) -> Self {
        self.expires = Instant::now().checked_add(lifetime);
        self
    }

    /// Use it until this instant, then ask the provider again.
    ///
    /// ```
    /// use qdrant_async::Token;
    /// use std::time::{Duration, Instant};
    ///
    /// let token = Token::bearer("eyJhbGciOi...").expires_at(Instant::now() + Duration::from_secs(600));
    /// ```
    pub fn expires_at(mut self, when: Instant) -> Self {
        self.expires = Some(when);
        self
    }

    /// The header it is sent as; a value that cannot be a header value is
    /// refused here, without quoting it.
    fn header(&self) -> Result<(HeaderName, HeaderValue)> {
        let text = if self.bearer {
            format!("Bearer {}", self.value)
        } else {
            self.value.clone()
        };
        let mut value = HeaderValue::from_str(&text).map_err(|_| {
            Error::invalid_argument(
                "token",
                "the token provider's token is not a valid header value (only visible ASCII is)",
            )
        })?;
        value.set_sensitive(true);
        Ok((self.name.clone(), value))
    }
}

/// The kind and lifetime, never the value.
impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Token")
            .field("kind", &if self.bearer { "bearer" } else { "api-key" })
            .field("value", &"<redacted>")
            .field("expires", &self.expires)
            .finish()
    }
}

/// The provider and its cached credential.
pub(crate) struct Auth {
    fetch: Box<Fetch>,
    cached: Mutex<Option<Cached>>,
    /// One fetch at a time: calls that find the cache empty wait for the
    /// fetch under way instead of each starting their own.
    fetching: tokio::sync::Mutex<()>,
}

#[derive(Clone)]
struct Cached {
    name: HeaderName,
    value: HeaderValue,
    expires: Option<Instant>,
}

impl Cached {
    fn fresh(&self) -> bool {
        self.expires.is_none_or(|e| Instant::now() < e)
    }
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Auth").finish_non_exhaustive()
    }
}

impl Auth {
    pub(crate) fn new<F, Fut, E>(provider: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = std::result::Result<Token, E>> + Send + 'static,
        E: Into<TokenError> + 'static,
    {
        let provider = Arc::new(provider);
        Auth {
            fetch: Box::new(move || {
                let provider = provider.clone();
                Box::pin(async move { provider().await.map_err(Into::into) })
            }),
            cached: Mutex::new(None),
            fetching: tokio::sync::Mutex::new(()),
        }
    }

    fn cached(&self) -> Option<Cached> {
        self.cached
            .lock()
            .ok()
            .and_then(|c| c.clone())
            .filter(Cached::fresh)
    }

    /// The header to send: the cached credential while it is fresh, else a
    /// new one from the provider.
    pub(crate) async fn header(&self) -> Result<(HeaderName, HeaderValue)> {
        if let Some(c) = self.cached() {
            return Ok((c.name, c.value));
        }
        let _one_at_a_time = self.fetching.lock().await;
        // Another call may have fetched it while this one waited.
        if let Some(c) = self.cached() {
            return Ok((c.name, c.value));
        }
        let token = (self.fetch)().await.map_err(Error::auth)?;
        let (name, value) = token.header()?;
        if let Ok(mut cached) = self.cached.lock() {
            *cached = Some(Cached {
                name: name.clone(),
                value: value.clone(),
                expires: token.expires,
            });
        }
        Ok((name, value))
    }

    /// Forgets the credential the server refused, so that the next call
    /// asks the provider again. A newer credential is kept.
    pub(crate) fn refused(&self, value: &HeaderValue) {
        if let Ok(mut cached) = self.cached.lock()
            && cached.as_ref().is_some_and(|c| c.value == *value)
        {
            *cached = None;
        }
    }
}

/// The connection pool with the token provider's credential added to each
/// request: the channel under [`RawChannel`](crate::RawChannel), so that
/// the raw stubs authenticate as the facade does.
///
/// ```no_run
/// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
/// // The channel of `Client::raw`: the pool, with the client's credentials.
/// let raw: qdrant_async::RawClients = client.raw();
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct AuthenticatedPool {
    pool: super::ChannelPool,
    auth: Option<Arc<Auth>>,
}

impl AuthenticatedPool {
    pub(crate) fn new(pool: super::ChannelPool, auth: Option<Arc<Auth>>) -> Self {
        AuthenticatedPool { pool, auth }
    }
}

impl tower_service::Service<http::Request<tonic::body::Body>> for AuthenticatedPool {
    type Response = http::Response<super::pool::LeasedBody>;
    type Error = TokenError;
    type Future = Pin<Box<dyn Future<Output = std::result::Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::result::Result<(), Self::Error>> {
        self.pool.poll_ready(cx)
    }

    fn call(&mut self, mut request: http::Request<tonic::body::Body>) -> Self::Future {
        let mut pool = self.pool.clone();
        let auth = self.auth.clone();
        Box::pin(async move {
            if let Some(auth) = auth {
                let (name, value) = auth.header().await?;
                request.headers_mut().insert(name, value);
            }
            pool.call(request).await
        })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    fn counting(lifetime: Option<Duration>) -> (Arc<AtomicU32>, Auth) {
        let calls = Arc::new(AtomicU32::new(0));
        let counter = calls.clone();
        let auth = Auth::new(move || {
            let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
            async move {
                let token = Token::bearer(format!("token-{n}"));
                Ok::<_, TokenError>(match lifetime {
                    Some(l) => token.expires_in(l),
                    None => token,
                })
            }
        });
        (calls, auth)
    }

    #[tokio::test]
    async fn a_token_is_cached_until_it_expires() {
        let (calls, auth) = counting(Some(Duration::from_millis(50)));
        let (name, first) = auth.header().await.unwrap();
        assert_eq!(name, http::header::AUTHORIZATION);
        assert_eq!(first, "Bearer token-1");
        assert!(first.is_sensitive());
        assert_eq!(auth.header().await.unwrap().1, first);
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        tokio::time::sleep(Duration::from_millis(60)).await;
        assert_eq!(auth.header().await.unwrap().1, "Bearer token-2");
    }

    #[tokio::test]
    async fn concurrent_calls_share_one_fetch() {
        let (calls, auth) = counting(None);
        let auth = Arc::new(auth);
        let tasks: Vec<_> = (0..50)
            .map(|_| {
                let auth = auth.clone();
                tokio::spawn(async move { auth.header().await.unwrap().1 })
            })
            .collect();
        for task in tasks {
            assert_eq!(task.await.unwrap(), "Bearer token-1");
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_refused_token_is_fetched_again() {
        let (calls, auth) = counting(None);
        let (_, first) = auth.header().await.unwrap();
        auth.refused(&HeaderValue::from_static("Bearer something-else"));
        assert_eq!(auth.header().await.unwrap().1, first);
        auth.refused(&first);
        assert_eq!(auth.header().await.unwrap().1, "Bearer token-2");
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_failing_provider_is_an_auth_error_without_secrets() {
        let auth = Auth::new(|| async { Err::<Token, _>("vault sealed") });
        let err = auth.header().await.unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::Auth);
        assert!(err.to_string().contains("vault sealed"), "{err}");
        assert!(std::error::Error::source(&err).is_some());

        let bad = Auth::new(|| async { Ok::<_, TokenError>(Token::api_key("se\ncret")) });
        let err = bad.header().await.unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::InvalidArgument);
        assert!(!err.to_string().contains("se\ncret") && !format!("{err:?}").contains("cret"));
    }

    #[test]
    fn debug_never_shows_the_value() {
        let token = Token::api_key("hunter2").expires_in(Duration::from_secs(1));
        assert!(!format!("{token:?}").contains("hunter2"));
    }
}
