//! `WHERE` clauses.
//!
//! Text filters match exactly what Rust's `str` methods match, for every string: no
//! function here stops at a NUL character or limits the pattern's length, and the `i..`
//! forms fold ASCII letters only, as `to_ascii_lowercase` does (SQLite's `lower()` without
//! the ICU extension). `contains` is `instr(..) > 0`; `ends_with` compares the value's last
//! bytes (`substr(CAST(.. AS BLOB), -n)`); `starts_with` is `GLOB 'prefix*'`, which an
//! ordinary index serves, where that is exact (a prefix without NUL, within SQLite's
//! pattern length), else it compares the first bytes. Comparisons (`eq`, `lt`, `is_in`, ..)
//! follow the column's collation: BINARY, byte for byte as Rust compares strings, on every
//! table eagerly creates.
//!
//! On PostgreSQL the same filters match the same strings (text there cannot hold NUL: such
//! a value is the server's error): `contains` is `position(.. IN ..) > 0`, `starts_with`
//! and `ends_with` are `LIKE` with the pattern's `%`, `_` and `\` escaped, and the `i..`
//! forms fold ASCII letters only with `translate`, not `lower()` or `ILIKE`, which fold
//! as the database's locale says.

use crate::value::Value;

use super::values::Sent;
use super::{Dialect, Statement};
use crate::error::{Error, Result};
use crate::filter::{CompareOp, Expr, FLAT_GROUP, PatternKind};
use crate::plan::alias::Alias;
use crate::plan::statement::Test;

/// SQLite's limit on the length of a `GLOB` pattern, in bytes
/// (`SQLITE_MAX_LIKE_PATTERN_LENGTH`).
const MAX_PATTERN_BYTES: usize = 50_000;

/// Writes `expr` as a condition on the table aliased `alias`, noting each column it tests
/// in the statement's shape.
///
/// Written with a stack of tasks rather than by recursion, so that the depth of the filter
/// never becomes the depth of the call stack.
pub(crate) fn condition(
    out: &mut Statement,
    table: &'static str,
    alias: Alias,
    expr: &Expr,
) -> Result<()> {
    enum Task<'e> {
        Expr(&'e Expr),
        /// Parts of a group, joined by the separator, in parentheses.
        Parts(&'e [Expr], &'static str),
        Text(&'static str),
        /// The conditions noted from this one on were negated.
        NegateFrom(usize),
    }
    let mut tasks = vec![Task::Expr(expr)];
    while let Some(task) = tasks.pop() {
        match task {
            Task::Text(text) => out.push(text),
            Task::NegateFrom(from) => out.negate_filters_from(from),
            Task::Parts(parts, separator) if parts.len() > FLAT_GROUP => {
                // Halves, so that SQLite's tree of a long group stays low (`filter::Group`).
                let (left, right) = parts.split_at(parts.len().div_ceil(2));
                out.push("(");
                tasks.extend([
                    Task::Text(")"),
                    Task::Parts(right, separator),
                    Task::Text(separator),
                    Task::Parts(left, separator),
                ]);
            }
            Task::Parts(parts, separator) => {
                out.push("(");
                tasks.push(Task::Text(")"));
                for (i, part) in parts.iter().enumerate().rev() {
                    tasks.push(Task::Expr(part));
                    if i > 0 {
                        tasks.push(Task::Text(separator));
                    }
                }
            }
            Task::Expr(Expr::All(group)) if group.parts.is_empty() => out.push("TRUE"),
            Task::Expr(Expr::Any(group)) if group.parts.is_empty() => out.push("FALSE"),
            Task::Expr(Expr::All(group)) => tasks.push(Task::Parts(&group.parts, " AND ")),
            Task::Expr(Expr::Any(group)) => tasks.push(Task::Parts(&group.parts, " OR ")),
            Task::Expr(Expr::Not(inner)) => {
                // `IS NOT TRUE` rather than `NOT`: a row whose inner condition is NULL (a
                // NULL column) does not match the inner filter, so it matches its negation.
                out.push("(");
                tasks.extend([
                    Task::Text(") IS NOT TRUE"),
                    Task::NegateFrom(out.filters_noted()),
                    Task::Expr(inner),
                ]);
            }
            Task::Expr(leaf) => condition_on_column(out, table, alias, leaf)?,
        }
    }
    Ok(())
}

/// A condition on one column: everything but `and`, `or` and `not`.
fn condition_on_column(
    out: &mut Statement,
    table: &'static str,
    alias: Alias,
    expr: &Expr,
) -> Result<()> {
    match expr {
        Expr::Compare { column, op, value } => {
            out.note_filter(
                alias,
                column,
                match op {
                    CompareOp::Eq => Test::Equal,
                    CompareOp::Ne => Test::Other,
                    CompareOp::Lt | CompareOp::Le | CompareOp::Gt | CompareOp::Ge => Test::Range,
                },
            );
            out.column(alias, column);
            match (op, value) {
                (CompareOp::Eq, Value::Null) => out.push(" IS NULL"),
                (CompareOp::Ne, Value::Null) => out.push(" IS NOT NULL"),
                _ => {
                    if *op == CompareOp::Eq {
                        out.note_looked_up(alias, column, [value]);
                    }
                    out.push(match op {
                        CompareOp::Eq => " = ",
                        // `IS NOT` keeps filters two-valued: a NULL column is "not equal".
                        CompareOp::Ne => out.dialect.null_safe_not_equal(),
                        CompareOp::Lt => " < ",
                        CompareOp::Le => " <= ",
                        CompareOp::Gt => " > ",
                        CompareOp::Ge => " >= ",
                    });
                    out.param(value.clone());
                }
            }
        }
        Expr::In { column, values } => {
            out.note_filter(alias, column, Test::Equal);
            let (nulls, values): (Vec<&Value>, Vec<&Value>) =
                values.iter().partition(|v| matches!(v, Value::Null));
            match (values.is_empty(), nulls.is_empty()) {
                (true, true) => out.push("FALSE"),
                (true, false) => {
                    out.column(alias, column);
                    out.push(" IS NULL");
                }
                (false, has_no_null) => {
                    out.note_looked_up(alias, column, values.iter().copied());
                    if !has_no_null {
                        out.push("(");
                    }
                    out.column(alias, column);
                    let sent = Sent::choose(out.dialect, values.iter().copied(), out.compact_lists);
                    out.in_values(values, sent);
                    if !has_no_null {
                        out.push(" OR ");
                        out.column(alias, column);
                        out.push(" IS NULL)");
                    }
                }
            }
        }
        Expr::IsNull { column, negated } => {
            out.note_filter(alias, column, if *negated { Test::Other } else { Test::Equal });
            out.column(alias, column);
            out.push(if *negated { " IS NOT NULL" } else { " IS NULL" });
        }
        Expr::Pattern { column, kind, text } => pattern(out, alias, column, *kind, text),
        Expr::Unbindable { column, message } => {
            return Err(Error::Bind {
                table,
                column,
                source: rusqlite::Error::ToSqlConversionFailure(message.clone().into()),
            });
        }
        Expr::TooDeep => return Err(Error::FilterTooDeep { table }),
        Expr::All(_) | Expr::Any(_) | Expr::Not(_) => {
            unreachable!("`condition` writes groups and negations itself")
        }
    }
    Ok(())
}

/// A text filter, exact for every string (see the module's documentation).
fn pattern(out: &mut Statement, alias: Alias, column: &'static str, kind: PatternKind, text: &str) {
    let ignoring_case = matches!(
        kind,
        PatternKind::IExact
            | PatternKind::IContains
            | PatternKind::IStartsWith
            | PatternKind::IEndsWith
    );
    let text = if ignoring_case { text.to_ascii_lowercase() } else { text.to_owned() };
    // Every string contains, starts and ends with the empty one.
    if text.is_empty() && kind != PatternKind::IExact {
        out.note_filter(alias, column, Test::Other);
        out.column(alias, column);
        out.push(" IS NOT NULL");
        return;
    }
    let value = |out: &mut Statement| {
        if ignoring_case {
            let (before, after) = out.dialect.ascii_lowercase();
            out.push(before);
            out.column(alias, column);
            out.push(after);
        } else {
            out.column(alias, column);
        }
    };
    // The same on every backend, the folding aside.
    let equal_ignoring_case = |out: &mut Statement, text: String| {
        out.note_filter(alias, column, Test::IgnoringCase);
        value(out);
        out.push(" = ");
        out.param(Value::Text(text));
    };
    if out.dialect == Dialect::Postgres {
        let (test, pattern) = match kind {
            PatternKind::Contains | PatternKind::IContains => {
                out.note_filter(alias, column, Test::Inside);
                out.push("position(");
                out.param(Value::Text(text));
                out.push(" IN ");
                value(out);
                out.push(") > 0");
                return;
            }
            PatternKind::IExact => return equal_ignoring_case(out, text),
            PatternKind::StartsWith => (Test::Prefix, format!("{}%", like_escaped(&text))),
            PatternKind::IStartsWith => (Test::IgnoringCase, format!("{}%", like_escaped(&text))),
            PatternKind::EndsWith | PatternKind::IEndsWith => {
                (Test::Inside, format!("%{}", like_escaped(&text)))
            }
        };
        out.note_filter(alias, column, test);
        value(out);
        out.push(" LIKE ");
        out.param(Value::Text(pattern));
        out.push(" ESCAPE '\\'");
        return;
    }
    // `CAST(.. AS BLOB)` compares bytes: text functions stop at a NUL. Both sides are in
    // the database's encoding, so `length` counts the same bytes the comparison does.
    let bytes_at = |out: &mut Statement, from_end: bool| {
        out.push("substr(CAST(");
        value(out);
        out.push(if from_end { " AS BLOB), -length(CAST(" } else { " AS BLOB), 1, length(CAST(" });
        out.param(Value::Text(text.clone()));
        out.push(" AS BLOB))) = CAST(");
        out.param(Value::Text(text.clone()));
        out.push(" AS BLOB)");
    };
    match kind {
        PatternKind::Contains | PatternKind::IContains => {
            out.note_filter(alias, column, Test::Inside);
            out.push("instr(");
            value(out);
            out.push(", ");
            out.param(Value::Text(text));
            out.push(") > 0");
        }
        PatternKind::EndsWith | PatternKind::IEndsWith => {
            out.note_filter(alias, column, Test::Inside);
            bytes_at(out, true);
        }
        PatternKind::IExact => equal_ignoring_case(out, text),
        PatternKind::IStartsWith => {
            out.note_filter(alias, column, Test::IgnoringCase);
            bytes_at(out, false);
        }
        PatternKind::StartsWith => match glob_prefix(&text) {
            // Exact: the value is read up to its first NUL, and a prefix without one
            // ends before it.
            Some(glob) => {
                out.note_filter(alias, column, Test::Prefix);
                value(out);
                out.push(" GLOB ");
                out.param(Value::Text(glob));
            }
            None => {
                out.note_filter(alias, column, Test::Other);
                bytes_at(out, false);
            }
        },
    }
}

/// `text` with `LIKE`'s wildcards and its escape character (`\`) escaped.
fn like_escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// `prefix*` with `GLOB`'s wildcards escaped as one-character classes (`[*]`, `[?]`,
/// `[[]`); `None` where `GLOB` would not be exact: a prefix holding NUL, or a pattern
/// longer than SQLite takes.
fn glob_prefix(prefix: &str) -> Option<String> {
    if prefix.contains('\0') {
        return None;
    }
    let mut glob = String::with_capacity(prefix.len() + 1);
    for c in prefix.chars() {
        match c {
            '*' => glob.push_str("[*]"),
            '?' => glob.push_str("[?]"),
            '[' => glob.push_str("[[]"),
            c => glob.push(c),
        }
    }
    glob.push('*');
    (glob.len() <= MAX_PATTERN_BYTES).then_some(glob)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filter::MAX_HEIGHT;
    use crate::plan::statement::StatementKind;
    use crate::sql::Dialect;

    #[test]
    fn the_shape_notes_each_tested_column_and_how() {
        let e = Expr::all([
            Expr::Compare { column: "a", op: CompareOp::Eq, value: Value::Integer(1) },
            Expr::Pattern { column: "b", kind: PatternKind::IContains, text: "x".into() },
            Expr::not(Expr::Pattern {
                column: "c",
                kind: PatternKind::StartsWith,
                text: "y".into(),
            }),
        ]);
        let ((), _) = crate::log::within(crate::log::Frame::inspecting(), || {
            let shape = render(&e).shape.expect("an inspection records shapes");
            let tests: Vec<(&str, Test)> =
                shape.filters.iter().map(|f| (f.column, f.test)).collect();
            assert_eq!(tests, [("a", Test::Equal), ("b", Test::Inside), ("c", Test::Other)]);
        });
        assert!(render(&e).shape.is_none(), "nothing is recorded outside inspections");
    }

    fn render(expr: &Expr) -> Statement {
        let mut out = Statement::new(Dialect::Sqlite, StatementKind::Select);
        condition(&mut out, "t", Alias::Base, expr).unwrap();
        out
    }

    fn compare(op: CompareOp, value: Value) -> Expr {
        Expr::Compare { column: "c", op, value }
    }

    #[test]
    fn comparisons_bind_their_values() {
        let s = render(&compare(CompareOp::Le, Value::Integer(3)));
        assert_eq!(s.text, r#"t0."c" <= ?"#);
        assert_eq!(s.params, [Value::Integer(3)]);
    }

    #[test]
    fn comparing_with_null_tests_for_null() {
        assert_eq!(render(&compare(CompareOp::Eq, Value::Null)).text, r#"t0."c" IS NULL"#);
        assert_eq!(render(&compare(CompareOp::Ne, Value::Null)).text, r#"t0."c" IS NOT NULL"#);
        assert_eq!(render(&compare(CompareOp::Ne, Value::Integer(1))).text, r#"t0."c" IS NOT ?"#);
    }

    #[test]
    fn in_lists_handle_empty_and_null() {
        let empty = Expr::In { column: "c", values: vec![] };
        assert_eq!(render(&empty).text, "FALSE");
        let with_null = Expr::In { column: "c", values: vec![Value::Integer(1), Value::Null] };
        let s = render(&with_null);
        assert_eq!(s.text, r#"(t0."c" IN (?) OR t0."c" IS NULL)"#);
        assert_eq!(s.params, [Value::Integer(1)]);
    }

    #[test]
    fn groups_and_negation_nest() {
        let e = Expr::not(Expr::any([
            compare(CompareOp::Eq, Value::Integer(1)),
            Expr::all([
                compare(CompareOp::Gt, Value::Integer(2)),
                Expr::IsNull { column: "d", negated: false },
            ]),
        ]));
        assert_eq!(
            render(&e).text,
            r#"((t0."c" = ? OR (t0."c" > ? AND t0."d" IS NULL))) IS NOT TRUE"#
        );
    }

    #[test]
    fn a_long_group_is_written_in_halves_and_stays_low() {
        let parts = |n: i64| Expr::any((0..n).map(|i| compare(CompareOp::Eq, Value::Integer(i))));
        let eight = render(&parts(8)).text;
        assert_eq!(eight.matches('(').count(), 1, "up to eight parts are flat: {eight}");
        assert_eq!(
            render(&parts(9)).text,
            r#"((t0."c" = ? OR t0."c" = ? OR t0."c" = ? OR t0."c" = ? OR t0."c" = ?) OR (t0."c" = ? OR t0."c" = ? OR t0."c" = ? OR t0."c" = ?))"#
        );
        let wide = parts(100_000);
        assert!(wide.height() < 30, "{}", wide.height());
        assert_eq!(render(&wide).params.len(), 100_000);
    }

    #[test]
    fn text_patterns_match_bytes_and_escape_globs() {
        let p = |kind, text: &str| {
            let s = render(&Expr::Pattern { column: "c", kind, text: String::from(text) });
            (s.text, s.params)
        };
        let text = |t: &str| Value::Text(t.into());
        assert_eq!(
            p(PatternKind::StartsWith, "a*b?[c]%_\\"),
            (r#"t0."c" GLOB ?"#.into(), vec![text(r"a[*]b[?][[]c]%_\*")])
        );
        assert_eq!(
            p(PatternKind::Contains, "50%_"),
            (r#"instr(t0."c", ?) > 0"#.into(), vec![text("50%_")])
        );
        assert_eq!(
            p(PatternKind::IContains, "ÉtÉ"),
            (r#"instr(lower(t0."c"), ?) > 0"#.into(), vec![text("ÉtÉ")]),
            "ASCII letters only are folded"
        );
        assert_eq!(
            p(PatternKind::IEndsWith, "X"),
            (
                r#"substr(CAST(lower(t0."c") AS BLOB), -length(CAST(? AS BLOB))) = CAST(? AS BLOB)"#.into(),
                vec![text("x"), text("x")]
            )
        );
        assert_eq!(p(PatternKind::IExact, "AbC").0, r#"lower(t0."c") = ?"#);
        // A NUL, or a pattern longer than GLOB takes: the first bytes are compared.
        let first_bytes =
            r#"substr(CAST(t0."c" AS BLOB), 1, length(CAST(? AS BLOB))) = CAST(? AS BLOB)"#;
        assert_eq!(p(PatternKind::StartsWith, "a\0").0, first_bytes);
        assert_eq!(p(PatternKind::StartsWith, &"*".repeat(20_000)).0, first_bytes);
        assert_eq!(p(PatternKind::StartsWith, &"x".repeat(40_000)).0, r#"t0."c" GLOB ?"#);
        // Every string contains the empty one.
        assert_eq!(p(PatternKind::EndsWith, "").0, r#"t0."c" IS NOT NULL"#);
    }

    #[test]
    fn an_unbindable_value_is_an_error_naming_table_and_column() {
        let mut out = Statement::new(Dialect::Sqlite, StatementKind::Select);
        let e = Expr::Unbindable { column: "c", message: "too big".into() };
        let err = condition(&mut out, "t", Alias::Base, &e).unwrap_err();
        assert!(matches!(err, Error::Bind { table: "t", column: "c", .. }), "{err}");
    }

    #[test]
    fn a_filter_too_deep_for_sqlite_is_an_error_and_never_recursion() {
        let mut deep = compare(CompareOp::Eq, Value::Integer(0));
        for i in 0..200_000 {
            deep = Expr::all([
                Expr::any([deep, compare(CompareOp::Eq, Value::Integer(i))]),
                compare(CompareOp::Gt, Value::Integer(i)),
            ]);
            deep = if i % 3 == 0 { Expr::not(deep) } else { deep };
        }
        assert_eq!(deep, Expr::TooDeep);
        let mut out = Statement::new(Dialect::Sqlite, StatementKind::Select);
        let err = condition(&mut out, "t", Alias::Base, &deep).unwrap_err();
        assert!(matches!(err, Error::FilterTooDeep { table: "t" }), "{err}");

        // Just below the limit: written without recursion, on a thread with a small stack.
        let mut high = compare(CompareOp::Eq, Value::Integer(0));
        loop {
            let higher =
                Expr::not(Expr::all([high.clone(), compare(CompareOp::Eq, Value::Integer(1))]));
            if higher == Expr::TooDeep {
                break;
            }
            high = higher;
        }
        assert!(high.height() > MAX_HEIGHT - 3, "{}", high.height());
        let sql = std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(move || render(&high).text.len())
            .unwrap()
            .join()
            .unwrap();
        assert!(sql > 4_000, "{sql}");
    }
}
