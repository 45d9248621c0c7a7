//! A payload written from any `Serialize` value straight to protobuf bytes.
//!
//! `Json(doc)` and `Payload::from_serialize(&doc)` used to go through
//! `serde_json::to_value`: a `serde_json::Value` tree (a map, a `String` per
//! key and per text), converted value by value, then written as bytes.
//! This serializer writes the bytes the conversion would have written, in
//! one pass and one buffer, with the same meaning as `serde_json::to_value`
//! for every value it takes on: integers up to `i64::MAX` stay integers,
//! larger ones become doubles, non-finite floats become null, enums take
//! serde_json's externally tagged form, and so on.
//!
//! What it does not take on, it hands back ([`Written::Fallback`]), and the
//! caller goes the long way, which is serde_json's own behaviour: a value
//! that is not an object at the top, map keys that are not text, 128-bit
//! integers, serde_json's private number and raw-value forms, and objects
//! nested deeper than `MAX_ENCODED_DEPTH` (kept as a map; see `payload`).

use prost::encoding::{encode_varint, encoded_len_varint};
use serde::ser::{self, Serialize};

use crate::types::decode::PAYLOAD_FIELD;
use crate::types::payload::{MAX_ENCODED_DEPTH, Payload};
use crate::types::wire::{
    write_bool, write_double, write_entry_key, write_integer, write_key, write_null, write_string,
};

type Error = serde_json::Error;
type Result<T = ()> = std::result::Result<T, Error>;

/// What [`write_payload`] made of a value.
pub(crate) enum Written {
    Payload(Payload),
    /// The value needs serde_json's own path (see the module's text).
    Fallback,
}

/// Writes `value`, which must serialize to an object, as payload entries.
pub(crate) fn write_payload<T: Serialize + ?Sized>(value: &T) -> Result<Written> {
    use std::cell::Cell;
    thread_local! {
        static SCRATCH: Cell<Vec<u8>> = const { Cell::new(Vec::new()) };
    }
    /// A larger buffer is not kept for the next payload.
    const KEPT: usize = 64 * 1024;
    let mut writer = Writer {
        buf: SCRATCH.take(),
        depth: 0,
        fallback: false,
    };
    writer.buf.clear();
    let result = value.serialize(Top(&mut writer));
    let Writer { buf, fallback, .. } = writer;
    let written = if fallback {
        Ok(Written::Fallback)
    } else {
        result.map(|entries| Written::Payload(Payload::written(bytes::Bytes::copy_from_slice(&buf), entries)))
    };
    if buf.capacity() <= KEPT {
        SCRATCH.set(buf);
    }
    written
}

struct Writer {
    buf: Vec<u8>,
    /// Levels of lists and objects open below the top-level object.
    depth: usize,
    /// Set when the value needs the long way; the error that carries it
    /// out may be swallowed by a `Serialize` impl, the flag cannot.
    fallback: bool,
}

impl Writer {
    /// Gives up on this value: the caller takes serde_json's path.
    fn fallback(&mut self) -> Error {
        self.fallback = true;
        ser::Error::custom("qdrant-async: value written through serde_json")
    }

    /// Writes a length-delimited field's key and a one-byte length to be
    /// filled by [`close`](Self::close); returns where its content starts.
    fn open(&mut self, field: u32) -> usize {
        write_key(field, &mut self.buf);
        self.buf.push(0);
        self.buf.len()
    }

    /// Sets the length of the field whose content starts at `start`,
    /// moving the content if the length takes more than one byte.
    fn close(&mut self, start: usize) {
        let len = self.buf.len() - start;
        if len < 0x80 {
            self.buf[start - 1] = len as u8;
            return;
        }
        let width = encoded_len_varint(len as u64);
        self.buf.resize(self.buf.len() + width - 1, 0);
        self.buf.copy_within(start..start + len, start + width - 1);
        let mut at = &mut self.buf[start - 1..start - 1 + width];
        encode_varint(len as u64, &mut at);
    }

    /// Enters a list or an object.
    fn enter(&mut self) -> Result {
        self.depth += 1;
        if self.depth > MAX_ENCODED_DEPTH {
            return Err(self.fallback());
        }
        Ok(())
    }

    /// Writes a map entry's header and key (an empty key is left out, as
    /// prost leaves it out) and opens its value; returns the two starts.
    fn open_entry(&mut self, field: u32, key: &str) -> [usize; 2] {
        let entry = self.open(field);
        self.key(key);
        [entry, self.open(2)]
    }

    fn key(&mut self, key: &str) {
        write_entry_key(key, &mut self.buf);
    }

    fn null(&mut self) {
        write_null(&mut self.buf);
    }

    /// A double, or null if it is not finite, as serde_json has it.
    fn double(&mut self, v: f64) {
        if v.is_finite() {
            write_double(v, &mut self.buf);
        } else {
            self.null();
        }
    }

    /// Opens `{variant: …}` (externally tagged enums) and the value's
    /// field; returns the three starts to close.
    fn open_variant(&mut self, variant: &str) -> Result<[usize; 3]> {
        self.enter()?;
        let object = self.open(6);
        let [entry, value] = self.open_entry(1, variant);
        Ok([object, entry, value])
    }

    fn close_variant(&mut self, [object, entry, value]: [usize; 3]) {
        self.close(value);
        self.close(entry);
        self.close(object);
        self.depth -= 1;
    }

    /// Closes what a list or an object was inside; returns the top-level
    /// entries that closes (one for a variant at the top).
    fn finish(&mut self, after: After) -> usize {
        match after {
            After::Nothing => 0,
            After::Variant(open) => {
                self.close_variant(open);
                0
            }
            After::TopEntry([entry, value]) => {
                self.close(value);
                self.close(entry);
                1
            }
        }
    }
}

/// Methods that give up on the value: the long way (serde_json's own)
/// takes it, and refuses it if serde_json does.
macro_rules! falls_back {
    // Every value but text, lists, objects and enums' variants.
    ($ok:ty: scalars) => {
        falls_back! { $ok:
                serialize_bool(bool);
                serialize_i8(i8);
                serialize_i16(i16);
                serialize_i32(i32);
                serialize_i64(i64);
                serialize_i128(i128);
                serialize_u8(u8);
                serialize_u16(u16);
                serialize_u32(u32);
                serialize_u64(u64);
                serialize_u128(u128);
                serialize_f32(f32);
                serialize_f64(f64);
            serialize_bytes(&[u8]);
            serialize_none();
            serialize_unit();
            serialize_unit_struct(&'static str);
        }
    };
    ($ok:ty: $($method:ident($($arg:ty),*);)*) => {
        falls_back!($($method($($arg),*) -> $ok;)*);
    };
    ($($method:ident($($arg:ty),*) -> $ret:ty;)*) => {
        $(fn $method(self, $(_: $arg),*) -> Result<$ret> {
            Err(self.0.fallback())
        })*
    };
}

/// Methods for the narrower numbers, which write what the wider one does.
macro_rules! widens {
    ($($method:ident($narrow:ty) => $wide:ident;)*) => {
        $(fn $method(self, v: $narrow) -> Result<usize> {
            self.$wide(v.into())
        })*
    };
}

/// The top-level value: an object whose entries are the payload's.
struct Top<'a>(&'a mut Writer);

/// A `Value` message's content: one case of its oneof.
struct ValueWriter<'a>(&'a mut Writer);

/// A map key, written as an entry's `key` field.
struct KeyWriter<'a>(&'a mut Writer);

/// An object's entries (a map or a struct) being written.
struct Entries<'a> {
    w: &'a mut Writer,
    /// Field of each entry: the payload's at the top, `Struct.fields` below.
    field: u32,
    /// Entries written, at the top.
    count: usize,
    /// The open entry between a map's key and its value.
    entry: [usize; 2],
    /// The object's field to close after the entries (none at the top).
    object: Option<usize>,
    after: After,
}

/// What a list or an object closes after itself: an enum's variant is an
/// object of one entry around it.
#[derive(Clone, Copy)]
enum After {
    Nothing,
    /// `{variant: …}` as a value: the wrapper object, its entry, the value.
    Variant([usize; 3]),
    /// `{variant: …}` as the payload: the top-level entry and its value.
    TopEntry([usize; 2]),
}

/// A list's values being written.
struct List<'a> {
    w: &'a mut Writer,
    list: usize,
    after: After,
}

impl Entries<'_> {
    fn entry<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> Result {
        self.entry = self.w.open_entry(self.field, key);
        self.value(value)
    }

    /// Writes the open entry's value and closes the entry.
    fn value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
        let [entry, start] = self.entry;
        value.serialize(ValueWriter(self.w))?;
        self.w.close(start);
        self.w.close(entry);
        self.count += 1;
        Ok(())
    }

    /// Closes the object; at the top, returns the entries written.
    fn end(self) -> Result<usize> {
        let Some(object) = self.object else {
            return Ok(self.count);
        };
        self.w.close(object);
        self.w.depth -= 1;
        Ok(self.w.finish(self.after))
    }
}

impl List<'_> {
    fn value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
        let start = self.w.open(1);
        value.serialize(ValueWriter(self.w))?;
        self.w.close(start);
        Ok(())
    }

    fn end(self) -> Result<usize> {
        self.w.close(self.list);
        self.w.depth -= 1;
        Ok(self.w.finish(self.after))
    }
}

/// serde_json's private forms (arbitrary-precision numbers, raw values)
/// are structs with these names; only serde_json knows what they mean.
fn is_serde_json_private(name: &str) -> bool {
    name.starts_with("$serde_json::private::")
}

impl<'a> ValueWriter<'a> {
    fn list(self, after: After) -> Result<List<'a>> {
        self.0.enter()?;
        let list = self.0.open(7);
        Ok(List {
            w: self.0,
            list,
            after,
        })
    }

    fn object(self, after: After) -> Result<Entries<'a>> {
        self.0.enter()?;
        let object = self.0.open(6);
        Ok(Entries {
            w: self.0,
            field: 1,
            count: 0,
            entry: [0; 2],
            object: Some(object),
            after,
        })
    }
}

impl<'a> ser::Serializer for ValueWriter<'a> {
    type Ok = usize;
    type Error = Error;
    type SerializeSeq = List<'a>;
    type SerializeTuple = List<'a>;
    type SerializeTupleStruct = List<'a>;
    type SerializeTupleVariant = List<'a>;
    type SerializeMap = Entries<'a>;
    type SerializeStruct = Entries<'a>;
    type SerializeStructVariant = Entries<'a>;

    fn serialize_bool(self, v: bool) -> Result<usize> {
        write_bool(v, &mut self.0.buf);
        Ok(0)
    }

    widens! {
        serialize_i8(i8) => serialize_i64;
        serialize_i16(i16) => serialize_i64;
        serialize_i32(i32) => serialize_i64;
        serialize_u8(u8) => serialize_i64;
        serialize_u16(u16) => serialize_i64;
        serialize_u32(u32) => serialize_i64;
        serialize_f32(f32) => serialize_f64;
    }

    fn serialize_i64(self, v: i64) -> Result<usize> {
        write_integer(v, &mut self.0.buf);
        Ok(0)
    }

    /// Above `i64::MAX`, a double, as Qdrant keeps such numbers.
    fn serialize_u64(self, v: u64) -> Result<usize> {
        match i64::try_from(v) {
            Ok(i) => write_integer(i, &mut self.0.buf),
            Err(_) => self.0.double(v as f64),
        }
        Ok(0)
    }

    fn serialize_i128(self, _: i128) -> Result<usize> {
        Err(self.0.fallback())
    }

    fn serialize_u128(self, _: u128) -> Result<usize> {
        Err(self.0.fallback())
    }

    fn serialize_f64(self, v: f64) -> Result<usize> {
        self.0.double(v);
        Ok(0)
    }

    fn serialize_char(self, v: char) -> Result<usize> {
        self.serialize_str(v.encode_utf8(&mut [0; 4]))
    }

    fn serialize_str(self, v: &str) -> Result<usize> {
        write_string(v, &mut self.0.buf);
        Ok(0)
    }

    /// Bytes are a list of integers, as serde_json writes them.
    fn serialize_bytes(self, v: &[u8]) -> Result<usize> {
        use ser::SerializeSeq;
        let mut list = self.serialize_seq(Some(v.len()))?;
        for b in v {
            list.serialize_element(b)?;
        }
        list.end()
    }

    fn serialize_none(self) -> Result<usize> {
        self.serialize_unit()
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<usize> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<usize> {
        self.0.null();
        Ok(0)
    }

    fn serialize_unit_struct(self, _: &'static str) -> Result<usize> {
        self.serialize_unit()
    }

    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Result<usize> {
        self.serialize_str(variant)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, value: &T) -> Result<usize> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<usize> {
        let open = self.0.open_variant(variant)?;
        value.serialize(ValueWriter(self.0))?;
        self.0.close_variant(open);
        Ok(0)
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<List<'a>> {
        self.list(After::Nothing)
    }

    fn serialize_tuple(self, _: usize) -> Result<List<'a>> {
        self.list(After::Nothing)
    }

    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<List<'a>> {
        self.list(After::Nothing)
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<List<'a>> {
        let open = self.0.open_variant(variant)?;
        ValueWriter(self.0).list(After::Variant(open))
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Entries<'a>> {
        self.object(After::Nothing)
    }

    fn serialize_struct(self, name: &'static str, _: usize) -> Result<Entries<'a>> {
        if is_serde_json_private(name) {
            return Err(self.0.fallback());
        }
        self.object(After::Nothing)
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Entries<'a>> {
        let open = self.0.open_variant(variant)?;
        ValueWriter(self.0).object(After::Variant(open))
    }
}

/// A list's values, whichever serde form writes them.
macro_rules! list_forms {
    ($($form:ident::$method:ident),*) => {
        $(impl ser::$form for List<'_> {
            type Ok = usize;
            type Error = Error;

            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
                self.value(value)
            }

            fn end(self) -> Result<usize> {
                List::end(self)
            }
        })*
    };
}

list_forms!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

impl ser::SerializeMap for Entries<'_> {
    type Ok = usize;
    type Error = Error;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result {
        let entry = self.w.open(self.field);
        key.serialize(KeyWriter(self.w))?;
        self.entry = [entry, self.w.open(2)];
        Ok(())
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
        self.value(value)
    }

    fn end(self) -> Result<usize> {
        Entries::end(self)
    }
}

/// A struct's fields, of a struct or of an enum's struct variant.
macro_rules! struct_forms {
    ($($form:ident),*) => {
        $(impl ser::$form for Entries<'_> {
            type Ok = usize;
            type Error = Error;

            fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result {
                self.entry(key, value)
            }

            fn end(self) -> Result<usize> {
                Entries::end(self)
            }
        })*
    };
}

struct_forms!(SerializeStruct, SerializeStructVariant);

impl<'a> Top<'a> {
    fn entries(self) -> Entries<'a> {
        Entries {
            w: self.0,
            field: PAYLOAD_FIELD,
            count: 0,
            entry: [0; 2],
            object: None,
            after: After::Nothing,
        }
    }

    /// `{variant: …}` at the top: one entry, whose value is opened.
    fn open_variant(&mut self, variant: &str) -> [usize; 2] {
        self.0.open_entry(PAYLOAD_FIELD, variant)
    }
}

impl<'a> ser::Serializer for Top<'a> {
    type Ok = usize;
    type Error = Error;
    type SerializeSeq = ser::Impossible<usize, Error>;
    type SerializeTuple = ser::Impossible<usize, Error>;
    type SerializeTupleStruct = ser::Impossible<usize, Error>;
    type SerializeTupleVariant = List<'a>;
    type SerializeMap = Entries<'a>;
    type SerializeStruct = Entries<'a>;
    type SerializeStructVariant = Entries<'a>;

    falls_back!(usize: scalars);
    falls_back! { usize:
        serialize_char(char);
        serialize_str(&str);
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<usize> {
        value.serialize(self)
    }

    fn serialize_unit_variant(self, _: &'static str, _: u32, _: &'static str) -> Result<usize> {
        Err(self.0.fallback())
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, value: &T) -> Result<usize> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        mut self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<usize> {
        let open = self.open_variant(variant);
        value.serialize(ValueWriter(self.0))?;
        Ok(self.0.finish(After::TopEntry(open)))
    }

    falls_back! {
        serialize_seq(Option<usize>) -> Self::SerializeSeq;
        serialize_tuple(usize) -> Self::SerializeTuple;
        serialize_tuple_struct(&'static str, usize) -> Self::SerializeTupleStruct;
    }

    fn serialize_tuple_variant(
        mut self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant> {
        let entry = self.open_variant(variant);
        ValueWriter(self.0).list(After::TopEntry(entry))
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Entries<'a>> {
        Ok(self.entries())
    }

    fn serialize_struct(self, name: &'static str, _: usize) -> Result<Entries<'a>> {
        if is_serde_json_private(name) {
            return Err(self.0.fallback());
        }
        Ok(self.entries())
    }

    fn serialize_struct_variant(
        mut self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant> {
        let entry = self.open_variant(variant);
        ValueWriter(self.0).object(After::TopEntry(entry))
    }
}

impl<'a> ser::Serializer for KeyWriter<'a> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = ser::Impossible<(), Error>;
    type SerializeTuple = ser::Impossible<(), Error>;
    type SerializeTupleStruct = ser::Impossible<(), Error>;
    type SerializeTupleVariant = ser::Impossible<(), Error>;
    type SerializeMap = ser::Impossible<(), Error>;
    type SerializeStruct = ser::Impossible<(), Error>;
    type SerializeStructVariant = ser::Impossible<(), Error>;

    fn serialize_str(self, v: &str) -> Result<()> {
        self.0.key(v);
        Ok(())
    }

    fn serialize_char(self, v: char) -> Result<()> {
        self.serialize_str(v.encode_utf8(&mut [0; 4]))
    }

    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Result<()> {
        self.serialize_str(variant)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, value: &T) -> Result<()> {
        value.serialize(self)
    }

    falls_back!((): scalars);

    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<()> {
        Err(self.0.fallback())
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<()> {
        Err(self.0.fallback())
    }

    falls_back! {
        serialize_seq(Option<usize>) -> Self::SerializeSeq;
        serialize_tuple(usize) -> Self::SerializeTuple;
        serialize_tuple_struct(&'static str, usize) -> Self::SerializeTupleStruct;
        serialize_tuple_variant(&'static str, u32, &'static str, usize) -> Self::SerializeTupleVariant;
        serialize_map(Option<usize>) -> Self::SerializeMap;
        serialize_struct(&'static str, usize) -> Self::SerializeStruct;
        serialize_struct_variant(&'static str, u32, &'static str, usize) -> Self::SerializeStructVariant;
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, HashMap};

    use prost::Message;
    use serde::Serialize;
    use serde_json::json;

    use crate::proto;
    use crate::types::payload::{MAX_ENCODED_DEPTH, Payload, Value};

    /// The payload as the long way made it before this writer: through
    /// `serde_json::Value`, then a map of the crate's values.
    fn long_way<T: Serialize + ?Sized>(value: &T) -> crate::Result<Payload> {
        match serde_json::to_value(value)? {
            serde_json::Value::Object(map) => Ok(Payload::from(
                map.into_iter()
                    .map(|(k, v)| (k, Value::from(v)))
                    .collect::<HashMap<_, _>>(),
            )),
            other => Payload::try_from(other),
        }
    }

    /// Checks that the writer and the long way agree on `value`: the same
    /// payload, and bytes that prost reads into the same map; returns
    /// whether the writer took the value on (kept it as bytes).
    fn agree<T: Serialize + ?Sized>(value: &T) -> bool {
        let expected = long_way(value).expect("the long way takes it");
        let written = Payload::from_serialize(value).expect("the writer takes it");
        assert_eq!(written, expected, "for {}", serde_json::to_string(value).unwrap());
        let Some(entries) = written.entry_bytes() else {
            return false;
        };
        // The entries as an answer's point carries them (field 2 of
        // `ScoredPoint`), read by prost.
        let mut message = Vec::new();
        for entry in entries {
            crate::types::wire::write_key(2, &mut message);
            prost::encoding::encode_varint(entry.len() as u64, &mut message);
            message.extend_from_slice(entry);
        }
        let read = proto::ScoredPoint::decode(&message[..]).expect("prost reads the bytes");
        assert_eq!(read.payload, expected.into_proto(), "prost's reading");
        true
    }

    #[derive(Serialize)]
    struct Doc<'a> {
        n: u64,
        tag: &'a str,
        w: f64,
        flag: bool,
        maybe: Option<i32>,
        nothing: Option<i32>,
        list: Vec<i64>,
        nested: Inner,
        unit: (),
        letter: char,
    }

    #[derive(Serialize)]
    struct Inner {
        small: i8,
        big: u64,
        ratio: f32,
    }

    #[derive(Serialize)]
    struct UnitStruct;

    #[derive(Serialize)]
    struct Newtype(String);

    #[derive(Serialize)]
    struct Pair(i32, &'static str);

    #[derive(Serialize)]
    enum Shape {
        Dot,
        Circle(f64),
        Segment(i32, i32),
        Rect { w: u32, h: u32 },
    }

    #[derive(Serialize)]
    struct Shapes {
        dot: Shape,
        circle: Shape,
        segment: Shape,
        rect: Shape,
        unit: UnitStruct,
        newtype: Newtype,
        pair: Pair,
    }

    /// Bytes, as `serde_bytes` would give them.
    struct Bytes(&'static [u8]);

    impl Serialize for Bytes {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_bytes(self.0)
        }
    }

    #[test]
    fn structs_maps_and_json_agree_with_the_long_way() {
        let doc = Doc {
            n: 7,
            tag: "red",
            w: 0.875,
            flag: true,
            maybe: Some(-3),
            nothing: None,
            list: vec![1, -1, i64::MIN, i64::MAX],
            nested: Inner {
                small: -128,
                big: u64::MAX,
                ratio: 0.1,
            },
            unit: (),
            letter: 'é',
        };
        assert!(agree(&doc));
        assert!(agree(&Shapes {
            dot: Shape::Dot,
            circle: Shape::Circle(1.5),
            segment: Shape::Segment(-1, 2),
            rect: Shape::Rect { w: 3, h: 4 },
            unit: UnitStruct,
            newtype: Newtype("inside".into()),
            pair: Pair(1, "b"),
        }));
        // An enum's variant is an object of one entry, at the top too.
        assert!(agree(&Shape::Circle(2.0)));
        assert!(agree(&Shape::Segment(5, 6)));
        assert!(agree(&Shape::Rect { w: 1, h: 2 }));
        assert!(agree(&Some(BTreeMap::from([("a", 1)]))));
        assert!(agree(&BTreeMap::from([("bytes", Bytes(b"\x00\xff"))])));
        assert!(agree(&HashMap::from([('k', 1.0)])));
        assert!(agree(&json!({
            "n": 1, "big": u64::MAX, "neg": -5, "f": 1.25, "s": "text", "b": false, "null": null,
            "empty_list": [], "empty_object": {}, "": "empty key",
            "mixed": [1, "two", 3.0, null, [true], {"x": {"y": [[]]}}],
        })));
        // Non-finite floats are null, as in serde_json.
        assert!(agree(&BTreeMap::from([
            ("nan", f64::NAN),
            ("inf", f64::INFINITY)
        ])));
        assert!(agree(&BTreeMap::from([("nan", f32::NAN), ("neg", -0.5)])));
        // An empty payload is an empty map, bytes or not.
        agree(&BTreeMap::<String, i32>::new());
    }

    #[test]
    fn lengths_that_take_more_than_one_byte_agree() {
        for len in [0x7f, 0x80, 0x3fff, 0x4000, 70_000] {
            let text = "x".repeat(len);
            assert!(agree(&json!({ "text": text })), "{len}");
            assert!(agree(&json!({ "outer": { "inner": [text, text] } })), "{len}");
            assert!(agree(&BTreeMap::from([(text.as_str(), 1)])), "{len}");
        }
    }

    #[test]
    fn deep_values_stay_maps_as_before() {
        let nest = |levels: usize| {
            let mut v = json!(1);
            for i in 0..levels {
                v = if i % 2 == 0 { json!([v]) } else { json!({ "k": v }) };
            }
            json!({ "deep": v })
        };
        assert!(agree(&nest(MAX_ENCODED_DEPTH)), "as deep as kept as bytes");
        assert!(!agree(&nest(MAX_ENCODED_DEPTH + 1)), "one deeper stays a map");
        assert!(!agree(&nest(200)));
        // A variant's wrapper counts as a level, as its object does in JSON.
        let mut deep = json!(1);
        for _ in 0..MAX_ENCODED_DEPTH {
            deep = json!([deep]);
        }
        assert!(agree(&BTreeMap::from([("v", Shape::Circle(1.0))])));
        #[derive(Serialize)]
        enum Wrap {
            W(serde_json::Value),
        }
        assert!(!agree(&BTreeMap::from([("v", Wrap::W(deep.clone()))])));
        assert!(agree(&BTreeMap::from([("v", Wrap::W(deep[0].clone()))])));
    }

    #[test]
    fn what_the_writer_hands_back_goes_the_long_way() {
        // Keys that are not text: serde_json writes numbers and booleans as
        // text, and its map is then written as bytes.
        assert!(agree(&HashMap::from([(1u32, "one"), (2, "two")])));
        assert!(agree(&BTreeMap::from([("n", BTreeMap::from([(true, 1)]))])));
        assert!(agree(&BTreeMap::from([("n", BTreeMap::from([(-1i64, 1)]))])));
        // 128-bit integers: integers where they fit, else serde_json's error.
        assert!(agree(&BTreeMap::from([("n", 5i128)])));
        assert!(agree(&BTreeMap::from([("n", u128::from(u64::MAX))])));
        let too_big = BTreeMap::from([("n", i128::MAX)]);
        assert_eq!(
            Payload::from_serialize(&too_big).unwrap_err().to_string(),
            long_way(&too_big).unwrap_err().to_string(),
        );
        // A key serde_json refuses.
        let list_key = BTreeMap::from([(vec![1], 1)]);
        assert_eq!(
            Payload::from_serialize(&list_key).unwrap_err().to_string(),
            long_way(&list_key).unwrap_err().to_string(),
        );
    }

    #[test]
    fn values_that_are_not_objects_are_refused_as_before() {
        fn same<T: Serialize>(value: T) {
            let ours = Payload::from_serialize(&value).unwrap_err();
            let before = long_way(&value).unwrap_err();
            assert_eq!(ours.to_string(), before.to_string());
            assert_eq!(ours.kind(), before.kind());
        }
        same(5);
        same("text");
        same(true);
        same(());
        same(None::<i32>);
        same(vec![1, 2]);
        same((1, 2));
        same(Shape::Dot);
        same(UnitStruct);
        same(Newtype("x".into()));
        same(json!(null));
        same(json!([{"a": 1}]));
    }

    #[test]
    fn errors_of_a_serialize_impl_are_serde_json_s() {
        struct Fails;
        impl Serialize for Fails {
            fn serialize<S: serde::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
                Err(serde::ser::Error::custom("cannot serialize this"))
            }
        }
        let value = BTreeMap::from([("a", Fails)]);
        let ours = Payload::from_serialize(&value).unwrap_err();
        let before = long_way(&value).unwrap_err();
        assert_eq!(ours.to_string(), before.to_string());
        assert_eq!(ours.kind(), before.kind());
    }

    /// Random JSON objects, of every kind of value and of lengths around
    /// the one-byte boundary, agree with the long way.
    #[test]
    fn random_json_agrees_with_the_long_way() {
        struct Rng(u64);
        impl Rng {
            fn next(&mut self, n: u64) -> u64 {
                self.0 ^= self.0 << 13;
                self.0 ^= self.0 >> 7;
                self.0 ^= self.0 << 17;
                self.0 % n
            }
            fn text(&mut self) -> String {
                let len = [0, 1, 5, 126, 127, 128, 129, 300][self.next(8) as usize];
                (0..len)
                    .map(|i| ['a', 'é', '字', '\0'][(i + self.next(4) as usize) % 4])
                    .collect()
            }
            fn value(&mut self, depth: usize) -> serde_json::Value {
                match self.next(if depth > 4 { 6 } else { 8 }) {
                    0 => json!(null),
                    1 => json!(self.next(2) == 1),
                    2 => json!(self.next(u64::MAX) as i64),
                    3 => json!(u64::MAX - self.next(3)),
                    4 => json!((self.next(1 << 20) as f64) / 64.0 - 1000.0),
                    5 => json!(self.text()),
                    6 => (0..self.next(4)).map(|_| self.value(depth + 1)).collect(),
                    _ => serde_json::Value::Object(self.object(depth + 1)),
                }
            }
            fn object(&mut self, depth: usize) -> serde_json::Map<String, serde_json::Value> {
                (0..self.next(5))
                    .map(|_| (self.text(), self.value(depth)))
                    .collect()
            }
        }
        let mut rng = Rng(0x2545_f491_4f6c_dd1d);
        let mut as_bytes = 0;
        for _ in 0..500 {
            let object = serde_json::Value::Object(rng.object(0));
            as_bytes += usize::from(agree(&object));
        }
        assert!(
            as_bytes > 300,
            "only {as_bytes} of 500 objects were written as bytes"
        );
    }

    #[test]
    fn a_borrowed_json_value_is_not_cloned_into_a_map() {
        use crate::types::payload::IntoPayload;
        let value = json!({"color": "red", "n": 3});
        let payload = (&value).into_payload().unwrap();
        assert!(payload.entry_bytes().is_some());
        assert_eq!(payload.get("color").and_then(Value::as_str), Some("red"));
        assert_eq!(
            (&json!(3)).into_payload().unwrap_err(),
            "must be a JSON object, got a number"
        );
    }
}
