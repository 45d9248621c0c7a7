//! How requests travel: the connection pool, metadata (api key, user agent,
//! custom headers), deadlines, compression and message limits.
//!
//! Facade calls encode their request once into bytes and send those bytes
//! through [`Transport::unary`]; the raw stubs of [`crate::Client::raw`] run
//! over the same pool with the same metadata.

pub(crate) mod endpoint;
pub(crate) mod pool;

use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use bytes::{BufMut, Bytes};
use prost::Message;
use tonic::codec::{Codec, EncodeBuf, Encoder};
use tonic::codegen::http::uri::PathAndQuery;
use tonic::metadata::{AsciiMetadataKey, AsciiMetadataValue, MetadataMap};
use tonic::service::interceptor::InterceptedService;
use tonic::{Code, Status};
use tonic_prost::ProstDecoder;

use crate::error::{Error, Result};
use crate::proto;
pub use pool::ChannelPool;

/// Adds the client's metadata (api key, custom headers) to every request.
#[derive(Clone, Debug, Default)]
pub struct MetadataInterceptor {
    headers: Arc<[(AsciiMetadataKey, AsciiMetadataValue)]>,
}

impl MetadataInterceptor {
    pub(crate) fn new(headers: Vec<(AsciiMetadataKey, AsciiMetadataValue)>) -> Self {
        MetadataInterceptor {
            headers: headers.into(),
        }
    }

    fn apply(&self, metadata: &mut MetadataMap) {
        for (key, value) in self.headers.iter() {
            metadata.insert(key.clone(), value.clone());
        }
    }
}

impl tonic::service::Interceptor for MetadataInterceptor {
    fn call(&mut self, mut request: tonic::Request<()>) -> std::result::Result<tonic::Request<()>, Status> {
        self.apply(request.metadata_mut());
        Ok(request)
    }
}

/// The channel type of the raw stubs: the pool, with the client's metadata.
pub type RawChannel = InterceptedService<ChannelPool, MetadataInterceptor>;

/// Settings that shape each call.
#[derive(Clone, Debug)]
pub(crate) struct CallSettings {
    /// Deadline for calls that set none of their own.
    pub timeout: Option<Duration>,
    /// Largest response accepted.
    pub max_decoding_message_size: usize,
    /// Largest request sent.
    pub max_encoding_message_size: usize,
    /// gzip requests and accept gzip responses.
    pub compression: bool,
}

impl Default for CallSettings {
    fn default() -> Self {
        CallSettings {
            timeout: None,
            max_decoding_message_size: 64 * 1024 * 1024,
            max_encoding_message_size: 64 * 1024 * 1024,
            compression: false,
        }
    }
}

/// The pool plus everything every call needs.
#[derive(Clone, Debug)]
pub(crate) struct Transport {
    pub pool: ChannelPool,
    pub metadata: MetadataInterceptor,
    pub settings: CallSettings,
}

/// An RPC's path and its short name for errors and spans.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Rpc {
    path: &'static str,
}

impl Rpc {
    /// An RPC by path, `/qdrant.Service/Method`.
    pub(crate) const fn new(path: &'static str) -> Self {
        Rpc { path }
    }

    /// `Service/Method`.
    pub(crate) fn name(&self) -> &'static str {
        self.path.strip_prefix("/qdrant.").unwrap_or(self.path)
    }
}

impl Transport {
    /// Sends one request and decodes its response.
    ///
    /// `collection` names the collection the call is about, for errors;
    /// `timeout` overrides the client's default deadline.
    pub(crate) async fn unary<Req, Resp>(
        &self,
        rpc: Rpc,
        collection: Option<&str>,
        timeout: Option<Duration>,
        request: &Req,
    ) -> Result<Resp>
    where
        Req: Message,
        Resp: Message + Default + Send + 'static,
    {
        let bytes = Bytes::from(request.encode_to_vec());
        if bytes.len() > self.settings.max_encoding_message_size {
            return Err(Error::invalid_argument(
                "request",
                format!(
                    "{} encodes to {} bytes, above the limit of {} bytes; send it in smaller parts",
                    rpc.name(),
                    bytes.len(),
                    self.settings.max_encoding_message_size
                ),
            ));
        }
        let timeout = timeout.or(self.settings.timeout);
        let call = self.send::<Resp>(rpc, bytes, timeout);
        let result = match timeout {
            // The server learns the deadline from `grpc-timeout`; the local
            // timer is the backstop for a server that does not answer at all.
            Some(limit) => match tokio::time::timeout(limit, call).await {
                Ok(result) => result,
                Err(_) => Err(Status::deadline_exceeded("client deadline passed")),
            },
            None => call.await,
        };
        result.map_err(|status| status_error(status, rpc, collection, timeout))
    }

    async fn send<Resp>(
        &self,
        rpc: Rpc,
        bytes: Bytes,
        timeout: Option<Duration>,
    ) -> std::result::Result<Resp, Status>
    where
        Resp: Message + Default + Send + 'static,
    {
        let mut request = tonic::Request::new(bytes);
        self.metadata.apply(request.metadata_mut());
        if let Some(limit) = timeout {
            request.set_timeout(limit);
        }
        let mut grpc = tonic::client::Grpc::new(self.pool.clone())
            .max_decoding_message_size(self.settings.max_decoding_message_size)
            .max_encoding_message_size(usize::MAX);
        if self.settings.compression {
            grpc = grpc
                .send_compressed(tonic::codec::CompressionEncoding::Gzip)
                .accept_compressed(tonic::codec::CompressionEncoding::Gzip);
        }
        grpc.ready()
            .await
            .map_err(|e| Status::unavailable(endpoint::error_chain(&e)))?;
        let response = grpc
            .unary(
                request,
                PathAndQuery::from_static(rpc.path),
                BytesCodec::<Resp>::default(),
            )
            .await?;
        Ok(response.into_inner())
    }

    /// The generated stubs of all four services over this transport.
    pub(crate) fn raw(&self) -> RawClients {
        let channel = || InterceptedService::new(self.pool.clone(), self.metadata.clone());
        let limit = self.settings.max_decoding_message_size;
        RawClients {
            qdrant: proto::qdrant_client::QdrantClient::new(channel()).max_decoding_message_size(limit),
            collections: proto::collections_client::CollectionsClient::new(channel())
                .max_decoding_message_size(limit),
            points: proto::points_client::PointsClient::new(channel()).max_decoding_message_size(limit),
            snapshots: proto::snapshots_client::SnapshotsClient::new(channel())
                .max_decoding_message_size(limit),
        }
    }
}

/// The generated tonic stubs for Qdrant's four services, on the client's
/// pooled, authenticated connections. See [`crate::Client::raw`].
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct RawClients {
    /// `qdrant.Qdrant`: the health check.
    pub qdrant: proto::qdrant_client::QdrantClient<RawChannel>,
    /// `qdrant.Collections`.
    pub collections: proto::collections_client::CollectionsClient<RawChannel>,
    /// `qdrant.Points`.
    pub points: proto::points_client::PointsClient<RawChannel>,
    /// `qdrant.Snapshots`.
    pub snapshots: proto::snapshots_client::SnapshotsClient<RawChannel>,
}

/// Maps a status to the crate's error, naming the RPC and the collection.
fn status_error(status: Status, rpc: Rpc, collection: Option<&str>, timeout: Option<Duration>) -> Error {
    let collection = collection.map(str::to_owned);
    match status.code() {
        Code::DeadlineExceeded => Error::Timeout {
            rpc: rpc.name(),
            collection,
            after: timeout,
        },
        code => {
            let mut message = status.message().to_owned();
            if let Some(source) = std::error::Error::source(&status) {
                let detail = endpoint::error_chain(source);
                if !message.contains(&detail) {
                    message = format!("{message}: {detail}");
                }
            }
            Error::Server {
                code,
                message,
                rpc: rpc.name(),
                collection,
            }
        }
    }
}

/// Sends pre-encoded request bytes and decodes the response with prost:
/// the request is encoded once, whatever happens to the call.
struct BytesCodec<Resp>(PhantomData<fn() -> Resp>);

impl<Resp> Default for BytesCodec<Resp> {
    fn default() -> Self {
        BytesCodec(PhantomData)
    }
}

impl<Resp: Message + Default + Send + 'static> Codec for BytesCodec<Resp> {
    type Encode = Bytes;
    type Decode = Resp;
    type Encoder = BytesEncoder;
    type Decoder = ProstDecoder<Resp>;

    fn encoder(&mut self) -> Self::Encoder {
        BytesEncoder
    }

    fn decoder(&mut self) -> Self::Decoder {
        ProstDecoder::default()
    }
}

struct BytesEncoder;

impl Encoder for BytesEncoder {
    type Item = Bytes;
    type Error = Status;

    fn encode(&mut self, item: Bytes, dst: &mut EncodeBuf<'_>) -> std::result::Result<(), Status> {
        dst.put_slice(&item);
        Ok(())
    }
}
