//! Random but well-formed protobuf messages, driven by the descriptors of
//! proto/: every field, every oneof choice, bounded nesting, and the values
//! that break code (0, MAX, NaN, infinities, negatives, empty, long and
//! non-ASCII strings). A seeded xorshift makes every case replayable.

use std::path::{Path, PathBuf};

use prost_reflect::{
    DescriptorPool, DynamicMessage, FieldDescriptor, Kind, MapKey, MessageDescriptor, Value,
};

/// The descriptors of every message and service in proto/.
pub fn pool() -> DescriptorPool {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../proto");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("proto/ is readable")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "proto"))
        .collect();
    files.sort();
    let mut compiler = protox::Compiler::new([&dir]).expect("proto/ is an include path");
    compiler.open_files(&files).expect("proto/ compiles");
    compiler.descriptor_pool()
}

/// A small, fast, seeded generator (xorshift64*).
#[derive(Clone, Debug)]
pub struct Rng(u64);

/// SplitMix64: spreads consecutive numbers over the whole range.
pub fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(mix(seed) | 1)
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }

    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// Names worth hitting often: the collections, payload keys and vector
/// names that exist on the server under test.
#[derive(Clone, Debug, Default)]
pub struct Hints {
    pub collections: Vec<String>,
    pub keys: Vec<String>,
    pub vector_names: Vec<String>,
}

/// Builds messages from one case's random stream.
pub struct Gen<'a> {
    pub rng: Rng,
    hints: &'a Hints,
    /// Message nodes still allowed in this case, so that wide messages do
    /// not multiply into huge ones.
    budget: usize,
}

const MAX_DEPTH: usize = 10;

impl<'a> Gen<'a> {
    pub fn new(seed: u64, hints: &'a Hints) -> Gen<'a> {
        Gen {
            rng: Rng::new(seed),
            hints,
            budget: 400,
        }
    }

    pub fn message(&mut self, desc: &MessageDescriptor, depth: usize) -> DynamicMessage {
        let mut msg = DynamicMessage::new(desc.clone());
        self.budget = self.budget.saturating_sub(1);
        // One member (or none) of each real oneof.
        for oneof in desc.oneofs().filter(|o| !o.is_synthetic()) {
            let fields: Vec<FieldDescriptor> = oneof.fields().collect();
            if fields.is_empty() || !self.rng.chance(85) {
                continue;
            }
            let field = self.rng.pick(&fields).clone();
            if matches!(field.kind(), Kind::Message(_)) && !self.room(depth) {
                continue;
            }
            let value = self.single(&field, depth);
            msg.set_field(&field, value);
        }
        for field in desc.fields() {
            if field.containing_oneof().is_some_and(|o| !o.is_synthetic()) {
                continue;
            }
            let is_message = matches!(field.kind(), Kind::Message(_));
            if field.is_map() {
                let n = self.count(depth);
                let value = self.map(&field, n, depth);
                msg.set_field(&field, value);
            } else if field.is_list() {
                let n = if is_message {
                    self.count(depth)
                } else {
                    self.scalar_count(&field)
                };
                let mut items = Vec::with_capacity(n);
                for _ in 0..n {
                    if is_message && !self.room(depth) {
                        break;
                    }
                    items.push(self.single(&field, depth));
                }
                msg.set_field(&field, Value::List(items));
            } else {
                let wanted = if is_message {
                    self.room(depth) && self.rng.chance(55u64.saturating_sub(5 * depth as u64))
                } else {
                    self.rng.chance(if field.supports_presence() { 55 } else { 75 })
                };
                if wanted {
                    let value = self.single(&field, depth);
                    msg.set_field(&field, value);
                }
            }
        }
        msg
    }

    fn room(&self, depth: usize) -> bool {
        depth < MAX_DEPTH && self.budget > 0
    }

    /// How many elements a repeated message field gets.
    fn count(&mut self, depth: usize) -> usize {
        let r = self.rng.below(100);
        let n = match r {
            0..=49 => 0,
            50..=77 => 1,
            78..=91 => 2 + self.rng.below(2),
            92..=98 => 4 + self.rng.below(5),
            _ => 9 + self.rng.below(24),
        } as usize;
        if depth > 4 { n.min(2) } else { n }
    }

    /// How many elements a repeated scalar field gets: vectors mostly have
    /// the dimensions the test collections use.
    fn scalar_count(&mut self, field: &FieldDescriptor) -> usize {
        match field.name() {
            "data" | "values" | "indices" | "vector" => {
                *self.rng.pick(&[0, 1, 2, 3, 3, 3, 3, 3, 3, 4, 6, 64])
            }
            _ => self.count(0),
        }
    }

    fn map(&mut self, field: &FieldDescriptor, n: usize, depth: usize) -> Value {
        let Kind::Message(entry) = field.kind() else {
            return Value::Map(Default::default());
        };
        let key_field = entry.map_entry_key_field();
        let value_field = entry.map_entry_value_field();
        let is_message = matches!(value_field.kind(), Kind::Message(_));
        let mut map = std::collections::HashMap::new();
        for _ in 0..n {
            if is_message && !self.room(depth) {
                break;
            }
            let key = match key_field.kind() {
                Kind::String => MapKey::String(self.map_key(field.name())),
                Kind::Bool => MapKey::Bool(self.rng.chance(50)),
                Kind::Int32 | Kind::Sint32 | Kind::Sfixed32 => MapKey::I32(self.i32()),
                Kind::Int64 | Kind::Sint64 | Kind::Sfixed64 => MapKey::I64(self.i64()),
                Kind::Uint32 | Kind::Fixed32 => MapKey::U32(self.u32()),
                _ => MapKey::U64(self.u64()),
            };
            let value = self.single(&value_field, depth);
            map.insert(key, value);
        }
        Value::Map(map)
    }

    fn map_key(&mut self, map_name: &str) -> String {
        let known = match map_name {
            "payload" | "fields" | "defaults" | "metadata" | "options" | "payload_schema" => &self.hints.keys,
            "vectors" | "map" | "sparse_config" | "multivector_config" => &self.hints.vector_names,
            _ => &self.hints.keys,
        };
        if !known.is_empty() && self.rng.chance(80) {
            return self.rng.pick(known).clone();
        }
        self.string()
    }

    /// One value of the field's type (an element, for repeated fields).
    fn single(&mut self, field: &FieldDescriptor, depth: usize) -> Value {
        match field.kind() {
            Kind::Message(m) => Value::Message(self.message(&m, depth + 1)),
            Kind::Enum(e) => {
                let values: Vec<i32> = e.values().map(|v| v.number()).collect();
                if !values.is_empty() && self.rng.chance(88) {
                    Value::EnumNumber(*self.rng.pick(&values))
                } else {
                    Value::EnumNumber(*self.rng.pick(&[-1, 99, i32::MAX, i32::MIN, 1000]))
                }
            }
            Kind::Double => Value::F64(self.f64()),
            Kind::Float => Value::F32(self.f64() as f32),
            Kind::Int32 | Kind::Sint32 | Kind::Sfixed32 => Value::I32(self.i32()),
            Kind::Int64 | Kind::Sint64 | Kind::Sfixed64 => Value::I64(self.i64()),
            Kind::Uint32 | Kind::Fixed32 => Value::U32(self.u32()),
            Kind::Uint64 | Kind::Fixed64 => Value::U64(self.u64_for(field.name())),
            Kind::Bool => Value::Bool(self.rng.chance(50)),
            Kind::String => Value::String(self.string_for(field)),
            Kind::Bytes => {
                let n = self.rng.below(24);
                Value::Bytes((0..n).map(|_| self.rng.next() as u8).collect::<Vec<u8>>().into())
            }
        }
    }

    pub fn f64(&mut self) -> f64 {
        const EDGES: [f64; 16] = [
            0.0,
            -0.0,
            1.0,
            -1.0,
            0.5,
            2.0,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::MAX,
            f64::MIN,
            f64::MIN_POSITIVE,
            f64::EPSILON,
            1e-40,
            1e30,
            -1e30,
        ];
        match self.rng.below(100) {
            0..=29 => *self.rng.pick(&EDGES),
            30..=34 => f64::from_bits(self.rng.next()),
            35..=39 => (self.rng.below(2_000_000) as f64 - 1e6) * 1e3,
            _ => (self.rng.below(2_000_001) as f64 - 1e6) / 1e6,
        }
    }

    fn i32(&mut self) -> i32 {
        match self.rng.below(10) {
            0..=3 => self.rng.below(12) as i32,
            4..=6 => *self.rng.pick(&[
                0,
                1,
                -1,
                2,
                i32::MAX,
                i32::MIN,
                i32::MAX - 1,
                999_999_999,
                -999_999_999,
            ]),
            _ => self.rng.next() as i32,
        }
    }

    fn i64(&mut self) -> i64 {
        match self.rng.below(10) {
            0..=3 => self.rng.below(12) as i64,
            4..=6 => *self.rng.pick(&[
                0,
                1,
                -1,
                i64::MAX,
                i64::MIN,
                i64::MAX - 1,
                i64::MIN + 1,
                1_704_067_200,
                -62_135_596_800,
                253_402_300_799,
                1 << 53,
            ]),
            _ => self.rng.next() as i64,
        }
    }

    fn u32(&mut self) -> u32 {
        match self.rng.below(10) {
            0..=4 => self.rng.below(12) as u32,
            5..=7 => *self.rng.pick(&[
                0,
                1,
                2,
                u32::MAX,
                u32::MAX - 1,
                1 << 31,
                65_536,
                65_537,
                16_384,
                16_385,
            ]),
            _ => self.rng.next() as u32,
        }
    }

    fn u64(&mut self) -> u64 {
        match self.rng.below(10) {
            0..=4 => self.rng.below(12),
            5..=7 => *self.rng.pick(&[
                0,
                1,
                2,
                u64::MAX,
                u64::MAX - 1,
                i64::MAX as u64,
                1 << 53,
                1 << 32,
                u32::MAX as u64,
            ]),
            _ => self.rng.next(),
        }
    }

    /// Point ids are mostly ones that exist.
    fn u64_for(&mut self, name: &str) -> u64 {
        if name == "num" && self.rng.chance(80) {
            return self.rng.below(24);
        }
        self.u64()
    }

    /// A string for this field: a name the server knows, or noise.
    fn string_for(&mut self, field: &FieldDescriptor) -> String {
        let hints = self.hints;
        let known: &[String] = match field.name() {
            "collection_name" | "collection" | "alias_name" | "old_alias_name" | "new_alias_name" => {
                &hints.collections
            }
            "key" | "field_name" | "group_by" | "to" | "datetime_key" | "fields" | "keys" | "nested" => {
                &hints.keys
            }
            "using" | "vector_name" | "names" | "has_vector" => &hints.vector_names,
            "datetime" => return self.datetime(),
            "uuid" if self.rng.chance(70) => return self.uuid(),
            "variable" if self.rng.chance(30) => {
                return self
                    .rng
                    .pick(&["$score", "$score[0]", "$score[1]", "$score[99999999999]"])
                    .to_string();
            }
            _ => &[],
        };
        if !known.is_empty() && self.rng.chance(92) {
            return self.rng.pick(known).clone();
        }
        self.string()
    }

    fn uuid(&mut self) -> String {
        // The one UUID-identified point of the test collections, half the time.
        let (a, b) = if self.rng.chance(50) {
            (7, 7)
        } else {
            (self.rng.next(), self.rng.next())
        };
        let u = uuid::Uuid::from_u64_pair(a, b).to_string();
        if self.rng.chance(80) { u } else { self.mutate(u) }
    }

    fn datetime(&mut self) -> String {
        let base = self
            .rng
            .pick(&[
                "2024-01-01T00:00:00Z",
                "2024-02-29 23:59:59.999+01:00",
                "1970-01-01",
                "2024-01-01T10:00",
                "0000-01-01T00:00:00-23:59",
                "9999-12-31T23:59:60Z",
            ])
            .to_string();
        if self.rng.chance(60) {
            self.mutate(base)
        } else {
            base
        }
    }

    /// Replaces, inserts or deletes a few characters, often with ones that
    /// are not ASCII.
    fn mutate(&mut self, s: String) -> String {
        let mut chars: Vec<char> = s.chars().collect();
        for _ in 0..=self.rng.below(3) {
            let at = self.rng.below(chars.len() as u64 + 1) as usize;
            let c = self.char();
            match self.rng.below(3) {
                0 if at < chars.len() => chars[at] = c,
                1 if at < chars.len() => {
                    chars.remove(at);
                }
                _ => chars.insert(at, c),
            }
        }
        chars.into_iter().collect()
    }

    fn char(&mut self) -> char {
        *self.rng.pick(&[
            'a',
            'Z',
            '0',
            '9',
            '-',
            ':',
            'T',
            'Z',
            '.',
            '+',
            ' ',
            '[',
            ']',
            '$',
            '\u{e9}',
            '\u{65e5}',
            '\u{1F980}',
            '\u{0}',
            '\u{FFFD}',
            '\u{301}',
            '\n',
        ])
    }

    pub fn string(&mut self) -> String {
        match self.rng.below(100) {
            0..=9 => String::new(),
            10..=39 => {
                let n = 1 + self.rng.below(12);
                (0..n)
                    .map(|_| (b'a' + self.rng.below(26) as u8) as char)
                    .collect()
            }
            40..=59 => {
                let n = self.rng.below(24);
                (0..n).map(|_| self.char()).collect()
            }
            60..=69 => self.datetime(),
            70..=79 => {
                let parts = [
                    "a",
                    "b",
                    "c[]",
                    "d[0]",
                    "e[99999999999999999999]",
                    "",
                    "[",
                    "]",
                    "\u{e9}",
                ];
                let n = 1 + self.rng.below(5);
                (0..n)
                    .map(|_| *self.rng.pick(&parts))
                    .collect::<Vec<_>>()
                    .join(".")
            }
            80..=87 => self.uuid(),
            88..=93 => self
                .rng
                .pick(&[
                    "0",
                    "-1",
                    "1e309",
                    "NaN",
                    "inf",
                    "18446744073709551616",
                    "00000000001",
                ])
                .to_string(),
            94..=97 => {
                let c = self.char();
                std::iter::repeat_n(c, 1000 + self.rng.below(4000) as usize).collect()
            }
            _ => {
                let c = self.char();
                std::iter::repeat_n(c, 60_000 + self.rng.below(10_000) as usize).collect()
            }
        }
    }
}

/// A message as compact text, `field: value` pairs, for failure reports.
pub fn brief(msg: &DynamicMessage) -> String {
    let fields: Vec<String> = msg
        .fields()
        .map(|(f, v)| format!("{}: {}", f.name(), brief_value(v)))
        .collect();
    format!("{{{}}}", fields.join(", "))
}

fn brief_value(v: &Value) -> String {
    match v {
        Value::Message(m) => brief(m),
        Value::List(items) => format!(
            "[{}]",
            items.iter().map(brief_value).collect::<Vec<_>>().join(", ")
        ),
        Value::Map(map) => {
            let entries: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{k:?}: {}", brief_value(v)))
                .collect();
            format!("{{{}}}", entries.join(", "))
        }
        Value::String(s) if s.len() > 80 => format!(
            "{:?}... ({} bytes)",
            s.chars().take(20).collect::<String>(),
            s.len()
        ),
        other => format!("{other:?}"),
    }
}
