//! Aliases: other names for collections, changed in groups.

use crate::proto;

/// One change to aliases, for [`Client::update_collection_aliases`](crate::Client::update_collection_aliases).
///
/// ```
/// use qdrant_async::AliasOperation;
///
/// let swap = [
///     AliasOperation::delete("production"),
///     AliasOperation::create("products_v2", "production"),
/// ];
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AliasOperation {
    /// Makes `alias_name` another name for `collection_name`.
    Create {
        /// The collection.
        collection_name: String,
        /// The new alias.
        alias_name: String,
    },
    /// Renames an alias.
    Rename {
        /// The alias's current name.
        old_alias_name: String,
        /// Its new name.
        new_alias_name: String,
    },
    /// Deletes an alias (not the collection).
    Delete {
        /// The alias.
        alias_name: String,
    },
}

impl AliasOperation {
    /// Makes `alias_name` another name for `collection_name`.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::AliasOperation;
    ///
    /// client.update_collection_aliases([AliasOperation::create("products_v2", "products")]).await?;
    /// # Ok(()) }
    /// ```
    pub fn create(collection_name: impl Into<String>, alias_name: impl Into<String>) -> Self {
        AliasOperation::Create {
            collection_name: collection_name.into(),
            alias_name: alias_name.into(),
        }
    }

    /// Renames an alias.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::AliasOperation;
    ///
    /// client.update_collection_aliases([AliasOperation::rename("products", "catalog")]).await?;
    /// # Ok(()) }
    /// ```
    pub fn rename(old_alias_name: impl Into<String>, new_alias_name: impl Into<String>) -> Self {
        AliasOperation::Rename {
            old_alias_name: old_alias_name.into(),
            new_alias_name: new_alias_name.into(),
        }
    }

    /// Deletes an alias.
    ///
    /// ```no_run
    /// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
    /// use qdrant_async::AliasOperation;
    ///
    /// client.update_collection_aliases([AliasOperation::delete("products")]).await?;
    /// # Ok(()) }
    /// ```
    pub fn delete(alias_name: impl Into<String>) -> Self {
        AliasOperation::Delete {
            alias_name: alias_name.into(),
        }
    }

    /// The name this operation must not leave empty, and which argument it is.
    pub(crate) fn names(&self) -> Vec<(&str, &'static str)> {
        match self {
            AliasOperation::Create {
                collection_name,
                alias_name,
            } => {
                vec![(collection_name, "collection_name"), (alias_name, "alias_name")]
            }
            AliasOperation::Rename {
                old_alias_name,
                new_alias_name,
            } => {
                vec![
                    (old_alias_name, "old_alias_name"),
                    (new_alias_name, "new_alias_name"),
                ]
            }
            AliasOperation::Delete { alias_name } => vec![(alias_name, "alias_name")],
        }
    }
}

impl From<AliasOperation> for proto::AliasOperations {
    fn from(op: AliasOperation) -> Self {
        use proto::alias_operations::Action;
        let action = match op {
            AliasOperation::Create {
                collection_name,
                alias_name,
            } => Action::CreateAlias(proto::CreateAlias {
                collection_name,
                alias_name,
            }),
            AliasOperation::Rename {
                old_alias_name,
                new_alias_name,
            } => Action::RenameAlias(proto::RenameAlias {
                old_alias_name,
                new_alias_name,
            }),
            AliasOperation::Delete { alias_name } => Action::DeleteAlias(proto::DeleteAlias { alias_name }),
        };
        proto::AliasOperations { action: Some(action) }
    }
}

/// An alias and the collection it names.
///
/// ```no_run
/// # async fn run(client: qdrant_async::Client) -> anyhow::Result<()> {
/// for alias in client.get_aliases().await? {
///     println!("{} -> {}", alias.alias_name, alias.collection_name);
/// }
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct AliasDescription {
    /// The alias.
    pub alias_name: String,
    /// The collection it names.
    pub collection_name: String,
}

impl From<proto::AliasDescription> for AliasDescription {
    fn from(a: proto::AliasDescription) -> Self {
        AliasDescription {
            alias_name: a.alias_name,
            collection_name: a.collection_name,
        }
    }
}
