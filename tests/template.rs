//! The seed's page: an askama template calls `author.books()`, which exists because the
//! query prefetched the books, and the whole page takes 2 queries whatever the number of
//! authors. (`tests/ui/eager/template_unloaded.rs` is the same template on rows without
//! books: it does not compile.) On SQLite and on PostgreSQL (`on_every_backend!`).

#[macro_use]
mod common;
#[path = "common/postgres.rs"]
mod postgres_server;

use askama::Template;
use common::*;
use eagerly::{Executor, row};

on_every_backend!(the_template_renders_prefetched_books_in_two_queries);

/// The template of `examples/author_book_list.rs`.
#[derive(Template)]
#[template(path = "author_book_list.html")]
struct AuthorList<'a> {
    authors: &'a [AuthorWithBooks],
}

type AuthorWithBooks = row!(Author { books });

fn the_template_renders_prefetched_books_in_two_queries<C: ?Sized>(db: &mut C, _: Backend)
where
    for<'a> &'a mut C: Executor,
{
    let (html, log) = eagerly::capture(|| {
        let authors = Author::query()
            .prefetch(Author::books)
            .order_by(Author::id.asc())
            .all(&mut *db)
            .unwrap();
        AuthorList { authors: &authors }.render().unwrap()
    });
    assert_eq!(
        html,
        concat!(
            "<h2>Ann Leckie</h2><ul><li>Ancillary Justice</li><li>100% Rust</li><li>1000 Rusty Nails</li></ul>\n",
            "<h2>Brandon Sanderson</h2><ul><li>snake_case for *everyone*?</li><li>C:\\Books\\[draft]</li><li>the rust programming language</li></ul>\n",
            "<h2>Carol Shields</h2><ul></ul>\n"
        )
    );
    assert_eq!(log.len(), 2, "{log}");
}
