//! No name eagerly writes captures a user's name: tables and columns named like every
//! alias, helper column and function argument eagerly uses (`t0`, `j1`, `c1`, `l0`,
//! `__rank`, `value`, `key`, `eagerly`, ..) load exactly what they hold, through every
//! kind of statement that uses those names.

//! On SQLite and on PostgreSQL (`on_every_backend!`, `common/mod.rs`), whose statements
//! add names of their own (a count's grouped pass is `c1 ("key", "count")`).

#[macro_use]
mod common;
#[path = "common/postgres.rs"]
mod postgres_server;

use common::Backend;
use eagerly::{Executor, Model};

on_every_backend!(
    setup = crate::fill;
    a_per_parent_limit_is_not_captured_by_a_column_named_like_its_rank,
    joins_counts_and_batches_through_tables_named_like_aliases,
);

/// A table named like the queried table's alias, with columns named like the others.
#[derive(Model, Debug, Clone, PartialEq)]
#[model(table = "t0", has_many(j1 = Shadow, fk = t0), many_to_many(l0 = Value, through = Pair, from = t0, to = value))]
pub struct Outer {
    #[model(primary_key)]
    pub id: i64,
    #[model(column = "c1")]
    pub c1: String,
    #[model(column = "__rank")]
    pub rank: i64,
}

/// A table named like a join's alias, whose columns are named like eagerly's helpers.
#[derive(Model, Debug, Clone, PartialEq)]
#[model(table = "j1")]
pub struct Shadow {
    #[model(primary_key)]
    pub id: i64,
    #[model(column = "t0", belongs_to(outer = Outer))]
    pub t0: i64,
    #[model(column = "__rank")]
    pub rank: i64,
    #[model(column = "__RANK2")]
    pub rank2: i64,
    #[model(column = "value")]
    pub value: String,
    #[model(column = "key")]
    pub key: i64,
    #[model(column = "count")]
    pub count: i64,
}

/// A table named like a count's alias.
#[derive(Model, Debug, Clone, PartialEq)]
#[model(table = "c1")]
pub struct Value {
    #[model(primary_key)]
    pub id: i64,
    #[model(column = "eagerly")]
    pub eagerly: String,
}

/// A table of pairs named like the link table's alias, its columns like `json_each`'s.
#[derive(Model, Debug, Clone, PartialEq)]
#[model(table = "l0")]
pub struct Pair {
    #[model(primary_key, column = "key", belongs_to(outer = Outer))]
    pub t0: i64,
    #[model(primary_key, column = "value", belongs_to(value_row = Value))]
    pub value: i64,
}

const OUTERS: i64 = 1_500;

/// Outer rows 1..=1500, each with shadows `id * 10 + 0..3` whose `__rank` runs against
/// their id, and values linked every third.
fn fill<C: ?Sized>(db: &mut C)
where
    for<'a> &'a mut C: Executor,
{
    eagerly::create_tables(&mut *db, &[Outer::TABLE, Shadow::TABLE, Value::TABLE, Pair::TABLE])
        .unwrap();
    Outer::insert_all(
        &mut *db,
        (1..=OUTERS).map(|id| Outer { id, c1: format!("o{id}"), rank: -id }),
    )
    .unwrap();
    let shadows = (1..=OUTERS).flat_map(|outer| {
        (0..3).map(move |i| Shadow {
            id: outer * 10 + i,
            t0: outer,
            rank: 100 - i,
            rank2: i,
            value: format!("v{i}"),
            key: i,
            count: -1,
        })
    });
    Shadow::insert_all(&mut *db, shadows).unwrap();
    Value::insert_all(&mut *db, (1..=5).map(|id| Value { id, eagerly: format!("e{id}") })).unwrap();
    let pairs = (1..=OUTERS).filter(|o| o % 3 == 0).map(|o| Pair { t0: o, value: 1 + o % 5 });
    Pair::insert_all(&mut *db, pairs).unwrap();
}

fn a_per_parent_limit_is_not_captured_by_a_column_named_like_its_rank<C: ?Sized>(
    db: &mut C,
    _: Backend,
) where
    for<'a> &'a mut C: Executor,
{
    // Each outer row's two shadows with the lowest `__rank`: the last two by id.
    let outers = Outer::query()
        .prefetch_with(Outer::j1, |shadows| shadows.order_by(Shadow::rank.asc()).limit(2))
        .all(&mut *db)
        .unwrap();
    assert_eq!(outers.len(), OUTERS as usize);
    for outer in &outers {
        let ids: Vec<i64> = outer.j1().iter().map(|s| s.id).collect();
        assert_eq!(ids, [outer.id * 10 + 2, outer.id * 10 + 1], "outer {}", outer.id);
    }
    let (_, log) = eagerly::capture(|| {
        Outer::query()
            .filter(Outer::id.le(2))
            .prefetch_with(Outer::j1, |shadows| shadows.offset(1).limit(1))
            .all(&mut *db)
            .unwrap()
    });
    assert!(log.sql()[1].contains(r#"AS "__rank3""#), "{}", log.sql()[1]);
}

fn joins_counts_and_batches_through_tables_named_like_aliases<C: ?Sized>(
    db: &mut C,
    backend: Backend,
) where
    for<'a> &'a mut C: Executor,
{
    let shadows = Shadow::query()
        .select_related(Shadow::outer)
        .filter(Shadow::key.eq(1) & Shadow::value.eq("v1"))
        .order_by(Shadow::id.asc())
        .all(&mut *db)
        .unwrap();
    assert_eq!(shadows.len(), OUTERS as usize);
    assert!(shadows.iter().all(|s| s.outer().id == s.t0 && s.outer().c1 == format!("o{}", s.t0)));
    assert!(shadows.iter().all(|s| s.count == -1));

    let outers = Outer::query()
        .with_count(Outer::j1)
        .with_count(Outer::l0)
        .prefetch(Outer::l0)
        .order_by(Outer::id.asc())
        .all(&mut *db)
        .unwrap();
    for outer in &outers {
        assert_eq!(outer.j1_count(), 3);
        let linked: Vec<i64> = outer.l0().iter().map(|v| v.id).collect();
        let expected: Vec<i64> = if outer.id % 3 == 0 { vec![1 + outer.id % 5] } else { vec![] };
        assert_eq!(linked, expected, "outer {}", outer.id);
        assert_eq!(outer.l0_count(), expected.len());
        assert!(outer.l0().iter().all(|v| v.eagerly == format!("e{}", v.id)));
    }

    // Long lists, sent as JSON (`json_each` has a `key` and a `value` column).
    let wanted: Vec<i64> = (1..=OUTERS).filter(|o| o % 5 != 0).collect();
    let (found, log) = eagerly::capture(|| {
        Outer::query()
            .filter(Outer::id.is_in(wanted.clone()) & Outer::rank.lt(0))
            .prefetch(Outer::l0)
            .prefetch(Outer::j1)
            .all(&mut *db)
            .unwrap()
    });
    let list = backend.pick("json_each", "= ANY($1)");
    assert!(log.sql()[0].contains(list), "{}", log.sql()[0]);
    assert_eq!(found.iter().map(|o| o.id).collect::<Vec<_>>(), wanted);
    assert!(found.iter().all(|o| o.j1().len() == 3));
    let pairs: usize = found.iter().map(|o| o.l0().len()).sum();
    assert_eq!(pairs, wanted.iter().filter(|o| *o % 3 == 0).count());
}
