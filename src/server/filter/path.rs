//! Payload key paths as Qdrant reads them: `a.b`, `a[2]`, `a[]`, `"a.b"`
//! (a quoted key holding a dot), and what Qdrant does with them when it
//! reads, sets, removes and selects payload values.
//!
//! Reading does not look inside an array unless the path says so: `a.b`
//! finds nothing when `a` is an array of objects; `a[].b` finds the `b` of
//! each element.

use std::collections::HashMap;
use std::fmt;

use crate::proto;
use proto::value::Kind;

/// One step after the first key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Item {
    /// `.key`
    Key(String),
    /// `[3]`
    Index(usize),
    /// `[]`: every element of an array.
    Wildcard,
}

/// A parsed payload key path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct JsonPath {
    pub first: String,
    pub rest: Vec<Item>,
}

type Map = HashMap<String, proto::Value>;

impl JsonPath {
    /// Parses a path with Qdrant's grammar; `None` when it is not one
    /// (an empty string, a stray `.` or `[`, a space outside quotes...).
    pub(crate) fn parse(s: &str) -> Option<JsonPath> {
        let (first, mut rest_text) = key(s)?;
        let mut rest = Vec::new();
        while !rest_text.is_empty() {
            if let Some(after) = rest_text.strip_prefix('.') {
                let (k, tail) = key(after)?;
                rest.push(Item::Key(k));
                rest_text = tail;
            } else if let Some(after) = rest_text.strip_prefix("[]") {
                rest.push(Item::Wildcard);
                rest_text = after;
            } else if let Some(after) = rest_text.strip_prefix('[') {
                let end = after.find(']')?;
                let digits = &after[..end];
                if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                rest.push(Item::Index(digits.parse().ok()?));
                rest_text = &after[end + 1..];
            } else {
                return None;
            }
        }
        Some(JsonPath { first, rest })
    }

    /// The values at this path, each as stored: an array found at the end
    /// of the path is one value (Qdrant's `value_get`).
    pub(crate) fn get<'a>(&self, payload: &'a Map) -> Vec<&'a proto::Value> {
        let Some(root) = payload.get(&self.first) else {
            return Vec::new();
        };
        let mut current = vec![root];
        for item in &self.rest {
            let mut next = Vec::new();
            for v in current {
                match (item, &v.kind) {
                    (Item::Key(k), Some(Kind::StructValue(s))) => next.extend(s.fields.get(k)),
                    (Item::Index(i), Some(Kind::ListValue(l))) => next.extend(l.values.get(*i)),
                    (Item::Wildcard, Some(Kind::ListValue(l))) => next.extend(l.values.iter()),
                    _ => {}
                }
            }
            current = next;
        }
        current
    }

    /// Merges `src` into the payload at this path, or at the top without
    /// one (Qdrant's `value_set`): a key set to null is removed, a value in
    /// the way that is not an object (or not an array, for `[i]` and `[]`)
    /// is replaced, and an index past the end of an array sets nothing.
    pub(crate) fn set(path: Option<&JsonPath>, dest: &mut Map, src: &Map) {
        match path {
            Some(path) => set_in_map(&path.first, &path.rest, dest, src),
            None => merge(dest, src),
        }
    }

    /// Removes what this path names (Qdrant's `value_remove`). An index at
    /// the end of the path removes nothing; `[]` at the end empties the array.
    pub(crate) fn remove(&self, payload: &mut Map) {
        match self.rest.split_first() {
            None => {
                payload.remove(&self.first);
            }
            Some((head, tail)) => {
                if let Some(v) = payload.get_mut(&self.first) {
                    remove_in(head, tail, v);
                }
            }
        }
    }

    /// This path followed by `[]`, unless it already ends so.
    pub(crate) fn array_key(&self) -> JsonPath {
        let mut path = self.clone();
        if path.rest.last() != Some(&Item::Wildcard) {
            path.rest.push(Item::Wildcard);
        }
        path
    }

    /// `self` followed by `other`.
    pub(crate) fn extend(&self, other: &JsonPath) -> JsonPath {
        let mut path = self.clone();
        path.rest.push(Item::Key(other.first.clone()));
        path.rest.extend(other.rest.iter().cloned());
        path
    }

    /// An include pattern keeps a path when one is a prefix of the other.
    fn includes(&self, path: &JsonPath) -> bool {
        self.first == path.first && self.rest.iter().zip(&path.rest).all(|(a, b)| a == b)
    }

    /// An exclude pattern drops a path it is a prefix of.
    fn excludes(&self, path: &JsonPath) -> bool {
        self.first == path.first && path.rest.starts_with(&self.rest)
    }
}

impl fmt::Display for JsonPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let write_key = |f: &mut fmt::Formatter<'_>, k: &str| {
            if is_raw(k) {
                f.write_str(k)
            } else {
                write!(f, "\"{k}\"")
            }
        };
        write_key(f, &self.first)?;
        for item in &self.rest {
            match item {
                Item::Key(k) => {
                    f.write_str(".")?;
                    write_key(f, k)?;
                }
                Item::Index(i) => write!(f, "[{i}]")?,
                Item::Wildcard => f.write_str("[]")?,
            }
        }
        Ok(())
    }
}

fn is_raw_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '-'
}

fn is_raw(s: &str) -> bool {
    !s.is_empty() && s.chars().all(is_raw_char)
}

/// A key at the start of `s`, raw or quoted, and what follows it.
fn key(s: &str) -> Option<(String, &str)> {
    if let Some(quoted) = s.strip_prefix('"') {
        let end = quoted.find(['"', '\\'])?;
        if quoted[end..].starts_with('\\') {
            return None;
        }
        return Some((quoted[..end].to_owned(), &quoted[end + 1..]));
    }
    let end = s.find(|c: char| !is_raw_char(c)).unwrap_or(s.len());
    if end == 0 {
        return None;
    }
    Some((s[..end].to_owned(), &s[end..]))
}

fn is_null(v: &proto::Value) -> bool {
    matches!(v.kind, None | Some(Kind::NullValue(_)))
}

/// Qdrant's `merge_map`: each key of `src` replaces the one in `dest`; a
/// null removes it.
pub(crate) fn merge(dest: &mut Map, src: &Map) {
    for (k, v) in src {
        if is_null(v) {
            dest.remove(k);
        } else {
            dest.insert(k.clone(), v.clone());
        }
    }
}

fn set_in_map(key: &str, rest: &[Item], dest: &mut Map, src: &Map) {
    let slot = dest.entry(key.to_owned()).or_insert_with(|| proto::Value {
        kind: Some(Kind::NullValue(0)),
    });
    set_in(rest, slot, src);
}

fn set_in(path: &[Item], dest: &mut proto::Value, src: &Map) {
    let Some((head, rest)) = path.split_first() else {
        if !matches!(dest.kind, Some(Kind::StructValue(_))) {
            dest.kind = Some(Kind::StructValue(proto::Struct::default()));
        }
        if let Some(Kind::StructValue(s)) = &mut dest.kind {
            merge(&mut s.fields, src);
        }
        return;
    };
    match head {
        Item::Key(k) => {
            if !matches!(dest.kind, Some(Kind::StructValue(_))) {
                dest.kind = Some(Kind::StructValue(proto::Struct::default()));
            }
            if let Some(Kind::StructValue(s)) = &mut dest.kind {
                set_in_map(k, rest, &mut s.fields, src);
            }
        }
        Item::Index(i) => {
            if !matches!(dest.kind, Some(Kind::ListValue(_))) {
                dest.kind = Some(Kind::ListValue(proto::ListValue::default()));
            }
            if let Some(Kind::ListValue(l)) = &mut dest.kind
                && let Some(v) = l.values.get_mut(*i)
            {
                set_in(rest, v, src);
            }
        }
        Item::Wildcard => match &mut dest.kind {
            Some(Kind::ListValue(l)) => {
                for v in &mut l.values {
                    set_in(rest, v, src);
                }
            }
            _ => dest.kind = Some(Kind::ListValue(proto::ListValue::default())),
        },
    }
}

fn remove_in(head: &Item, rest: &[Item], value: &mut proto::Value) {
    match (rest.split_first(), head, &mut value.kind) {
        (Some((next, tail)), Item::Key(k), Some(Kind::StructValue(s))) => {
            if let Some(v) = s.fields.get_mut(k) {
                remove_in(next, tail, v);
            }
        }
        (Some((next, tail)), Item::Index(i), Some(Kind::ListValue(l))) => {
            if let Some(v) = l.values.get_mut(*i) {
                remove_in(next, tail, v);
            }
        }
        (Some((next, tail)), Item::Wildcard, Some(Kind::ListValue(l))) => {
            for v in &mut l.values {
                remove_in(next, tail, v);
            }
        }
        (None, Item::Key(k), Some(Kind::StructValue(s))) => {
            s.fields.remove(k);
        }
        (None, Item::Wildcard, Some(Kind::ListValue(l))) => l.values.clear(),
        // Removing an array element by index is not idempotent; Qdrant
        // does not do it.
        _ => {}
    }
}

/// The payload with only what the include patterns name (Qdrant's payload
/// selector): an object or array on the way to a named key keeps just the
/// parts on that way.
pub(crate) fn include(payload: &Map, patterns: &[JsonPath]) -> Map {
    select(payload, &|path| patterns.iter().any(|p| p.includes(path)))
}

/// The payload without what the exclude patterns name.
pub(crate) fn exclude(payload: &Map, patterns: &[JsonPath]) -> Map {
    select(payload, &|path| !patterns.iter().any(|p| p.excludes(path)))
}

/// Qdrant's `value_filter`: keeps each key and array element whose path
/// `keep` accepts, recursively. Array elements have the path `a[]`.
fn select(payload: &Map, keep: &dyn Fn(&JsonPath) -> bool) -> Map {
    let mut path = JsonPath {
        first: String::new(),
        rest: Vec::new(),
    };
    let mut out = Map::new();
    for (k, v) in payload {
        path.first.clone_from(k);
        if keep(&path) {
            out.insert(k.clone(), select_value(&mut path, v, keep));
        }
    }
    out
}

fn select_value(path: &mut JsonPath, value: &proto::Value, keep: &dyn Fn(&JsonPath) -> bool) -> proto::Value {
    match &value.kind {
        Some(Kind::ListValue(l)) => {
            path.rest.push(Item::Wildcard);
            // Elements share one path: all are kept, or none.
            let values = if keep(path) {
                l.values.iter().map(|v| select_value(path, v, keep)).collect()
            } else {
                Vec::new()
            };
            path.rest.pop();
            proto::Value {
                kind: Some(Kind::ListValue(proto::ListValue { values })),
            }
        }
        Some(Kind::StructValue(s)) => {
            let mut fields = Map::new();
            for (k, v) in &s.fields {
                path.rest.push(Item::Key(k.clone()));
                if keep(path) {
                    fields.insert(k.clone(), select_value(path, v, keep));
                }
                path.rest.pop();
            }
            proto::Value {
                kind: Some(Kind::StructValue(proto::Struct { fields })),
            }
        }
        _ => value.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_like_qdrant() {
        for bad in ["", ".a", "a.", "a[", "a[x]", "a b", "a..b", "[0]", "a[0", "\"a"] {
            assert_eq!(JsonPath::parse(bad), None, "{bad:?}");
        }
        let p = JsonPath::parse("foo[1][50].bar-baz[].\"qux[.]quux\"").unwrap();
        assert_eq!(p.first, "foo");
        assert_eq!(
            p.rest,
            [
                Item::Index(1),
                Item::Index(50),
                Item::Key("bar-baz".into()),
                Item::Wildcard,
                Item::Key("qux[.]quux".into()),
            ]
        );
        assert_eq!(p.to_string(), "foo[1][50].bar-baz[].\"qux[.]quux\"");
        assert_eq!(JsonPath::parse("\"a.b\"").unwrap().first, "a.b");
    }

    fn map(json: serde_json::Value) -> Map {
        crate::types::Payload::try_from(json).unwrap().into_proto()
    }

    fn path(s: &str) -> JsonPath {
        JsonPath::parse(s).unwrap()
    }

    #[test]
    fn reads_arrays_only_where_the_path_says() {
        let p = map(serde_json::json!({"a": [{"b": 1}, {"b": 2}], "c": {"b": 3}}));
        assert!(path("a.b").get(&p).is_empty());
        assert_eq!(path("a[].b").get(&p).len(), 2);
        assert_eq!(path("a[1].b").get(&p).len(), 1);
        assert_eq!(path("c.b").get(&p).len(), 1);
    }

    #[test]
    fn sets_and_removes_like_qdrant() {
        let mut p = map(serde_json::json!({"a": {"arr": [{"x": 1}, {"x": 2}]}, "s": "text", "n": 1}));
        let src = map(serde_json::json!({"y": 1, "n": null}));
        JsonPath::set(Some(&path("a.arr[0]")), &mut p, &src);
        JsonPath::set(Some(&path("s.t")), &mut p, &src);
        JsonPath::set(None, &mut p, &src);
        let want = map(serde_json::json!({
            "a": {"arr": [{"x": 1, "y": 1}, {"x": 2}]},
            "s": {"t": {"y": 1}},
            "y": 1,
        }));
        assert_eq!(p, want);
        path("a.arr[].x").remove(&mut p);
        path("a.arr[0]").remove(&mut p);
        assert_eq!(
            p["a"],
            map(serde_json::json!({"a": {"arr": [{"y": 1}, {}]}}))["a"]
        );
    }

    #[test]
    fn selects_like_qdrant() {
        let p = map(serde_json::json!({"a": {"arr": [{"x": 1, "y": 2}, {"y": 3}], "n": 1}, "z": 0}));
        assert_eq!(
            include(&p, &[path("a.arr[].x")]),
            map(serde_json::json!({"a": {"arr": [{"x": 1}, {}]}}))
        );
        assert_eq!(
            include(&p, &[path("a.arr[0]")]),
            map(serde_json::json!({"a": {"arr": []}}))
        );
        assert_eq!(
            exclude(&p, &[path("a.arr"), path("z")]),
            map(serde_json::json!({"a": {"n": 1}}))
        );
    }
}
