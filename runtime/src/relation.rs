//! Relations between models, as the runtime sees them: the SQL shape (`Link`) and the
//! type-level cardinality (`Card`). `#[derive(Model)]` makes one marker type per relation
//! (`Author::books` is an `AuthorBooks`) implementing [`Relation`].

use crate::model::Model;
use crate::schema::Table;

/// How a relation is stored.
#[derive(Debug, Clone, Copy)]
pub enum Link {
    /// The target's `fk` column holds the source's primary key (`Author::books`:
    /// `book.author_id = author.id`).
    HasMany {
        /// Foreign-key column of the target table.
        fk: &'static str,
    },
    /// The source's `fk` column holds the target's primary key (`Book::author`:
    /// `book.author_id = author.id`).
    BelongsTo {
        /// Foreign-key column of the source table.
        fk: &'static str,
    },
    /// A table of pairs links the two (`Book::tags` through `book_tag`).
    ManyToMany {
        /// The table of pairs.
        through: &'static Table,
        /// Its column holding the source's primary key.
        from: &'static str,
        /// Its column holding the target's primary key.
        to: &'static str,
    },
}

/// A relation of model `From` to model `To`, named like `Author::books`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a relation",
    label = "expected a relation such as `Author::books`",
    note = "relations are declared with `belongs_to`, `has_many` and `many_to_many` in `#[model(..)]`"
)]
pub trait Relation: Copy + Send + Sync + 'static {
    /// The model the relation is declared on.
    type From: Model;
    /// The related model.
    type To: Model;
    /// How many `To` rows one `From` row has: [`ToMany`], [`ToOne`] or [`ToOptional`].
    type Card: Card;
    /// `"Author::books"`, for messages.
    const NAME: &'static str;
    /// How the relation is stored.
    const LINK: Link;
}

/// The cardinality of a relation, and the slot type its loaded rows take.
pub trait Card: Send + Sync + 'static {}

/// Any number of related rows: `has_many`, `many_to_many`.
#[derive(Debug, Clone, Copy)]
pub struct ToMany;
/// Exactly one related row: `belongs_to` through a NOT NULL foreign key.
#[derive(Debug, Clone, Copy)]
pub struct ToOne;
/// At most one related row: `belongs_to` through a nullable foreign key.
#[derive(Debug, Clone, Copy)]
pub struct ToOptional;

impl Card for ToMany {}
impl Card for ToOne {}
impl Card for ToOptional {}
