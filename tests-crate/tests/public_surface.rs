//! The public surface names no generated type: outside `proto` and the
//! `raw()` door, no public signature, field, variant, trait bound,
//! associated type or re-export mentions a `proto::` or `prost::` path, nor
//! a name imported from one. The documented exception is `From`/`TryFrom`
//! between domain and proto types, which exist for users of `raw()`.
//!
//! How: the crate's source is parsed with `syn` (no build, no nightly, well
//! under a second), starting at `src/lib.rs` and following `mod` items. A
//! module's items count as public when the module is `pub` or re-exported
//! by `pub use m::*` (all its `pub` items) or `pub use m::{A, B}` (those
//! names). Checked there:
//!
//! - `pub use` items, `pub fn` signatures (arguments, return type, generics,
//!   where clauses), `pub` fields, every variant of a `pub enum`, type
//!   aliases, consts, statics, and the whole of a `pub trait`;
//! - `pub fn`s of inherent impls of public types, wherever they are;
//! - trait impls on public types (trait path, associated types), except
//!   `From`/`TryFrom`; impls on a proto type of a public trait;
//! - inside `macro_rules!` bodies of public modules: `pub fn` signatures and
//!   `impl` headers (macros are not expanded, so this is token-level).
//!
//! Limits: macros are not expanded (a macro invocation that makes a public
//! item from a proto argument, beyond what its `macro_rules!` body shows, is
//! missed); `#[path]`, `include!` and re-exports through other routes than
//! the two `pub use` forms above are not followed; a type is recognized by
//! its last path segment. Items with `#[doc(hidden)]` and `#[cfg(test)]`
//! modules are skipped. The generated `proto` module itself is not scanned.

use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};

use proc_macro2::{TokenStream, TokenTree};
use quote::ToTokens;
use syn::{ImplItem, Item, UseTree};

mod source_scan;
use source_scan::{Exposure, is_pub, reexports, skipped};

/// Public items allowed to name proto types (file, item or item prefix,
/// why). Each must still match something, so that a stale entry fails the
/// test and goes.
const ALLOWED: &[(&str, &str, &str)] = &[(
    "src/transport/mod.rs",
    "RawClients",
    "raw(): the generated stubs on the client's channels, the documented door to the protocol",
)];

struct ImplSite {
    file: String,
    proto_names: HashSet<String>,
    item: syn::ItemImpl,
}

#[derive(Default)]
struct Scan {
    findings: BTreeSet<(String, String, String)>,
    public_types: HashSet<String>,
    impls: Vec<ImplSite>,
}

impl Scan {
    fn flag(&mut self, file: &str, item: &str, what: impl Into<String>) {
        self.findings
            .insert((file.to_owned(), item.to_owned(), what.into()));
    }
}

fn proto_mentions(tokens: TokenStream, proto_names: &HashSet<String>) -> Vec<String> {
    let mut out = Vec::new();
    for tt in tokens {
        match tt {
            TokenTree::Ident(i) => {
                let s = i.to_string();
                if s == "proto" || s == "prost" || s == "tonic_prost" || proto_names.contains(&s) {
                    out.push(s);
                }
            }
            TokenTree::Group(g) => out.extend(proto_mentions(g.stream(), proto_names)),
            _ => {}
        }
    }
    out
}

/// The names a `use` tree brings in through a `proto`/`prost` path, and
/// whether it goes through one at all.
fn use_names(tree: &UseTree, through_proto: bool, out: &mut Vec<(String, bool)>) {
    match tree {
        UseTree::Path(p) => {
            let seg = p.ident.to_string();
            use_names(&p.tree, through_proto || seg == "proto" || seg == "prost", out);
        }
        UseTree::Name(n) => out.push((n.ident.to_string(), through_proto)),
        UseTree::Rename(r) => out.push((
            r.rename.to_string(),
            through_proto || r.ident == "proto" || r.ident == "prost",
        )),
        UseTree::Glob(_) => out.push(("*".to_owned(), through_proto)),
        UseTree::Group(g) => g.items.iter().for_each(|t| use_names(t, through_proto, out)),
    }
}

/// For `pub use m::...` in this file: which child module it re-exports and
/// which names (`None` for a glob).
fn file_proto_names(items: &[Item], out: &mut HashSet<String>) {
    for item in items {
        match item {
            Item::Use(u) => {
                let mut names = Vec::new();
                use_names(&u.tree, false, &mut names);
                out.extend(names.into_iter().filter(|(n, p)| *p && n != "*").map(|(n, _)| n));
            }
            Item::Mod(m) => {
                if let Some((_, inner)) = &m.content {
                    file_proto_names(inner, out);
                }
            }
            _ => {}
        }
    }
}

fn self_type_name(ty: &syn::Type) -> Option<String> {
    match ty {
        syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}

/// Token-level check of a `macro_rules!` body: `pub fn` signatures and
/// `impl` headers.
fn check_macro_body(tokens: TokenStream, proto_names: &HashSet<String>, found: &mut Vec<String>) {
    let tts: Vec<TokenTree> = tokens.into_iter().collect();
    let mut i = 0;
    while i < tts.len() {
        let starts_sig = match (&tts[i], tts.get(i + 1)) {
            (TokenTree::Ident(a), Some(TokenTree::Ident(b))) => a == "pub" && b == "fn",
            (TokenTree::Ident(a), _) => a == "impl",
            _ => false,
        };
        if starts_sig {
            let mut sig = TokenStream::new();
            let mut j = i;
            while j < tts.len() {
                if let TokenTree::Group(g) = &tts[j]
                    && g.delimiter() == proc_macro2::Delimiter::Brace
                {
                    break;
                }
                sig.extend([tts[j].clone()]);
                j += 1;
            }
            let hits = proto_mentions(sig.clone(), proto_names);
            if !hits.is_empty() {
                found.push(sig.to_string());
            }
            i = j;
            continue;
        }
        if let TokenTree::Group(g) = &tts[i] {
            check_macro_body(g.stream(), proto_names, found);
        }
        i += 1;
    }
}

fn check_sig(scan: &mut Scan, file: &str, item: &str, tokens: TokenStream, names: &HashSet<String>) {
    let hits = proto_mentions(tokens, names);
    if !hits.is_empty() {
        scan.flag(file, item, format!("names {}", hits.join(", ")));
    }
}

fn visit_items(
    scan: &mut Scan,
    file: &str,
    dir: &Path,
    items: &[Item],
    exposure: &Exposure,
    proto_names: &HashSet<String>,
) {
    // Which child modules this level re-exports, and how much of them.
    let reexported = reexports(items);

    for item in items {
        match item {
            Item::Mod(m) => {
                if skipped(&m.attrs) || m.ident == "proto" {
                    continue;
                }
                let name = m.ident.to_string();
                let exposure = exposure.of_child(&name, &m.vis, &reexported);
                match &m.content {
                    Some((_, inner)) => {
                        visit_items(scan, file, &dir.join(&name), inner, &exposure, proto_names)
                    }
                    None => visit_file(scan, &dir.join(&name), &exposure),
                }
            }
            Item::Use(u) if is_pub(&u.vis) && !skipped(&u.attrs) => {
                let mut names = Vec::new();
                use_names(&u.tree, false, &mut names);
                for (n, through_proto) in names {
                    if through_proto && (n == "*" || exposure.shows(&n)) {
                        scan.flag(file, &n, "re-exports a generated item");
                    }
                }
            }
            Item::Fn(f)
                if is_pub(&f.vis) && !skipped(&f.attrs) && exposure.shows(&f.sig.ident.to_string()) =>
            {
                let name = f.sig.ident.to_string();
                check_sig(scan, file, &name, f.sig.to_token_stream(), proto_names);
            }
            Item::Struct(s)
                if is_pub(&s.vis) && !skipped(&s.attrs) && exposure.shows(&s.ident.to_string()) =>
            {
                let name = s.ident.to_string();
                scan.public_types.insert(name.clone());
                check_sig(scan, file, &name, s.generics.to_token_stream(), proto_names);
                for field in &s.fields {
                    if is_pub(&field.vis) && !skipped(&field.attrs) {
                        let what = field
                            .ident
                            .as_ref()
                            .map_or(name.clone(), |i| format!("{name}.{i}"));
                        check_sig(scan, file, &what, field.ty.to_token_stream(), proto_names);
                    }
                }
            }
            Item::Enum(e) if is_pub(&e.vis) && !skipped(&e.attrs) && exposure.shows(&e.ident.to_string()) => {
                let name = e.ident.to_string();
                scan.public_types.insert(name.clone());
                check_sig(scan, file, &name, e.generics.to_token_stream(), proto_names);
                for v in &e.variants {
                    if !skipped(&v.attrs) {
                        let what = format!("{name}::{}", v.ident);
                        check_sig(scan, file, &what, v.fields.to_token_stream(), proto_names);
                    }
                }
            }
            Item::Type(t) if is_pub(&t.vis) && !skipped(&t.attrs) && exposure.shows(&t.ident.to_string()) => {
                let name = t.ident.to_string();
                scan.public_types.insert(name.clone());
                check_sig(scan, file, &name, t.to_token_stream(), proto_names);
            }
            Item::Trait(t)
                if is_pub(&t.vis) && !skipped(&t.attrs) && exposure.shows(&t.ident.to_string()) =>
            {
                let name = t.ident.to_string();
                scan.public_types.insert(name.clone());
                check_sig(scan, file, &name, t.to_token_stream(), proto_names);
            }
            Item::Const(c)
                if is_pub(&c.vis) && !skipped(&c.attrs) && exposure.shows(&c.ident.to_string()) =>
            {
                check_sig(
                    scan,
                    file,
                    &c.ident.to_string(),
                    c.ty.to_token_stream(),
                    proto_names,
                );
            }
            Item::Static(s)
                if is_pub(&s.vis) && !skipped(&s.attrs) && exposure.shows(&s.ident.to_string()) =>
            {
                check_sig(
                    scan,
                    file,
                    &s.ident.to_string(),
                    s.ty.to_token_stream(),
                    proto_names,
                );
            }
            Item::Impl(i) if !skipped(&i.attrs) => scan.impls.push(ImplSite {
                file: file.to_owned(),
                proto_names: proto_names.clone(),
                item: i.clone(),
            }),
            Item::Macro(m)
                if m.mac.path.is_ident("macro_rules")
                    && !matches!(exposure, Exposure::Names(n) if n.is_empty()) =>
            {
                let mut found = Vec::new();
                check_macro_body(m.mac.tokens.clone(), proto_names, &mut found);
                let name = m.ident.as_ref().map_or("macro".to_owned(), |i| format!("{i}!"));
                for sig in found {
                    scan.flag(file, &name, format!("macro makes `{sig}`"));
                }
            }
            _ => {}
        }
    }
}

fn visit_file(scan: &mut Scan, module: &Path, exposure: &Exposure) {
    let (path, dir) = if module.join("mod.rs").exists() {
        (module.join("mod.rs"), module.to_path_buf())
    } else {
        (module.with_extension("rs"), module.to_path_buf())
    };
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let parsed = syn::parse_file(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut proto_names = HashSet::new();
    file_proto_names(&parsed.items, &mut proto_names);
    let file = path
        .strip_prefix(Path::new(env!("CARGO_MANIFEST_DIR")).join(".."))
        .unwrap_or(&path)
        .display()
        .to_string();
    visit_items(scan, &file, &dir, &parsed.items, exposure, &proto_names);
}

fn check_impls(scan: &mut Scan) {
    let impls = std::mem::take(&mut scan.impls);
    for site in impls {
        let i = &site.item;
        let Some(self_name) = self_type_name(&i.self_ty) else {
            continue;
        };
        let self_is_proto = !proto_mentions(i.self_ty.to_token_stream(), &site.proto_names).is_empty();
        match &i.trait_ {
            Some((_, trait_path, _)) => {
                let trait_name = trait_path
                    .segments
                    .last()
                    .map(|s| s.ident.to_string())
                    .unwrap_or_default();
                if trait_name == "From" || trait_name == "TryFrom" {
                    continue;
                }
                if self_is_proto {
                    if scan.public_types.contains(&trait_name) {
                        scan.flag(
                            &site.file,
                            &trait_name,
                            format!("public trait implemented for {self_name} (generated)"),
                        );
                    }
                    continue;
                }
                if !scan.public_types.contains(&self_name) {
                    continue;
                }
                let what = format!("impl {trait_name} for {self_name}");
                check_sig(
                    scan,
                    &site.file,
                    &what,
                    trait_path.to_token_stream(),
                    &site.proto_names,
                );
                for item in &i.items {
                    if let ImplItem::Type(t) = item {
                        check_sig(scan, &site.file, &what, t.ty.to_token_stream(), &site.proto_names);
                    }
                }
            }
            None => {
                if self_is_proto || !scan.public_types.contains(&self_name) {
                    continue;
                }
                for item in &i.items {
                    if let ImplItem::Fn(f) = item
                        && is_pub(&f.vis)
                        && !skipped(&f.attrs)
                    {
                        let what = format!("{self_name}::{}", f.sig.ident);
                        let mut tokens = i.generics.to_token_stream();
                        tokens.extend(i.self_ty.to_token_stream());
                        tokens.extend(f.sig.to_token_stream());
                        check_sig(scan, &site.file, &what, tokens, &site.proto_names);
                    }
                }
            }
        }
    }
}

#[test]
fn no_generated_type_in_the_public_api() {
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../src");
    let mut scan = Scan::default();
    let lib = syn::parse_file(&std::fs::read_to_string(src.join("lib.rs")).unwrap()).unwrap();
    let mut proto_names = HashSet::new();
    file_proto_names(&lib.items, &mut proto_names);
    visit_items(
        &mut scan,
        "src/lib.rs",
        &src,
        &lib.items,
        &Exposure::All,
        &proto_names,
    );
    check_impls(&mut scan);

    // The scan must see the surface at all, or it proves nothing.
    for name in [
        "Client",
        "Filter",
        "CollectionInfo",
        "HnswConfigDiff",
        "TextIndexParams",
        "Error",
        "RawClients",
    ] {
        assert!(scan.public_types.contains(name), "the scan did not reach {name}");
    }

    let mut used = HashSet::new();
    let mut problems = Vec::new();
    for (file, item, what) in &scan.findings {
        let allowed = ALLOWED.iter().find(|(in_file, name, _)| {
            file == in_file
                && (item == name
                    || item.starts_with(&format!("{name}."))
                    || name.ends_with("::") && item.starts_with(name))
        });
        match allowed {
            Some((in_file, name, _)) => {
                used.insert((*in_file, *name));
            }
            None => problems.push(format!("{file}: {item}: {what}")),
        }
    }
    for (file, name, why) in ALLOWED {
        if !used.contains(&(*file, *name)) {
            problems.push(format!(
                "ALLOWED entry {file}: {name} ({why}) matches nothing any more: remove it"
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "generated types at the public surface:\n{}",
        problems.join("\n")
    );
}

/// The scanner itself finds what it must.
#[test]
fn the_scan_catches_each_kind_of_leak() {
    let text = r#"
        use crate::proto::Alias as Hidden;
        pub use proto::Leaked;
        pub fn f(x: proto::A) {}
        pub fn g() -> Hidden { todo!() }
        pub struct S { pub field: Option<prost::B>, private: proto::C }
        pub enum E { V(proto::D) }
        pub struct T;
        impl T { pub fn h(&self) -> Vec<proto::E> { todo!() } fn private(&self) -> proto::F { todo!() } }
        impl From<proto::G> for T { fn from(_: proto::G) -> T { T } }
        impl std::ops::Deref for T { type Target = proto::H; fn deref(&self) -> &proto::H { todo!() } }
        macro_rules! m { () => { pub fn made(&self) -> proto::I { todo!() } } }
    "#;
    let parsed = syn::parse_file(text).unwrap();
    let mut names = HashSet::new();
    file_proto_names(&parsed.items, &mut names);
    let mut scan = Scan::default();
    visit_items(
        &mut scan,
        "t.rs",
        Path::new("/nonexistent"),
        &parsed.items,
        &Exposure::All,
        &names,
    );
    check_impls(&mut scan);
    let items: BTreeSet<&str> = scan.findings.iter().map(|(_, item, _)| item.as_str()).collect();
    let expected: BTreeSet<&str> = [
        "Leaked",
        "f",
        "g",
        "S.field",
        "E::V",
        "T::h",
        "impl Deref for T",
        "m!",
    ]
    .into_iter()
    .collect();
    assert_eq!(items, expected);
}
