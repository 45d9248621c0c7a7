//! HTTP/2 frames (RFC 9113 §4, §6): the 9-byte frame header, the frame
//! types and flags this client reads and writes, error codes, and the
//! frames it writes whole.

/// Length of a frame header.
pub(crate) const HEADER_LEN: usize = 9;
/// The frame size every peer must accept (SETTINGS_MAX_FRAME_SIZE's
/// initial value); this client never announces more.
pub(crate) const DEFAULT_MAX_FRAME: usize = 16_384;
/// The flow-control window every stream and connection starts with.
pub(crate) const DEFAULT_WINDOW: u32 = 65_535;
/// The largest window RFC 9113 allows.
pub(crate) const MAX_WINDOW: i64 = (1 << 31) - 1;
/// What a client sends first on a connection.
pub(crate) const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

pub(crate) const DATA: u8 = 0x0;
pub(crate) const HEADERS: u8 = 0x1;
pub(crate) const PRIORITY: u8 = 0x2;
pub(crate) const RST_STREAM: u8 = 0x3;
pub(crate) const SETTINGS: u8 = 0x4;
pub(crate) const PUSH_PROMISE: u8 = 0x5;
pub(crate) const PING: u8 = 0x6;
pub(crate) const GOAWAY: u8 = 0x7;
pub(crate) const WINDOW_UPDATE: u8 = 0x8;
pub(crate) const CONTINUATION: u8 = 0x9;

pub(crate) const END_STREAM: u8 = 0x1;
pub(crate) const ACK: u8 = 0x1;
pub(crate) const END_HEADERS: u8 = 0x4;
pub(crate) const PADDED: u8 = 0x8;
pub(crate) const PRIORITY_FLAG: u8 = 0x20;

pub(crate) const SETTINGS_HEADER_TABLE_SIZE: u16 = 0x1;
pub(crate) const SETTINGS_ENABLE_PUSH: u16 = 0x2;
pub(crate) const SETTINGS_MAX_CONCURRENT_STREAMS: u16 = 0x3;
pub(crate) const SETTINGS_INITIAL_WINDOW_SIZE: u16 = 0x4;
pub(crate) const SETTINGS_MAX_FRAME_SIZE: u16 = 0x5;

/// An HTTP/2 error code (RFC 9113 §7).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Reason(pub(crate) u32);

impl Reason {
    pub(crate) const NO_ERROR: Reason = Reason(0x0);
    pub(crate) const PROTOCOL_ERROR: Reason = Reason(0x1);
    pub(crate) const FLOW_CONTROL_ERROR: Reason = Reason(0x3);
    pub(crate) const FRAME_SIZE_ERROR: Reason = Reason(0x6);
    pub(crate) const REFUSED_STREAM: Reason = Reason(0x7);
    pub(crate) const CANCEL: Reason = Reason(0x8);
    pub(crate) const COMPRESSION_ERROR: Reason = Reason(0x9);
    pub(crate) const ENHANCE_YOUR_CALM: Reason = Reason(0xb);

    /// The code's name in RFC 9113, or its number.
    pub(crate) fn name(self) -> std::borrow::Cow<'static, str> {
        const NAMES: [&str; 14] = [
            "NO_ERROR",
            "PROTOCOL_ERROR",
            "INTERNAL_ERROR",
            "FLOW_CONTROL_ERROR",
            "SETTINGS_TIMEOUT",
            "STREAM_CLOSED",
            "FRAME_SIZE_ERROR",
            "REFUSED_STREAM",
            "CANCEL",
            "COMPRESSION_ERROR",
            "CONNECT_ERROR",
            "ENHANCE_YOUR_CALM",
            "INADEQUATE_SECURITY",
            "HTTP_1_1_REQUIRED",
        ];
        match NAMES.get(self.0 as usize) {
            Some(name) => (*name).into(),
            None => format!("error code {:#x}", self.0).into(),
        }
    }
}

impl std::fmt::Debug for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name())
    }
}

/// A frame's header, read.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Head {
    pub(crate) len: usize,
    pub(crate) kind: u8,
    pub(crate) flags: u8,
    pub(crate) stream: u32,
}

impl Head {
    /// Reads the header at the start of `buf` (at least [`HEADER_LEN`]
    /// bytes).
    pub(crate) fn read(buf: &[u8]) -> Head {
        Head {
            len: usize::from(buf[0]) << 16 | usize::from(buf[1]) << 8 | usize::from(buf[2]),
            kind: buf[3],
            flags: buf[4],
            // The reserved bit is ignored (RFC 9113 §4.1).
            stream: u32::from_be_bytes([buf[5], buf[6], buf[7], buf[8]]) & 0x7fff_ffff,
        }
    }
}

/// Appends a frame header.
pub(crate) fn put_head(out: &mut Vec<u8>, len: usize, kind: u8, flags: u8, stream: u32) {
    debug_assert!(len < 1 << 24);
    let len = (len as u32).to_be_bytes();
    out.extend_from_slice(&[len[1], len[2], len[3], kind, flags]);
    out.extend_from_slice(&stream.to_be_bytes());
}

/// Appends a SETTINGS frame with `settings`.
pub(crate) fn put_settings(out: &mut Vec<u8>, settings: &[(u16, u32)]) {
    put_head(out, settings.len() * 6, SETTINGS, 0, 0);
    for (id, value) in settings {
        out.extend_from_slice(&id.to_be_bytes());
        out.extend_from_slice(&value.to_be_bytes());
    }
}

/// Appends a WINDOW_UPDATE frame.
pub(crate) fn put_window_update(out: &mut Vec<u8>, stream: u32, increment: u32) {
    put_head(out, 4, WINDOW_UPDATE, 0, stream);
    out.extend_from_slice(&increment.to_be_bytes());
}

/// Appends a RST_STREAM frame.
pub(crate) fn put_reset(out: &mut Vec<u8>, stream: u32, reason: Reason) {
    put_head(out, 4, RST_STREAM, 0, stream);
    out.extend_from_slice(&reason.0.to_be_bytes());
}

/// Appends a PING frame (or its acknowledgement).
pub(crate) fn put_ping(out: &mut Vec<u8>, payload: [u8; 8], ack: bool) {
    put_head(out, 8, PING, if ack { ACK } else { 0 }, 0);
    out.extend_from_slice(&payload);
}

/// Appends a GOAWAY frame.
pub(crate) fn put_goaway(out: &mut Vec<u8>, last_stream: u32, reason: Reason) {
    put_head(out, 8, GOAWAY, 0, 0);
    out.extend_from_slice(&last_stream.to_be_bytes());
    out.extend_from_slice(&reason.0.to_be_bytes());
}

/// The payload of a DATA or HEADERS frame without its padding, or `None`
/// when the padding is longer than the frame (a PROTOCOL_ERROR).
pub(crate) fn unpad(flags: u8, payload: &[u8]) -> Option<&[u8]> {
    if flags & PADDED == 0 {
        return Some(payload);
    }
    let (&pad, rest) = payload.split_first()?;
    rest.len().checked_sub(usize::from(pad)).map(|end| &rest[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_header_reads_back_as_written() {
        let mut out = Vec::new();
        put_head(
            &mut out,
            0x01_02_03,
            HEADERS,
            END_HEADERS | END_STREAM,
            0x7fff_fffd,
        );
        let head = Head::read(&out);
        assert_eq!(
            (head.len, head.kind, head.flags, head.stream),
            (0x01_02_03, HEADERS, END_HEADERS | END_STREAM, 0x7fff_fffd)
        );
        // The reserved bit is dropped.
        out[5] |= 0x80;
        assert_eq!(Head::read(&out).stream, 0x7fff_fffd);
    }

    #[test]
    fn padding_is_removed_or_refused() {
        assert_eq!(unpad(0, b"abc"), Some(&b"abc"[..]));
        assert_eq!(unpad(PADDED, b"\x02abc\0\0"), Some(&b"abc"[..]));
        assert_eq!(unpad(PADDED, b"\x00"), Some(&b""[..]));
        assert_eq!(unpad(PADDED, b"\x05ab"), None);
        assert_eq!(unpad(PADDED, b""), None);
    }

    #[test]
    fn reasons_are_named() {
        assert_eq!(Reason::REFUSED_STREAM.name(), "REFUSED_STREAM");
        assert_eq!(Reason(0x42).name(), "error code 0x42");
    }
}
