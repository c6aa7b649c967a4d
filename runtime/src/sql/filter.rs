//! `WHERE` clauses.

use rusqlite::types::Value;

use super::{Alias, Statement, Test};
use crate::error::{Error, Result};
use crate::filter::{CompareOp, Expr, PatternKind};

/// Writes `expr` as a condition on the table aliased `alias`, noting each column it tests
/// in the statement's shape.
pub(crate) fn condition(
    out: &mut Statement,
    table: &'static str,
    alias: Alias,
    expr: &Expr,
) -> Result<()> {
    let tested = |out: &mut Statement, column: &'static str, test: Test| {
        out.note_filter(alias, column, test);
    };
    match expr {
        Expr::Compare { column, op, value } => {
            tested(
                out,
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
                    out.push(match op {
                        CompareOp::Eq => " = ",
                        // `IS NOT` keeps filters two-valued: a NULL column is "not equal".
                        CompareOp::Ne => " IS NOT ",
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
            tested(out, column, Test::Equal);
            let (nulls, values): (Vec<&Value>, Vec<&Value>) =
                values.iter().partition(|v| matches!(v, Value::Null));
            match (values.is_empty(), nulls.is_empty()) {
                (true, true) => out.push("FALSE"),
                (true, false) => {
                    out.column(alias, column);
                    out.push(" IS NULL");
                }
                (false, has_no_null) => {
                    if !has_no_null {
                        out.push("(");
                    }
                    out.column(alias, column);
                    out.push(" IN (");
                    out.list(values, |out, v| out.param(v.clone()));
                    out.push(")");
                    if !has_no_null {
                        out.push(" OR ");
                        out.column(alias, column);
                        out.push(" IS NULL)");
                    }
                }
            }
        }
        Expr::IsNull { column, negated } => {
            tested(out, column, if *negated { Test::Other } else { Test::Equal });
            out.column(alias, column);
            out.push(if *negated { " IS NOT NULL" } else { " IS NULL" });
        }
        Expr::Pattern { column, kind, text } => {
            let test = match kind {
                PatternKind::StartsWith => Test::Prefix,
                PatternKind::IStartsWith | PatternKind::IExact => Test::PrefixIgnoringCase,
                _ => Test::Inside,
            };
            tested(out, column, test);
            out.column(alias, column);
            let (operator, pattern) = pattern(*kind, text);
            out.push(operator);
            out.param(Value::Text(pattern));
            if operator == " LIKE " {
                out.push(r" ESCAPE '\'");
            }
        }
        Expr::All(parts) => group(out, table, alias, parts, " AND ", "TRUE")?,
        Expr::Any(parts) => group(out, table, alias, parts, " OR ", "FALSE")?,
        Expr::Not(inner) => {
            // `IS NOT TRUE` rather than `NOT`: a row whose inner condition is NULL (a NULL
            // column) does not match the inner filter, so it matches its negation.
            out.push("(");
            let before = out.filters_noted();
            condition(out, table, alias, inner)?;
            out.negate_filters_from(before);
            out.push(") IS NOT TRUE");
        }
        Expr::Unbindable { column, message } => {
            return Err(Error::Bind {
                table,
                column,
                source: rusqlite::Error::ToSqlConversionFailure(message.clone().into()),
            });
        }
    }
    Ok(())
}

fn group(
    out: &mut Statement,
    table: &'static str,
    alias: Alias,
    parts: &[Expr],
    separator: &str,
    empty: &str,
) -> Result<()> {
    if parts.is_empty() {
        out.push(empty);
        return Ok(());
    }
    out.push("(");
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            out.push(separator);
        }
        condition(out, table, alias, part)?;
    }
    out.push(")");
    Ok(())
}

/// The operator and pattern for a text filter. Case-sensitive filters use `GLOB`, whose
/// wildcards `*`, `?` and `[` are escaped as one-character classes; the others use `LIKE`
/// (ASCII case-insensitive in SQLite) with `\` escaping `%`, `_` and itself. Both forms
/// can use an index for a prefix match (`GLOB` an ordinary one, `LIKE` a `NOCASE` one).
fn pattern(kind: PatternKind, text: &str) -> (&'static str, String) {
    let glob = |prefix: &str, suffix: &str| {
        let mut p = String::with_capacity(text.len() + 2);
        p.push_str(prefix);
        for c in text.chars() {
            match c {
                '*' => p.push_str("[*]"),
                '?' => p.push_str("[?]"),
                '[' => p.push_str("[[]"),
                c => p.push(c),
            }
        }
        p.push_str(suffix);
        (" GLOB ", p)
    };
    let like = |prefix: &str, suffix: &str| {
        let mut p = String::with_capacity(text.len() + 2);
        p.push_str(prefix);
        for c in text.chars() {
            if matches!(c, '%' | '_' | '\\') {
                p.push('\\');
            }
            p.push(c);
        }
        p.push_str(suffix);
        (" LIKE ", p)
    };
    match kind {
        PatternKind::Contains => glob("*", "*"),
        PatternKind::StartsWith => glob("", "*"),
        PatternKind::EndsWith => glob("*", ""),
        PatternKind::IExact => like("", ""),
        PatternKind::IContains => like("%", "%"),
        PatternKind::IStartsWith => like("", "%"),
        PatternKind::IEndsWith => like("%", ""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::StatementKind;

    #[test]
    fn the_shape_notes_each_tested_column_and_how() {
        let e = Expr::All(vec![
            Expr::Compare { column: "a", op: CompareOp::Eq, value: Value::Integer(1) },
            Expr::Pattern { column: "b", kind: PatternKind::IContains, text: "x".into() },
            Expr::Not(Box::new(Expr::Pattern {
                column: "c",
                kind: PatternKind::StartsWith,
                text: "y".into(),
            })),
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
        let mut out = Statement::new(StatementKind::Select);
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
        let e = Expr::Not(Box::new(Expr::Any(vec![
            compare(CompareOp::Eq, Value::Integer(1)),
            Expr::All(vec![
                compare(CompareOp::Gt, Value::Integer(2)),
                Expr::IsNull { column: "d", negated: false },
            ]),
        ])));
        assert_eq!(
            render(&e).text,
            r#"((t0."c" = ? OR (t0."c" > ? AND t0."d" IS NULL))) IS NOT TRUE"#
        );
    }

    #[test]
    fn text_patterns_escape_their_wildcards() {
        let p = |kind, text| {
            let s = render(&Expr::Pattern { column: "c", kind, text: String::from(text) });
            (s.text, s.params)
        };
        assert_eq!(
            p(PatternKind::Contains, "a*b?[c]%_\\"),
            (r#"t0."c" GLOB ?"#.into(), vec![Value::Text(r"*a[*]b[?][[]c]%_\*".into())])
        );
        assert_eq!(
            p(PatternKind::IStartsWith, r"50%_\"),
            (r#"t0."c" LIKE ? ESCAPE '\'"#.into(), vec![Value::Text(r"50\%\_\\%".into())])
        );
        assert_eq!(p(PatternKind::EndsWith, "x").1, [Value::Text("*x".into())]);
        assert_eq!(p(PatternKind::IExact, "x").1, [Value::Text("x".into())]);
    }

    #[test]
    fn an_unbindable_value_is_an_error_naming_table_and_column() {
        let mut out = Statement::new(StatementKind::Select);
        let e = Expr::Unbindable { column: "c", message: "too big".into() };
        let err = condition(&mut out, "t", Alias::Base, &e).unwrap_err();
        assert!(matches!(err, Error::Bind { table: "t", column: "c", .. }), "{err}");
    }
}
