//! Every public item's documentation shows an example: a fenced code
//! block (```` ``` ````) in its doc comment, which `cargo test --doc`
//! compiles.
//!
//! How: like public_surface.rs, the library's source (`../src`) is parsed
//! with `syn`, starting at `src/lib.rs` and following `mod` items; a module's
//! items count as public when the module is `pub` or re-exported by
//! `pub use m::*` or `pub use m::{A, B}`. Checked: public structs, enums,
//! traits and free functions, and the `pub fn`s of inherent impls of those
//! types, wherever the impl is. Not checked: `proto` (generated), `server`
//! (the embedded server has its own examples at its entry points), items
//! with `#[doc(hidden)]`, `#[cfg(test)]` modules, trait impls, fields and
//! variants, and what macros make.
//!
//! The items without an example when this test was written are listed in
//! `doc_examples_missing.txt`, one `path` a line. A new public item without
//! an example fails the test, and so does a listed item that has one now
//! (take it off the list): the list only shrinks.

use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};

use syn::{Attribute, ImplItem, Item};

mod source_scan;
use source_scan::{Exposure, is_pub, reexports, skipped};

/// A public item and whether its doc comment holds a code block.
#[derive(Default)]
struct Scan {
    /// `path` (`Type`, `Type::method`, `function`) → has an example.
    items: Vec<(String, bool)>,
    public_types: HashSet<String>,
    impls: Vec<syn::ItemImpl>,
}

/// Whether the item's doc comment (its `///` lines, or `#[doc = "..."]`)
/// holds a fenced code block.
fn has_example(attrs: &[Attribute]) -> bool {
    attrs.iter().any(|a| {
        if !a.path().is_ident("doc") {
            return false;
        }
        match &a.meta {
            syn::Meta::NameValue(nv) => match &nv.value {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) => s.value().lines().any(|l| l.trim_start().starts_with("```")),
                _ => false,
            },
            _ => false,
        }
    })
}

fn visit_items(scan: &mut Scan, dir: &Path, items: &[Item], exposure: &Exposure) {
    let reexported = reexports(items);
    for item in items {
        match item {
            Item::Mod(m) => {
                if skipped(&m.attrs) || m.ident == "proto" || m.ident == "server" {
                    continue;
                }
                let name = m.ident.to_string();
                let exposure = exposure.of_child(&name, &m.vis, &reexported);
                match &m.content {
                    Some((_, inner)) => visit_items(scan, &dir.join(&name), inner, &exposure),
                    None => visit_file(scan, &dir.join(&name), &exposure),
                }
            }
            Item::Fn(f)
                if is_pub(&f.vis) && !skipped(&f.attrs) && exposure.shows(&f.sig.ident.to_string()) =>
            {
                scan.items.push((f.sig.ident.to_string(), has_example(&f.attrs)));
            }
            Item::Struct(s)
                if is_pub(&s.vis) && !skipped(&s.attrs) && exposure.shows(&s.ident.to_string()) =>
            {
                scan.public_types.insert(s.ident.to_string());
                scan.items.push((s.ident.to_string(), has_example(&s.attrs)));
            }
            Item::Enum(e) if is_pub(&e.vis) && !skipped(&e.attrs) && exposure.shows(&e.ident.to_string()) => {
                scan.public_types.insert(e.ident.to_string());
                scan.items.push((e.ident.to_string(), has_example(&e.attrs)));
            }
            Item::Trait(t)
                if is_pub(&t.vis) && !skipped(&t.attrs) && exposure.shows(&t.ident.to_string()) =>
            {
                scan.items.push((t.ident.to_string(), has_example(&t.attrs)));
            }
            Item::Impl(i) if i.trait_.is_none() && !skipped(&i.attrs) => scan.impls.push(i.clone()),
            _ => {}
        }
    }
}

fn visit_file(scan: &mut Scan, module: &Path, exposure: &Exposure) {
    let path = if module.join("mod.rs").exists() {
        module.join("mod.rs")
    } else {
        module.with_extension("rs")
    };
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let parsed = syn::parse_file(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    visit_items(scan, module, &parsed.items, exposure);
}

/// Every checked item of `src/` and whether it has an example.
fn scan(src: &Path) -> Vec<(String, bool)> {
    let mut scan = Scan::default();
    let lib = std::fs::read_to_string(src.join("lib.rs")).expect("src/lib.rs");
    let lib = syn::parse_file(&lib).expect("src/lib.rs parses");
    visit_items(&mut scan, src, &lib.items, &Exposure::All);
    for site in std::mem::take(&mut scan.impls) {
        let syn::Type::Path(ty) = &*site.self_ty else {
            continue;
        };
        let Some(name) = ty.path.segments.last().map(|s| s.ident.to_string()) else {
            continue;
        };
        if !scan.public_types.contains(&name) {
            continue;
        }
        for item in &site.items {
            if let ImplItem::Fn(f) = item
                && is_pub(&f.vis)
                && !skipped(&f.attrs)
            {
                let path = format!("{name}::{}", f.sig.ident);
                scan.items.push((path, has_example(&f.attrs)));
            }
        }
    }
    scan.items.sort();
    scan.items.dedup();
    scan.items
}

fn listed() -> BTreeSet<String> {
    include_str!("doc_examples_missing.txt")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_public_item_has_an_example() {
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../src");
    let items = scan(&src);
    let listed = listed();
    let missing: BTreeSet<&str> = items
        .iter()
        .filter(|(_, example)| !example)
        .map(|(path, _)| path.as_str())
        .collect();
    let with: usize = items.iter().filter(|(_, example)| *example).count();
    println!(
        "{} public items, {with} with an example, {} without ({} listed)",
        items.len(),
        missing.len(),
        listed.len()
    );
    let new: Vec<&str> = missing.iter().copied().filter(|p| !listed.contains(*p)).collect();
    let fixed: Vec<&str> = listed
        .iter()
        .map(String::as_str)
        .filter(|p| !missing.contains(p))
        .collect();
    assert!(
        new.is_empty(),
        "public items without an example (add one: a ``` block in the doc comment):\n  {}",
        new.join("\n  ")
    );
    assert!(
        fixed.is_empty(),
        "listed in doc_examples_missing.txt but with an example now, or gone (take them off the list):\n  {}",
        fixed.join("\n  ")
    );
}

#[test]
fn the_scan_sees_what_it_should() {
    let dir = std::env::temp_dir().join(format!("doc-examples-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("inner")).unwrap();
    std::fs::write(
        dir.join("lib.rs"),
        r#"
        mod inner;
        pub use inner::{Shown, free};
        mod hidden;
        /// No example.
        pub struct Top;
        impl Top {
            /// ```
            /// ```
            pub fn documented(&self) {}
            /// None.
            pub fn bare(&self) {}
            fn private(&self) {}
        }
        #[cfg(test)]
        mod tests { pub fn in_tests() {} }
        "#,
    )
    .unwrap();
    std::fs::write(
        dir.join("inner.rs"),
        r#"
        /// ```
        /// ```
        pub struct Shown;
        pub struct NotReexported;
        /// Text.
        pub fn free() {}
        impl Shown { pub fn method(&self) {} }
        "#,
    )
    .unwrap();
    std::fs::write(dir.join("hidden.rs"), "pub struct Hidden;").unwrap();
    let items = scan(&dir);
    std::fs::remove_dir_all(&dir).unwrap();
    let expected: Vec<(String, bool)> = [
        ("Shown", true),
        ("Shown::method", false),
        ("Top", false),
        ("Top::bare", false),
        ("Top::documented", true),
        ("free", false),
    ]
    .iter()
    .map(|(p, e)| (p.to_string(), *e))
    .collect();
    assert_eq!(items, expected);
}
