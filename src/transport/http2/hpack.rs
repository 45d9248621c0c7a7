//! HPACK header compression (RFC 7541) for our HTTP/2 client.
//!
//! The [`Decoder`] reads the header blocks of responses: integers with prefixes, plain and
//! Huffman-coded strings, the static table and a dynamic table shared by the blocks of one
//! connection. The encoder writes request headers as literals that are never added to a
//! table, so the server's decoder never needs our dynamic table.

use std::collections::VecDeque;
use std::fmt;

/// Why a header block could not be decoded (a connection error, COMPRESSION_ERROR).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HpackError(pub(crate) &'static str);

impl fmt::Display for HpackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "header compression error: {}", self.0)
    }
}

impl std::error::Error for HpackError {}

/// The result of decoding.
type Result<T> = std::result::Result<T, HpackError>;

/// What a dynamic table entry costs besides its name and value (RFC 7541 §4.1).
const ENTRY_OVERHEAD: usize = 32;

/// The static table (RFC 7541 Appendix A): index `i` is `STATIC[i - 1]`.
#[rustfmt::skip]
static STATIC: [(&[u8], &[u8]); 61] = [
    /*  1 */ (b":authority", b""), (b":method", b"GET"), (b":method", b"POST"), (b":path", b"/"),
    /*  5 */ (b":path", b"/index.html"), (b":scheme", b"http"), (b":scheme", b"https"),
    /*  8 */ (b":status", b"200"), (b":status", b"204"), (b":status", b"206"), (b":status", b"304"),
    /* 12 */ (b":status", b"400"), (b":status", b"404"), (b":status", b"500"), (b"accept-charset", b""),
    /* 16 */ (b"accept-encoding", b"gzip, deflate"), (b"accept-language", b""), (b"accept-ranges", b""),
    /* 19 */ (b"accept", b""), (b"access-control-allow-origin", b""), (b"age", b""), (b"allow", b""),
    /* 23 */ (b"authorization", b""), (b"cache-control", b""), (b"content-disposition", b""),
    /* 26 */ (b"content-encoding", b""), (b"content-language", b""), (b"content-length", b""),
    /* 29 */ (b"content-location", b""), (b"content-range", b""), (b"content-type", b""), (b"cookie", b""),
    /* 33 */ (b"date", b""), (b"etag", b""), (b"expect", b""), (b"expires", b""), (b"from", b""),
    /* 38 */ (b"host", b""), (b"if-match", b""), (b"if-modified-since", b""), (b"if-none-match", b""),
    /* 42 */ (b"if-range", b""), (b"if-unmodified-since", b""), (b"last-modified", b""), (b"link", b""),
    /* 46 */ (b"location", b""), (b"max-forwards", b""), (b"proxy-authenticate", b""),
    /* 49 */ (b"proxy-authorization", b""), (b"range", b""), (b"referer", b""), (b"refresh", b""),
    /* 53 */ (b"retry-after", b""), (b"server", b""), (b"set-cookie", b""),
    /* 56 */ (b"strict-transport-security", b""), (b"transfer-encoding", b""), (b"user-agent", b""),
    /* 59 */ (b"vary", b""), (b"via", b""), (b"www-authenticate", b""),
];

/// The Huffman code (RFC 7541 Appendix B): the code and its length in bits of each byte,
/// then of EOS (256).
#[rustfmt::skip]
static HUFFMAN: [(u32, u8); 257] = [
    /*   0 */ (0x1ff8, 13), (0x7fffd8, 23), (0xfffffe2, 28), (0xfffffe3, 28), (0xfffffe4, 28),
    /*   5 */ (0xfffffe5, 28), (0xfffffe6, 28), (0xfffffe7, 28), (0xfffffe8, 28), (0xffffea, 24),
    /*  10 */ (0x3ffffffc, 30), (0xfffffe9, 28), (0xfffffea, 28), (0x3ffffffd, 30), (0xfffffeb, 28),
    /*  15 */ (0xfffffec, 28), (0xfffffed, 28), (0xfffffee, 28), (0xfffffef, 28), (0xffffff0, 28),
    /*  20 */ (0xffffff1, 28), (0xffffff2, 28), (0x3ffffffe, 30), (0xffffff3, 28), (0xffffff4, 28),
    /*  25 */ (0xffffff5, 28), (0xffffff6, 28), (0xffffff7, 28), (0xffffff8, 28), (0xffffff9, 28),
    /*  30 */ (0xffffffa, 28), (0xffffffb, 28), (0x14, 6), (0x3f8, 10), (0x3f9, 10),
    /*  35 */ (0xffa, 12), (0x1ff9, 13), (0x15, 6), (0xf8, 8), (0x7fa, 11),
    /*  40 */ (0x3fa, 10), (0x3fb, 10), (0xf9, 8), (0x7fb, 11), (0xfa, 8),
    /*  45 */ (0x16, 6), (0x17, 6), (0x18, 6), (0x0, 5), (0x1, 5),
    /*  50 */ (0x2, 5), (0x19, 6), (0x1a, 6), (0x1b, 6), (0x1c, 6),
    /*  55 */ (0x1d, 6), (0x1e, 6), (0x1f, 6), (0x5c, 7), (0xfb, 8),
    /*  60 */ (0x7ffc, 15), (0x20, 6), (0xffb, 12), (0x3fc, 10), (0x1ffa, 13),
    /*  65 */ (0x21, 6), (0x5d, 7), (0x5e, 7), (0x5f, 7), (0x60, 7),
    /*  70 */ (0x61, 7), (0x62, 7), (0x63, 7), (0x64, 7), (0x65, 7),
    /*  75 */ (0x66, 7), (0x67, 7), (0x68, 7), (0x69, 7), (0x6a, 7),
    /*  80 */ (0x6b, 7), (0x6c, 7), (0x6d, 7), (0x6e, 7), (0x6f, 7),
    /*  85 */ (0x70, 7), (0x71, 7), (0x72, 7), (0xfc, 8), (0x73, 7),
    /*  90 */ (0xfd, 8), (0x1ffb, 13), (0x7fff0, 19), (0x1ffc, 13), (0x3ffc, 14),
    /*  95 */ (0x22, 6), (0x7ffd, 15), (0x3, 5), (0x23, 6), (0x4, 5),
    /* 100 */ (0x24, 6), (0x5, 5), (0x25, 6), (0x26, 6), (0x27, 6),
    /* 105 */ (0x6, 5), (0x74, 7), (0x75, 7), (0x28, 6), (0x29, 6),
    /* 110 */ (0x2a, 6), (0x7, 5), (0x2b, 6), (0x76, 7), (0x2c, 6),
    /* 115 */ (0x8, 5), (0x9, 5), (0x2d, 6), (0x77, 7), (0x78, 7),
    /* 120 */ (0x79, 7), (0x7a, 7), (0x7b, 7), (0x7ffe, 15), (0x7fc, 11),
    /* 125 */ (0x3ffd, 14), (0x1ffd, 13), (0xffffffc, 28), (0xfffe6, 20), (0x3fffd2, 22),
    /* 130 */ (0xfffe7, 20), (0xfffe8, 20), (0x3fffd3, 22), (0x3fffd4, 22), (0x3fffd5, 22),
    /* 135 */ (0x7fffd9, 23), (0x3fffd6, 22), (0x7fffda, 23), (0x7fffdb, 23), (0x7fffdc, 23),
    /* 140 */ (0x7fffdd, 23), (0x7fffde, 23), (0xffffeb, 24), (0x7fffdf, 23), (0xffffec, 24),
    /* 145 */ (0xffffed, 24), (0x3fffd7, 22), (0x7fffe0, 23), (0xffffee, 24), (0x7fffe1, 23),
    /* 150 */ (0x7fffe2, 23), (0x7fffe3, 23), (0x7fffe4, 23), (0x1fffdc, 21), (0x3fffd8, 22),
    /* 155 */ (0x7fffe5, 23), (0x3fffd9, 22), (0x7fffe6, 23), (0x7fffe7, 23), (0xffffef, 24),
    /* 160 */ (0x3fffda, 22), (0x1fffdd, 21), (0xfffe9, 20), (0x3fffdb, 22), (0x3fffdc, 22),
    /* 165 */ (0x7fffe8, 23), (0x7fffe9, 23), (0x1fffde, 21), (0x7fffea, 23), (0x3fffdd, 22),
    /* 170 */ (0x3fffde, 22), (0xfffff0, 24), (0x1fffdf, 21), (0x3fffdf, 22), (0x7fffeb, 23),
    /* 175 */ (0x7fffec, 23), (0x1fffe0, 21), (0x1fffe1, 21), (0x3fffe0, 22), (0x1fffe2, 21),
    /* 180 */ (0x7fffed, 23), (0x3fffe1, 22), (0x7fffee, 23), (0x7fffef, 23), (0xfffea, 20),
    /* 185 */ (0x3fffe2, 22), (0x3fffe3, 22), (0x3fffe4, 22), (0x7ffff0, 23), (0x3fffe5, 22),
    /* 190 */ (0x3fffe6, 22), (0x7ffff1, 23), (0x3ffffe0, 26), (0x3ffffe1, 26), (0xfffeb, 20),
    /* 195 */ (0x7fff1, 19), (0x3fffe7, 22), (0x7ffff2, 23), (0x3fffe8, 22), (0x1ffffec, 25),
    /* 200 */ (0x3ffffe2, 26), (0x3ffffe3, 26), (0x3ffffe4, 26), (0x7ffffde, 27), (0x7ffffdf, 27),
    /* 205 */ (0x3ffffe5, 26), (0xfffff1, 24), (0x1ffffed, 25), (0x7fff2, 19), (0x1fffe3, 21),
    /* 210 */ (0x3ffffe6, 26), (0x7ffffe0, 27), (0x7ffffe1, 27), (0x3ffffe7, 26), (0x7ffffe2, 27),
    /* 215 */ (0xfffff2, 24), (0x1fffe4, 21), (0x1fffe5, 21), (0x3ffffe8, 26), (0x3ffffe9, 26),
    /* 220 */ (0xffffffd, 28), (0x7ffffe3, 27), (0x7ffffe4, 27), (0x7ffffe5, 27), (0xfffec, 20),
    /* 225 */ (0xfffff3, 24), (0xfffed, 20), (0x1fffe6, 21), (0x3fffe9, 22), (0x1fffe7, 21),
    /* 230 */ (0x1fffe8, 21), (0x7ffff3, 23), (0x3fffea, 22), (0x3fffeb, 22), (0x1ffffee, 25),
    /* 235 */ (0x1ffffef, 25), (0xfffff4, 24), (0xfffff5, 24), (0x3ffffea, 26), (0x7ffff4, 23),
    /* 240 */ (0x3ffffeb, 26), (0x7ffffe6, 27), (0x3ffffec, 26), (0x3ffffed, 26), (0x7ffffe7, 27),
    /* 245 */ (0x7ffffe8, 27), (0x7ffffe9, 27), (0x7ffffea, 27), (0x7ffffeb, 27), (0xffffffe, 28),
    /* 250 */ (0x7ffffec, 27), (0x7ffffed, 27), (0x7ffffee, 27), (0x7ffffef, 27), (0x7fffff0, 27),
    /* 255 */ (0x3ffffee, 26), (0x3fffffff, 30),
];

/// The symbol that ends a Huffman string; it must never appear inside one.
const EOS: u16 = 256;

/// The shortest code length of [`HUFFMAN`].
const MIN_CODE_LEN: usize = 5;

/// Tables to decode the canonical Huffman code: the codes of each length are consecutive and
/// follow those of the shorter lengths, so the length of the next code is the first length
/// whose `limit` is above the next 32 bits of input.
struct HuffmanDecode {
    /// For each length, the end of the codes of that length or shorter, left-aligned in 32 bits.
    limit: [u64; 31],
    /// For each length, what to add (wrapping) to a code to get its place in `syms`.
    delta: [u32; 31],
    /// The symbols in the order of their codes.
    syms: [u16; 257],
}

/// The decoding tables, built (and checked to be canonical and complete) at compile time.
static HUFFMAN_DECODE: HuffmanDecode = HuffmanDecode::build();

impl HuffmanDecode {
    /// Builds the tables from [`HUFFMAN`]; a table that is not a complete canonical code
    /// fails to compile.
    const fn build() -> HuffmanDecode {
        let (mut limit, mut delta, mut syms) = ([0; 31], [0; 31], [0; 257]);
        let (mut next, mut count, mut len) = (0u64, 0, 1);
        while len <= 30 {
            delta[len] = (count as u32).wrapping_sub((next >> (32 - len)) as u32);
            let mut sym = 0;
            while sym < 257 {
                let (code, bits) = HUFFMAN[sym];
                if bits as usize == len {
                    assert!((code as u64) << (32 - len) == next, "Huffman code not canonical");
                    syms[count] = sym as u16;
                    count += 1;
                    next += 1 << (32 - len);
                }
                sym += 1;
            }
            limit[len] = next;
            len += 1;
        }
        assert!(count == 257 && next == 1 << 32, "Huffman code not complete");
        assert!(limit[MIN_CODE_LEN - 1] == 0, "Huffman code too short");
        HuffmanDecode { limit, delta, syms }
    }

    /// The symbol whose code starts `window` (the next 32 bits of input), and its length.
    fn lookup(&self, window: u32) -> Option<(u16, u32)> {
        let mut len = MIN_CODE_LEN;
        while len < 30 && u64::from(window) >= self.limit[len] {
            len += 1;
        }
        let index = (window >> (32 - len)).wrapping_add(self.delta[len]) as usize;
        Some((*self.syms.get(index)?, len as u32))
    }
}

/// Decodes the Huffman-coded string `src` into `dst` (cleared first).
fn huffman_decode(src: &[u8], dst: &mut Vec<u8>) -> Result<()> {
    dst.clear();
    dst.reserve(src.len() / 5 * 8 + 8);
    // The low `bits` bits of `acc` are the input not yet decoded.
    let (mut acc, mut bits, mut next) = (0u64, 0u32, 0usize);
    loop {
        while bits <= 56 && next < src.len() {
            acc = (acc << 8) | u64::from(src[next]);
            bits += 8;
            next += 1;
        }
        if bits == 0 {
            return Ok(());
        }
        let window = if bits >= 32 {
            (acc >> (bits - 32)) as u32
        } else {
            ((acc << (32 - bits)) as u32) | (u32::MAX >> bits)
        };
        let found = HUFFMAN_DECODE.lookup(window);
        let (sym, len) = found.ok_or(HpackError("invalid Huffman code"))?;
        if len > bits {
            // Past the last code (we refill while input remains): the rest must be padding, at
            // most 7 bits and all ones, the start of EOS (RFC 7541 §5.2).
            let ones = (1u64 << bits) - 1;
            if bits > 7 || acc & ones != ones {
                return Err(HpackError("invalid Huffman padding"));
            }
            return Ok(());
        }
        if sym == EOS {
            return Err(HpackError("EOS inside a Huffman string"));
        }
        dst.push(sym as u8);
        bits -= len;
    }
}

/// The dynamic table (RFC 7541 §2.3.2): newest entry first, each entry its name and value in
/// one allocation, with the name's length.
#[derive(Default)]
struct Table {
    /// The entries, newest first.
    entries: VecDeque<(Box<[u8]>, usize)>,
    /// The sum of the entries' sizes (RFC 7541 §4.1).
    size: usize,
    /// The largest size allowed, as set by the last size update.
    capacity: usize,
}

impl Table {
    /// The field at `index` of the static table followed by the dynamic table (RFC 7541 §2.3.3).
    fn get(&self, index: usize) -> Result<(&[u8], &[u8])> {
        if index == 0 {
            return Err(HpackError("index 0"));
        }
        if let Some(&(name, value)) = STATIC.get(index - 1) {
            return Ok((name, value));
        }
        match self.entries.get(index - 1 - STATIC.len()) {
            Some((entry, name_len)) => Ok(entry.split_at(*name_len)),
            None => Err(HpackError("index out of range")),
        }
    }

    /// Evicts the oldest entries until the table's size is at most `limit` (RFC 7541 §4.3).
    fn evict_to(&mut self, limit: usize) {
        while self.size > limit {
            match self.entries.pop_back() {
                Some((entry, _)) => self.size -= entry.len() + ENTRY_OVERHEAD,
                None => self.size = 0,
            }
        }
    }

    /// Adds an entry, evicting as needed; an entry larger than the table empties it (RFC 7541 §4.4).
    fn insert(&mut self, entry: Box<[u8]>, name_len: usize) {
        let size = entry.len() + ENTRY_OVERHEAD;
        if size > self.capacity {
            self.entries.clear();
            self.size = 0;
            return;
        }
        self.evict_to(self.capacity - size);
        self.size += size;
        self.entries.push_front((entry, name_len));
    }
}

/// Decodes the header blocks of one connection, in the order they arrive.
pub(crate) struct Decoder {
    /// The dynamic table shared by the blocks.
    table: Table,
    /// The largest table size the server may choose (our SETTINGS_HEADER_TABLE_SIZE).
    max_size: usize,
    /// Scratch for a Huffman-coded name.
    name_buf: Vec<u8>,
    /// Scratch for a Huffman-coded value.
    value_buf: Vec<u8>,
}

impl Decoder {
    /// A decoder whose dynamic table may grow to `max_size` bytes (the SETTINGS_HEADER_TABLE_SIZE
    /// we announce; 4096 by default).
    pub(crate) fn new(max_size: usize) -> Decoder {
        let table = Table {
            capacity: max_size,
            ..Table::default()
        };
        Decoder {
            table,
            max_size,
            name_buf: Vec::new(),
            value_buf: Vec::new(),
        }
    }

    /// Decodes one whole header block (HEADERS and CONTINUATION payloads joined), calling
    /// `emit(name, value)` for each field in order, and updates the dynamic table. After an
    /// error the table is not to be trusted: the connection must end (COMPRESSION_ERROR).
    pub(crate) fn decode(&mut self, block: &[u8], mut emit: impl FnMut(&[u8], &[u8])) -> Result<()> {
        let mut pos = 0;
        let mut field_seen = false;
        while let Some(&first) = block.get(pos) {
            if first & 0x80 != 0 {
                // Indexed field (§6.1).
                let (name, value) = self.table.get(read_int(block, &mut pos, 7)?)?;
                emit(name, value);
            } else if first & 0x40 != 0 {
                // Literal with incremental indexing (§6.2.1): copied once into its table entry.
                let (name, value) = self.read_literal(block, &mut pos, 6)?;
                let mut entry = Vec::with_capacity(name.len() + value.len());
                entry.extend_from_slice(name);
                entry.extend_from_slice(value);
                let (entry, name_len) = (entry.into_boxed_slice(), name.len());
                let (name, value) = entry.split_at(name_len);
                emit(name, value);
                self.table.insert(entry, name_len);
            } else if first & 0x20 != 0 {
                // Dynamic table size update (§6.3), only at the start of a block (§4.2).
                if field_seen {
                    return Err(HpackError("table size update after a header field"));
                }
                let size = read_int(block, &mut pos, 5)?;
                if size > self.max_size {
                    return Err(HpackError("table size update above the announced maximum"));
                }
                self.table.capacity = size;
                self.table.evict_to(size);
                continue;
            } else {
                // Literal without indexing (§6.2.2) or never indexed (§6.2.3).
                let (name, value) = self.read_literal(block, &mut pos, 4)?;
                emit(name, value);
            }
            field_seen = true;
        }
        Ok(())
    }

    /// Reads a literal field (RFC 7541 §6.2) at `pos`: its name as an index with a
    /// `prefix`-bit prefix (0 for a literal name), then its value.
    fn read_literal<'a>(
        &'a mut self,
        block: &'a [u8],
        pos: &mut usize,
        prefix: u8,
    ) -> Result<(&'a [u8], &'a [u8])> {
        let name = match read_int(block, pos, prefix)? {
            0 => read_string(block, pos, &mut self.name_buf)?,
            index => self.table.get(index)?.0,
        };
        Ok((name, read_string(block, pos, &mut self.value_buf)?))
    }
}

/// Reads an integer with a `prefix`-bit prefix (RFC 7541 §5.1) at `pos`, refusing values
/// above `u32::MAX` and encodings longer than 5 continuation bytes.
fn read_int(block: &[u8], pos: &mut usize, prefix: u8) -> Result<usize> {
    const TRUNCATED: HpackError = HpackError("truncated integer");
    const OVERFLOW: HpackError = HpackError("integer too large");
    let mask = (1u8 << prefix) - 1;
    let first = *block.get(*pos).ok_or(TRUNCATED)? & mask;
    *pos += 1;
    let mut value = u64::from(first);
    if first < mask {
        return Ok(usize::from(first));
    }
    let mut shift = 0;
    loop {
        let byte = *block.get(*pos).ok_or(TRUNCATED)?;
        *pos += 1;
        value += u64::from(byte & 0x7f) << shift;
        if value > u64::from(u32::MAX) {
            return Err(OVERFLOW);
        }
        if byte & 0x80 == 0 {
            return usize::try_from(value).map_err(|_| OVERFLOW);
        }
        shift += 7;
        if shift > 28 {
            return Err(OVERFLOW);
        }
    }
}

/// Reads a string (RFC 7541 §5.2) at `pos`: a slice of `block`, or of `buf` when it is
/// Huffman-coded.
fn read_string<'a>(block: &'a [u8], pos: &mut usize, buf: &'a mut Vec<u8>) -> Result<&'a [u8]> {
    let huffman = block.get(*pos).is_some_and(|b| b & 0x80 != 0);
    let len = read_int(block, pos, 7)?;
    if block.len() - *pos < len {
        return Err(HpackError("string longer than the block"));
    }
    let raw = &block[*pos..*pos + len];
    *pos += len;
    if !huffman {
        return Ok(raw);
    }
    huffman_decode(raw, buf)?;
    Ok(buf)
}

/// Appends `value` as an integer with a `prefix`-bit prefix (RFC 7541 §5.1), after `flags`
/// in the first byte's high bits.
fn write_int(out: &mut Vec<u8>, flags: u8, prefix: u8, value: usize) {
    let max = (1usize << prefix) - 1;
    if value < max {
        out.push(flags | value as u8);
        return;
    }
    out.push(flags | max as u8);
    let mut rest = value - max;
    while rest >= 0x80 {
        out.push(0x80 | (rest & 0x7f) as u8);
        rest >>= 7;
    }
    out.push(rest as u8);
}

/// Appends `s` as a plain (not Huffman-coded) string (RFC 7541 §5.2).
fn write_string(out: &mut Vec<u8>, s: &[u8]) {
    write_int(out, 0, 7, s.len());
    out.extend_from_slice(s);
}

/// Appends the header field `name: value` as a literal without indexing (or never indexed when
/// `sensitive`: RFC 7541 §6.2.3, for credentials), with the name as a static-table index when
/// the static table has that name, and with plain (not Huffman) strings. Our encoder never
/// uses the dynamic table.
pub(crate) fn encode_field(out: &mut Vec<u8>, name: &[u8], value: &[u8], sensitive: bool) {
    let flags = if sensitive { 0x10 } else { 0x00 };
    match STATIC.iter().position(|&(n, _)| n == name) {
        Some(i) => write_int(out, flags, 4, i + 1),
        None => {
            out.push(flags);
            write_string(out, name);
        }
    }
    write_string(out, value);
}

/// Appends an indexed field from the static table (e.g. 3 for `:method: POST`, 6 for
/// `:scheme: http`, 7 for `:scheme: https`).
pub(crate) fn encode_indexed(out: &mut Vec<u8>, index: usize) {
    write_int(out, 0x80, 7, index);
}

/// Appends a dynamic table size update to `size` (our encoder sends 0 at the start of its
/// first block, so that its table is empty whatever the peer's settings).
pub(crate) fn encode_size_update(out: &mut Vec<u8>, size: usize) {
    write_int(out, 0x20, 5, size);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Header fields as owned bytes, to compare.
    type Fields = Vec<(Vec<u8>, Vec<u8>)>;

    /// Bytes from hex digits, ignoring spaces.
    fn hex(s: &str) -> Vec<u8> {
        let s: String = s.split_whitespace().collect();
        let byte = |i| u8::from_str_radix(&s[i..i + 2], 16).unwrap();
        (0..s.len()).step_by(2).map(byte).collect()
    }

    /// Fields from string pairs.
    fn fields(list: &[(&str, &str)]) -> Fields {
        let owned = |&(n, v): &(&str, &str)| (n.as_bytes().to_vec(), v.as_bytes().to_vec());
        list.iter().map(owned).collect()
    }

    /// Decodes one block, collecting its fields.
    fn decode(d: &mut Decoder, block: &[u8]) -> Result<Fields> {
        let mut out = Vec::new();
        d.decode(block, |n, v| out.push((n.to_vec(), v.to_vec())))?;
        Ok(out)
    }

    /// The dynamic table's entries, newest first, after checking its size.
    fn table(d: &Decoder) -> Fields {
        let split = |(e, n): &(Box<[u8]>, usize)| (e[..*n].to_vec(), e[*n..].to_vec());
        let entries: Fields = d.table.entries.iter().map(split).collect();
        let size: usize = entries.iter().map(|(n, v)| n.len() + v.len() + 32).sum();
        assert!(d.table.size == size && size <= d.table.capacity);
        entries
    }

    /// Decodes a block given in hex and checks its fields, the dynamic table and its size.
    fn check(d: &mut Decoder, block: &str, want: &[(&str, &str)], entries: &[(&str, &str)], size: usize) {
        assert_eq!(decode(d, &hex(block)).unwrap(), fields(want));
        assert_eq!((table(d), d.table.size), (fields(entries), size));
    }

    /// Huffman-codes symbols (bytes, or 256 for EOS) and pads the last byte with ones.
    fn huffman_encode(syms: impl IntoIterator<Item = usize>) -> Vec<u8> {
        let (mut out, mut acc, mut bits) = (Vec::new(), 0u64, 0u32);
        for sym in syms {
            let (code, len) = HUFFMAN[sym];
            acc = (acc << len) | u64::from(code);
            bits += u32::from(len);
            while bits >= 8 {
                bits -= 8;
                out.push((acc >> bits) as u8);
            }
        }
        if bits > 0 {
            out.push((acc << (8 - bits)) as u8 | (0xff >> bits));
        }
        out
    }

    /// A literal field without indexing: the name `name` and the value `syms`, both Huffman-coded.
    fn huffman_literal(name: &[u8], syms: &[usize]) -> Vec<u8> {
        let mut out = vec![0];
        let name_syms: Vec<usize> = name.iter().map(|&b| usize::from(b)).collect();
        for coded in [huffman_encode(name_syms), huffman_encode(syms.iter().copied())] {
            write_int(&mut out, 0x80, 7, coded.len());
            out.extend(coded);
        }
        out
    }

    /// A xorshift generator, for reproducible pseudo-random inputs.
    struct Rng(u64);

    impl Rng {
        /// The next pseudo-random number.
        fn next(&mut self) -> usize {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0 as usize
        }
    }

    #[test]
    fn rfc_c2_single_fields() {
        let custom = [("custom-key", "custom-header")];
        let c2_1 = "400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572";
        check(&mut Decoder::new(4096), c2_1, &custom, &custom, 55);
        let (path, password) = ([(":path", "/sample/path")], [("password", "secret")]);
        let (c2_2, c2_3) = (
            "040c 2f73 616d 706c 652f 7061 7468",
            "1008 7061 7373 776f 7264 0673 6563 7265 74",
        );
        check(&mut Decoder::new(4096), c2_2, &path, &[], 0);
        check(&mut Decoder::new(4096), c2_3, &password, &[], 0);
        check(&mut Decoder::new(4096), "82", &[(":method", "GET")], &[], 0);
    }

    /// RFC 7541 C.3 (plain strings) or C.4 (Huffman): three requests sharing a dynamic table.
    fn requests(blocks: [&str; 3]) {
        let d = &mut Decoder::new(4096);
        let (get, http, root) = ((":method", "GET"), (":scheme", "http"), (":path", "/"));
        let (https, index) = ((":scheme", "https"), (":path", "/index.html"));
        let auth = (":authority", "www.example.com");
        let (cache, custom) = (("cache-control", "no-cache"), ("custom-key", "custom-value"));
        check(d, blocks[0], &[get, http, root, auth], &[auth], 57);
        check(d, blocks[1], &[get, http, root, auth, cache], &[cache, auth], 110);
        let third = [get, https, index, auth, custom];
        check(d, blocks[2], &third, &[custom, cache, auth], 164);
    }

    #[test]
    fn rfc_c3_c4_requests() {
        requests([
            "8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d",
            "8286 84be 5808 6e6f 2d63 6163 6865",
            "8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65",
        ]);
        requests([
            "8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff",
            "8286 84be 5886 a8eb 1064 9cbf",
            "8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf",
        ]);
    }

    /// RFC 7541 C.5: responses with plain strings.
    const C5: [&str; 3] = [
        "4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133
         2032 303a 3133 3a32 3120 474d 546e 1768 7474 7073 3a2f 2f77 7777 2e65 7861 6d70
         6c65 2e63 6f6d",
        "4803 3330 37c1 c0bf",
        "88c1 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3220 474d
         54c0 5a04 677a 6970 7738 666f 6f3d 4153 444a 4b48 514b 425a 584f 5157 454f 5049
         5541 5851 5745 4f49 553b 206d 6178 2d61 6765 3d33 3630 303b 2076 6572 7369 6f6e
         3d31",
    ];

    /// RFC 7541 C.6: the same responses with Huffman-coded strings.
    const C6: [&str; 3] = [
        "4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6
         2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3",
        "4883 640e ffc1 c0bf",
        "88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab
         77ad 94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f
         9587 3160 65c0 03ed 4ee5 b106 3d50 07",
    ];

    /// RFC 7541 C.5 (plain strings) or C.6 (Huffman): three responses, a 256-byte table, evictions.
    fn responses(blocks: [&str; 3]) {
        let d = &mut Decoder::new(256);
        let (private, gzip) = (("cache-control", "private"), ("content-encoding", "gzip"));
        let date1 = ("date", "Mon, 21 Oct 2013 20:13:21 GMT");
        let date2 = ("date", "Mon, 21 Oct 2013 20:13:22 GMT");
        let location = ("location", "https://www.example.com");
        let cookie = "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1";
        let cookie = ("set-cookie", cookie);
        let (s302, s307) = ((":status", "302"), (":status", "307"));
        let (first, second) = ([s302, private, date1, location], [s307, private, date1, location]);
        check(d, blocks[0], &first, &[location, date1, private, s302], 222);
        check(d, blocks[1], &second, &[s307, location, date1, private], 222);
        let third = [(":status", "200"), private, date2, location, gzip, cookie];
        check(d, blocks[2], &third, &[cookie, gzip, date2], 215);
    }

    #[test]
    fn rfc_c5_c6_responses() {
        responses(C5);
        responses(C6);
    }

    #[test]
    fn rfc_huffman_strings() {
        for (text, coded) in [
            ("www.example.com", "f1e3 c2e5 f23a 6ba0 ab90 f4ff"),
            ("no-cache", "a8eb 1064 9cbf"),
            ("custom-key", "25a8 49e9 5ba9 7d7f"),
            ("custom-value", "25a8 49e9 5bb8 e8b4 bf"),
            ("302", "6402"),
            ("307", "640e ff"),
            ("private", "aec3 771a 4b"),
            ("gzip", "9bd9 ab"),
            (
                "Mon, 21 Oct 2013 20:13:21 GMT",
                "d07a be94 1054 d444 a820 0595 040b 8166 e082 a62d 1bff",
            ),
            (
                "https://www.example.com",
                "9d29 ad17 1863 c78f 0b97 c8e9 ae82 ae43 d3",
            ),
        ] {
            let mut out = Vec::new();
            huffman_decode(&hex(coded), &mut out).unwrap();
            assert_eq!(out, text.as_bytes());
            assert_eq!(huffman_encode(text.bytes().map(usize::from)), hex(coded));
        }
    }

    #[test]
    fn huffman_round_trip_every_byte() {
        let mut cases: Vec<Vec<usize>> = vec![Vec::new(), (0..256).collect(), (0..256).rev().collect()];
        cases.extend((0..256).map(|b| vec![b; 1 + b % 5]));
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        for _ in 0..500 {
            let len = rng.next() % 300;
            cases.push((0..len).map(|_| rng.next() % 256).collect());
        }
        let d = &mut Decoder::new(4096);
        for syms in &cases {
            let bytes: Vec<u8> = syms.iter().map(|&s| s as u8).collect();
            let got = decode(d, &huffman_literal(&bytes, syms)).unwrap();
            assert_eq!(got, [(bytes.clone(), bytes)]);
        }
    }

    #[test]
    fn errors() {
        let a = usize::from(b'a');
        let (mut too_large, mut huge_len) = (Vec::new(), hex("00 01 61 7f"));
        encode_size_update(&mut too_large, 4097);
        write_int(&mut huge_len, 0, 0, 1 << 20);
        let cases = [
            (huffman_literal(b"a", &[a, 256, a]), "EOS inside a Huffman string"),
            (huffman_literal(b"a", &[256]), "EOS inside a Huffman string"),
            (hex("00 01 61 82 1f ff"), "invalid Huffman padding"),
            (hex("00 01 61 81 ff"), "invalid Huffman padding"),
            (hex("00 01 61 81 18"), "invalid Huffman padding"),
            (hex("80"), "index 0"),
            (hex("be"), "index out of range"),
            (hex("40 01 61 01 62 be bf"), "index out of range"),
            (hex("7f 00 00"), "index out of range"),
            (hex("ff"), "truncated integer"),
            (hex("0f 80"), "truncated integer"),
            (hex("ff ff ff ff ff 7f"), "integer too large"),
            (hex("ff 80 80 80 80 80 00"), "integer too large"),
            (hex("00 03 61"), "string longer than the block"),
            (huge_len, "string longer than the block"),
            (too_large, "table size update above the announced maximum"),
            (hex("82 20"), "table size update after a header field"),
        ];
        for (block, reason) in cases {
            let result = decode(&mut Decoder::new(4096), &block);
            assert_eq!(result, Err(HpackError(reason)), "{block:02x?}");
        }
        assert_eq!(HpackError("x").to_string(), "header compression error: x");
    }

    #[test]
    fn size_updates_and_eviction() {
        let (ab, a_cc) = ([("a", "b")], [("a", "cc")]);
        let d = &mut Decoder::new(4096);
        check(d, "4001 6101 62", &ab, &ab, 34);
        // Two updates at the start of a block are allowed; 0 empties the table.
        check(d, "20 3fe1 1f 82", &[(":method", "GET")], &[], 0);
        assert_eq!(d.table.capacity, 4096);
        // An entry larger than the table empties it but is still emitted.
        let d = &mut Decoder::new(40);
        check(d, "4001 6101 62", &ab, &ab, 34);
        let long = "4001 6109 3031 3233 3435 3637 38";
        check(d, long, &[("a", "012345678")], &[], 0);
        // A new entry may name an entry it evicts (RFC 7541 §4.4).
        let d = &mut Decoder::new(60);
        check(d, "4001 6101 62", &ab, &ab, 34);
        check(d, "7e02 6363", &a_cc, &a_cc, 35);
        check(d, "0004 6e61 6d65 0161 be", &[("name", "a"), a_cc[0]], &a_cc, 35);
    }

    #[test]
    fn random_blocks_never_panic() {
        let mut rng = Rng(0x2545_f491_4f6c_dd1d);
        let valid = hex(C6[2]);
        let mut d = Decoder::new(256);
        for i in 0..5000 {
            let mut block = valid.clone();
            if i % 2 == 0 {
                block = (0..rng.next() % 64).map(|_| rng.next() as u8).collect();
            } else {
                for _ in 0..1 + rng.next() % 4 {
                    let j = rng.next() % block.len();
                    block[j] = rng.next() as u8;
                }
                block.truncate(rng.next() % (block.len() + 1));
            }
            if d.decode(&block, |_, _| {}).is_err() && i % 7 == 0 {
                d = Decoder::new(256);
            }
            table(&d);
        }
    }

    #[test]
    fn encoder_round_trip() {
        let (long_value, long_name) = ("v".repeat(300), format!("x-{}", "n".repeat(200)));
        let list = [
            ("content-type", "application/grpc", false),
            ("te", "trailers", false),
            ("user-agent", "qdrant-async/0.1", false),
            ("grpc-timeout", "5000m", false),
            ("api-key", "secret", true),
            ("authorization", "Bearer token", true),
            ("x-long", long_value.as_str(), false),
            (long_name.as_str(), "v", false),
            ("grpc-accept-encoding", "", false),
        ];
        let mut block = Vec::new();
        encode_size_update(&mut block, 0);
        encode_indexed(&mut block, 3);
        encode_indexed(&mut block, 7);
        for (name, value, sensitive) in list {
            encode_field(&mut block, name.as_bytes(), value.as_bytes(), sensitive);
        }
        let mut want = fields(&[(":method", "POST"), (":scheme", "https")]);
        want.extend(fields(&list.map(|(n, v, _)| (n, v))));
        let d = &mut Decoder::new(4096);
        assert_eq!(decode(d, &block).unwrap(), want);
        assert!(d.table.entries.is_empty());

        let encoded = |name: &str, value: &str, sensitive| {
            let mut out = Vec::new();
            encode_field(&mut out, name.as_bytes(), value.as_bytes(), sensitive);
            out
        };
        assert_eq!(encoded("content-type", "a", false), hex("0f 10 01 61"));
        assert_eq!(encoded("authorization", "a", true), hex("1f 08 01 61"));
        assert_eq!(encoded("te", "a", false), hex("00 02 7465 01 61"));
        assert_eq!(encoded("api-key", "a", true)[..2], [0x10, 0x07]);
        assert_eq!(encoded("x", &long_value, false)[..6], hex("00 01 78 7f ad 01"));
        assert_eq!(block[..4], hex("20 83 87 0f"));
    }

    #[test]
    fn integers() {
        // RFC 7541 C.1.
        for (prefix, value, bytes) in [(5, 10, "0a"), (5, 1337, "1f 9a 0a"), (8, 42, "2a")] {
            let mut out = Vec::new();
            write_int(&mut out, 0, prefix, value);
            assert_eq!(out, hex(bytes));
        }
        let values = (0..32).flat_map(|s| [(1usize << s) - 1, 1 << s, (1 << s) + 1]);
        for (prefix, value) in (4..=7).flat_map(|p| values.clone().map(move |v| (p, v))) {
            let mut out = vec![0xaa];
            write_int(&mut out, 0, prefix, value);
            let mut pos = 1;
            assert_eq!((read_int(&out, &mut pos, prefix), pos), (Ok(value), out.len()));
        }
        let mut out = Vec::new();
        write_int(&mut out, 0, 7, u32::MAX as usize + 1);
        assert_eq!(read_int(&out, &mut 0, 7), Err(HpackError("integer too large")));
    }
}
