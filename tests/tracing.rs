//! With the `tracing` feature, each statement is an `eagerly.query` span carrying its SQL,
//! table, rows and duration, for any subscriber; on SQLite and on PostgreSQL
//! (`on_every_backend!`, `common/mod.rs`).

#[macro_use]
mod common;
#[path = "common/postgres.rs"]
mod postgres_server;

use std::sync::{Arc, Mutex};

use common::*;
use eagerly::Executor;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// A span's name and its fields, as text.
type SpanSeen = (String, Vec<(String, String)>);

/// Keeps every span's name and fields.
#[derive(Clone, Default)]
struct Spans(Arc<Mutex<Vec<SpanSeen>>>);

struct Fields<'a>(&'a mut Vec<(String, String)>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.push((field.name().to_string(), format!("{value:?}")));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.push((field.name().to_string(), value.to_string()));
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.push((field.name().to_string(), value.to_string()));
    }
}

on_every_backend!(every_statement_is_a_span_with_sql_rows_and_duration);

impl Subscriber for Spans {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let mut fields = Vec::new();
        span.record(&mut Fields(&mut fields));
        let mut spans = self.0.lock().unwrap();
        spans.push((span.metadata().name().to_string(), fields));
        Id::from_u64(spans.len() as u64)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, _: &Event<'_>) {}
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

fn every_statement_is_a_span_with_sql_rows_and_duration<C: ?Sized>(db: &mut C, backend: Backend)
where
    for<'a> &'a mut C: Executor,
{
    let spans = Spans::default();
    tracing::subscriber::with_default(spans.clone(), || {
        Author::query().prefetch(Author::books).all(&mut *db).unwrap();
    });
    let spans = spans.0.lock().unwrap();
    assert_eq!(spans.len(), 2);
    let (name, fields) = &spans[1];
    assert_eq!(name, "eagerly.query");
    let field = |name: &str| fields.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str());
    assert_eq!(
        field("sql"),
        Some(
            backend
                .sql(&format!(
                    r#"SELECT t0."id", t0."title", t0."author_id" FROM "books" t0 WHERE t0."author_id" {} ORDER BY t0."author_id" ASC, t0."id" ASC"#,
                    backend.in_list(3)
                ))
                .as_str()
        )
    );
    assert_eq!((field("table"), field("rows")), (Some("books"), Some("6")));
    assert!(field("duration_us").is_some());
    assert!(field("location").unwrap().starts_with("tests/tracing.rs:"));
}
