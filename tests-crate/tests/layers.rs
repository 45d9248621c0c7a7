//! The crate's modules depend on each other in one direction only:
//!
//! ```text
//! client/ ─► upload.rs ─► transport/ ─► types/ ─► error.rs
//!    │            │            │           │
//!    └────────────┴────────────┴───────────┴──► proto (generated)
//! ```
//!
//! (server/, behind its feature, sits beside client/ and may use types/.)
//! This test reads each source file's `use crate::…` and `crate::…` paths
//! (doc links and `#[cfg(test)]` modules left out) and fails on a path that
//! points up or sideways, so that no import circle can come back.

use std::path::{Path, PathBuf};

/// The layer of a module, by its path under src/; higher may use lower.
fn layer(module: &str) -> Option<u8> {
    Some(match module {
        "error" => 0,
        "proto" => 0,
        "types" => 1,
        "transport" => 2,
        "upload" => 3,
        "client" => 4,
        "server" => 4,
        _ => return None,
    })
}

/// The top module a source file belongs to.
fn module_of(file: &Path, src: &Path) -> Option<String> {
    let relative = file.strip_prefix(src).ok()?;
    let first = relative.components().next()?.as_os_str().to_str()?;
    Some(first.trim_end_matches(".rs").to_owned())
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src/ is readable") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The code of a file without its comments and its test module.
fn code(text: &str) -> String {
    let without_tests = match text.find("#[cfg(test)]\nmod tests") {
        Some(at) => &text[..at],
        None => text,
    };
    without_tests
        .lines()
        .map(|l| match l.find("//") {
            Some(at) => &l[..at],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The top modules a piece of code names through `crate::`, and through
/// `use crate::{a, b::…}` groups.
fn crate_paths(code: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for item in group[..end].split(',') {
                let name: String = item
                    .trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                found.push(name);
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            found.push(name);
        }
    }
    found
}

#[test]
fn modules_only_use_the_layers_below_them() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut problems = Vec::new();
    for file in &files {
        let Some(module) = module_of(file, &src) else {
            continue;
        };
        let Some(own) = layer(&module) else { continue };
        let text = std::fs::read_to_string(file).expect("a source file");
        for target in crate_paths(&code(&text)) {
            // Re-exported items at the crate root (`crate::Point`) are
            // named by their own module's layer; a capitalized name is a
            // type re-exported by lib.rs, which only re-exports types/,
            // transport/ and client/ items: look it up by where it lives.
            let (target, target_layer) = match layer(&target) {
                Some(l) => (target, l),
                None if target.chars().next().is_some_and(char::is_uppercase) => {
                    match root_item_module(&target, &files, &src) {
                        Some(defined_in) => {
                            let l = layer(&defined_in).unwrap_or(0);
                            (defined_in, l)
                        }
                        None => continue,
                    }
                }
                None => continue,
            };
            if target != module && target_layer >= own && !(module == "server" && target == "types") {
                problems.push(format!(
                    "{}: `{module}` uses `crate::{target}`",
                    file.strip_prefix(&src).unwrap_or(file).display()
                ));
            }
        }
    }
    problems.sort();
    problems.dedup();
    assert!(
        problems.is_empty(),
        "imports that point up:\n{}",
        problems.join("\n")
    );
}

/// The module that defines a type re-exported at the root.
fn root_item_module(name: &str, files: &[PathBuf], src: &Path) -> Option<String> {
    let patterns = [
        format!("pub struct {name}"),
        format!("pub enum {name}"),
        format!("pub trait {name}"),
        format!("pub type {name}"),
    ];
    for file in files {
        let text = std::fs::read_to_string(file).expect("a source file");
        if patterns.iter().any(|p| text.contains(p.as_str())) {
            return module_of(file, src);
        }
    }
    None
}

#[test]
fn the_scanner_sees_groups_and_paths() {
    let code = code(
        "use crate::{error::Error, types::Point};\nlet x = crate::client::Client::new(); // crate::server\n",
    );
    assert_eq!(crate_paths(&code), ["error", "types", "client"]);
}
