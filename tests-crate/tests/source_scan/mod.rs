//! What public_surface.rs and doc_examples.rs share: reading the library's
//! source with `syn` and telling which modules' items are public (a `pub`
//! module, or one re-exported by `pub use m::*` or `pub use m::{A, B}`).

use std::collections::HashSet;

use quote::ToTokens;
use syn::{Attribute, Item, UseTree, Visibility};

/// Which of a module's items the crate shows: all, or those names.
#[derive(Clone, Debug)]
pub enum Exposure {
    All,
    Names(HashSet<String>),
}

impl Exposure {
    pub fn shows(&self, name: &str) -> bool {
        match self {
            Exposure::All => true,
            Exposure::Names(names) => names.contains(name),
        }
    }

    pub fn narrow(&self, names: HashSet<String>) -> Exposure {
        match self {
            Exposure::All => Exposure::Names(names),
            Exposure::Names(outer) => Exposure::Names(names.intersection(outer).cloned().collect()),
        }
    }

    /// What a child module `name` (declared with `vis`) shows, given the
    /// parent's `pub use` re-exports (`reexported`, from [`reexports_of`]).
    pub fn of_child(
        &self,
        name: &str,
        vis: &Visibility,
        reexported: &[(String, Option<HashSet<String>>)],
    ) -> Exposure {
        if is_pub(vis) && self.shows(name) {
            return Exposure::All;
        }
        let mut child: Option<Exposure> = None;
        for (module, names) in reexported {
            if module != name {
                continue;
            }
            child = Some(match (names, child) {
                (None, _) => self.clone(),
                (Some(n), Some(Exposure::Names(mut prev))) => {
                    prev.extend(n.iter().cloned());
                    self.narrow(prev)
                }
                (Some(_), Some(Exposure::All)) => self.clone(),
                (Some(n), None) => self.narrow(n.clone()),
            });
        }
        child.unwrap_or(Exposure::Names(HashSet::new()))
    }
}

pub fn has_attr(attrs: &[Attribute], path: &str, arg: &str) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident(path)
            && a.meta
                .to_token_stream()
                .to_string()
                .replace(' ', "")
                .contains(arg)
    })
}

/// `#[doc(hidden)]` and `#[cfg(test)]` items are not part of the surface.
pub fn skipped(attrs: &[Attribute]) -> bool {
    has_attr(attrs, "doc", "hidden") || has_attr(attrs, "cfg", "test")
}

pub fn is_pub(vis: &Visibility) -> bool {
    matches!(vis, Visibility::Public(_))
}

/// The child modules a level's `pub use`s re-export, each with the names
/// it re-exports (`None`: a glob).
pub fn reexports(items: &[Item]) -> Vec<(String, Option<HashSet<String>>)> {
    items
        .iter()
        .filter_map(|item| match item {
            Item::Use(u) if is_pub(&u.vis) => reexports_of(&u.tree),
            _ => None,
        })
        .collect()
}

/// The module a `pub use` re-exports from, and the names it re-exports
/// (`None`: a glob). A renamed re-export is shown under its new name but
/// defined under the old one; names are compared by definition.
fn reexports_of(tree: &UseTree) -> Option<(String, Option<HashSet<String>>)> {
    let UseTree::Path(p) = tree else { return None };
    let (module, rest) = if p.ident == "self" {
        let UseTree::Path(q) = &*p.tree else { return None };
        (q.ident.to_string(), &*q.tree)
    } else {
        (p.ident.to_string(), &*p.tree)
    };
    let mut names = HashSet::new();
    if defined_names(rest, &mut names) {
        Some((module, None))
    } else {
        Some((module, Some(names)))
    }
}

/// The names a `use` tree brings in, by their definition; true for a glob.
fn defined_names(tree: &UseTree, out: &mut HashSet<String>) -> bool {
    match tree {
        UseTree::Path(p) => defined_names(&p.tree, out),
        UseTree::Name(n) => {
            out.insert(n.ident.to_string());
            false
        }
        UseTree::Rename(r) => {
            out.insert(r.ident.to_string());
            false
        }
        UseTree::Glob(_) => true,
        UseTree::Group(g) => {
            // Every item, even after a glob: their names count too.
            let mut glob = false;
            for t in &g.items {
                glob |= defined_names(t, out);
            }
            glob
        }
    }
}
