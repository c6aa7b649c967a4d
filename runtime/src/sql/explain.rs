//! Query plans: the statement that asks for one (SQLite's `EXPLAIN QUERY PLAN`,
//! PostgreSQL's `EXPLAIN (FORMAT JSON)`), the plan as indented lines (what
//! [`QueryRecord::plan`](crate::log::QueryRecord) shows), and what the inspector needs of
//! it, as backend-neutral [`PlanStep`]s.

use crate::plan::statement::{PlanStep, Shape};
#[cfg(feature = "postgres")]
use crate::{plan::statement::StatementKind, schema::Table, value::Value};

use super::{Dialect, Statement};

/// The statement that asks for `statement`'s plan, with the same parameters; `None` for a
/// statement that reads or writes no rows.
pub(crate) fn query_plan(statement: &Statement) -> Option<String> {
    let explain = match statement.dialect {
        Dialect::Sqlite => "EXPLAIN QUERY PLAN ",
        // JSON rather than text: its fields are named, not worded for people.
        Dialect::Postgres => "EXPLAIN (FORMAT JSON) ",
    };
    statement.kind.touches_rows().then(|| format!("{explain}{}", statement.text))
}

/// The plan's rows (`id`, `parent`, `detail`) as lines, each indented by its depth.
pub(crate) fn lines(rows: impl IntoIterator<Item = (i64, i64, String)>) -> Vec<String> {
    let mut depth: Vec<(i64, usize)> = Vec::new();
    let mut lines = Vec::new();
    for (id, parent, detail) in rows {
        let level = depth.iter().find(|(i, _)| *i == parent).map_or(0, |(_, d)| d + 1);
        depth.push((id, level));
        lines.push(format!("{}{detail}", "  ".repeat(level)));
    }
    lines
}

/// The steps of a plan the inspector reports, with SQLite's names for the statement's
/// tables (`SCAN t0`) turned back into the aliases of its shape.
pub(crate) fn steps(lines: &[String], shape: &Shape) -> Vec<PlanStep> {
    let alias_named = |name: &str| shape.tables.iter().find(|(a, _)| a.to_string() == name);
    let mut steps = Vec::new();
    for line in lines.iter().map(|l| l.trim()) {
        if let Some(rest) = line.strip_prefix("SCAN ") {
            let name = rest.split(' ').next().unwrap_or(rest);
            if let Some(&(alias, _)) = alias_named(name) {
                steps.push(PlanStep::FullScan { alias, rows: None });
            }
        } else if line.starts_with("USE TEMP B-TREE FOR") && line.contains("ORDER BY") {
            steps.push(PlanStep::Sort { rows: None });
        } else if line.contains("AUTOMATIC") && line.contains("INDEX") {
            let name = line.split(' ').nth(1).unwrap_or("");
            let column = line.rsplit('(').next().and_then(|c| c.split('=').next()).unwrap_or("?");
            if let Some(&(alias, _)) = alias_named(name) {
                steps.push(PlanStep::TemporaryIndex { alias, column: column.to_owned() });
            }
        }
    }
    steps
}

/// PostgreSQL's plan (the one row of `EXPLAIN (FORMAT JSON)`) as lines, each node
/// indented by its depth: `Seq Scan on author t0 (1 rows, filter: (name = 'Ann'::text))`.
#[cfg(feature = "postgres")]
pub(crate) fn postgres_lines(plan: &serde_json::Value) -> Vec<String> {
    let mut lines = Vec::new();
    each_node(plan, 0, &mut |node, depth| {
        let text = |key: &str| node.get(key).and_then(serde_json::Value::as_str);
        let mut line = format!("{}{}", "  ".repeat(depth), text("Node Type").unwrap_or("?"));
        if let (Some(relation), Some(alias)) = (text("Relation Name"), text("Alias")) {
            line.push_str(&format!(" on {relation} {alias}"));
        }
        let mut details = Vec::new();
        if let Some(rows) = node.get("Plan Rows").and_then(serde_json::Value::as_f64) {
            details.push(format!("{rows} rows"));
        }
        if let Some(index) = text("Index Name") {
            details.push(format!("index {index}"));
        }
        // Last: a redacted log clears the values it shows (`log::FILTER`).
        if let Some(filter) = text("Filter") {
            details.push(format!("filter: {filter}"));
        }
        if !details.is_empty() {
            line.push_str(&format!(" ({})", details.join(", ")));
        }
        lines.push(line);
    });
    lines
}

/// The steps of PostgreSQL's plan the inspector reports: a `Seq Scan` of one of the
/// statement's tables (by its alias; the driver adds the table's size), and a `Sort`.
#[cfg(feature = "postgres")]
pub(crate) fn postgres_steps(plan: &serde_json::Value, shape: &Shape) -> Vec<PlanStep> {
    let mut steps = Vec::new();
    each_node(plan, 0, &mut |node, _| {
        let text = |key: &str| node.get(key).and_then(serde_json::Value::as_str);
        match text("Node Type") {
            Some("Seq Scan") => {
                let alias = text("Alias").unwrap_or("");
                if let Some(&(alias, _)) = shape.tables.iter().find(|(a, _)| a.to_string() == alias)
                {
                    steps.push(PlanStep::FullScan { alias, rows: None });
                }
            }
            Some("Sort" | "Incremental Sort") => {
                // A sort's estimate is of every row it sorts, however few a limit above
                // it keeps.
                let rows = node.get("Plan Rows").and_then(serde_json::Value::as_f64);
                steps.push(PlanStep::Sort { rows: rows.map(|r| r as u64) });
            }
            _ => {}
        }
    });
    steps
}

/// The statement that tells how many rows `table` holds, for PostgreSQL's inspector: the
/// planner's estimate (`pg_class.reltuples`) once the table was analyzed, else a count of
/// at most `bound` rows.
#[cfg(feature = "postgres")]
pub(crate) fn table_rows(table: &'static Table, bound: i64) -> Statement {
    let mut out = Statement::new(Dialect::Postgres, StatementKind::Other);
    out.push("SELECT COALESCE((SELECT CASE WHEN reltuples >= 0 THEN reltuples::bigint END FROM pg_class WHERE oid = to_regclass(");
    let mut quoted = String::new();
    super::push_ident(&mut quoted, table.name);
    out.param(Value::Text(quoted));
    out.push(")), (SELECT count(*) FROM (SELECT 1 FROM ");
    out.ident(table.name);
    out.push(" LIMIT ");
    out.param(Value::Integer(bound));
    out.push(") q0))");
    out
}

/// Calls `each` with every node of the plan, parents first, and its depth.
#[cfg(feature = "postgres")]
fn each_node(
    plan: &serde_json::Value,
    depth: usize,
    each: &mut dyn FnMut(&serde_json::Value, usize),
) {
    // The output is an array of one object whose "Plan" is the root node; a node's
    // children are its "Plans".
    let root = plan.get(0).and_then(|p| p.get("Plan"));
    let mut pending: Vec<(&serde_json::Value, usize)> =
        root.map(|r| (r, depth)).into_iter().collect();
    while let Some((node, depth)) = pending.pop() {
        each(node, depth);
        if let Some(children) = node.get("Plans").and_then(serde_json::Value::as_array) {
            pending.extend(children.iter().rev().map(|child| (child, depth + 1)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::alias::Alias;
    use crate::plan::statement::StatementKind;
    use crate::schema::Table;

    static T: Table = Table {
        name: "t",
        model: "T",
        columns: &[],
        primary_key: &[],
        auto_key: true,
        indexes: &[],
        foreign_keys: &[],
        relations: &[],
    };

    #[test]
    fn lines_are_indented_by_depth() {
        let rows = [(2, 0, "SCAN t0".to_owned()), (5, 2, "SEARCH j1".to_owned())];
        assert_eq!(lines(rows), ["SCAN t0", "  SEARCH j1"]);
    }

    #[test]
    fn steps_name_the_shapes_aliases() {
        let shape = Shape {
            tables: vec![(Alias::Base, &T), (Alias::Join(1), &T)],
            ..Shape::new(StatementKind::Select)
        };
        let plan = [
            "SCAN t0",
            "  SEARCH j1 USING INTEGER PRIMARY KEY (rowid=?)",
            "SCAN elsewhere",
            "USE TEMP B-TREE FOR ORDER BY",
            "BLOOM FILTER ON j1 (k=?)",
            "SEARCH j1 USING AUTOMATIC COVERING INDEX (k=?)",
        ]
        .map(String::from);
        assert_eq!(
            steps(&plan, &shape),
            [
                PlanStep::FullScan { alias: Alias::Base, rows: None },
                PlanStep::Sort { rows: None },
                PlanStep::TemporaryIndex { alias: Alias::Join(1), column: "k".into() }
            ]
        );
    }

    #[cfg(feature = "postgres")]
    use crate::schema::fixtures::{integer, table, text};

    #[cfg(feature = "postgres")]
    static BIG: Table = table("big", &[integer("id", false), text("name"), integer("n", false)]);

    /// `statement`'s plan on the server: its lines and its steps.
    #[cfg(feature = "postgres")]
    fn plan_of(
        client: &mut postgres::Client,
        statement: &Statement,
    ) -> (Vec<String>, Vec<PlanStep>) {
        let explain = query_plan(statement).unwrap();
        let params = crate::postgres_server::params(&statement.params);
        let plan: serde_json::Value = client.query_one(&explain, &params).unwrap().get(0);
        let shape =
            Shape { tables: vec![(Alias::Base, &BIG)], ..Shape::new(StatementKind::Select) };
        (postgres_lines(&plan), postgres_steps(&plan, &shape))
    }

    #[test]
    #[cfg(feature = "postgres")]
    fn postgresql_plans_show_a_scan_of_a_large_table_until_an_index_serves_the_filter() {
        use crate::column::OrderTerm;
        use crate::filter::{CompareOp, Expr};
        use crate::plan::Select;
        use crate::sql::{ddl, select};
        use crate::value::Value;

        let Some(mut client) = crate::postgres_server::connect() else { return };
        client
            .batch_execute(
                "DROP SCHEMA IF EXISTS explained CASCADE; CREATE SCHEMA explained; SET search_path TO explained",
            )
            .unwrap();
        client.batch_execute(&ddl::create_table(Dialect::Postgres, &BIG).unwrap().text).unwrap();
        client
            .batch_execute(
                "INSERT INTO big (name, n) SELECT 'name ' || g, g % 100 FROM generate_series(1, 20000) g; ANALYZE big",
            )
            .unwrap();
        let by_name = Select {
            filter: Some(Expr::Compare {
                column: "name",
                op: CompareOp::Eq,
                value: Value::Text("name 7".into()),
            }),
            base_width: 3,
            ..Select::default()
        };
        let statement = select::rows(Dialect::Postgres, &BIG, &by_name).unwrap();
        let (lines, steps) = plan_of(&mut client, &statement);
        assert_eq!(steps, [PlanStep::FullScan { alias: Alias::Base, rows: None }], "{lines:?}");
        // A plan made for the bound values shows them (`name = 'name 7'::text`).
        assert!(lines[0].starts_with("Seq Scan on big t0 ("), "{lines:?}");
        assert!(lines[0].ends_with(" filter: (name = 'name 7'::text))"), "{lines:?}");

        client.batch_execute("CREATE INDEX big_name_idx ON big (name); ANALYZE big").unwrap();
        let (lines, steps) = plan_of(&mut client, &statement);
        assert_eq!(steps, [], "{lines:?}");
        assert!(lines.iter().any(|l| l.contains("index big_name_idx")), "{lines:?}");

        let by_n = Select { order: vec![OrderTerm::ascending("n")], ..by_name };
        let statement = select::rows(Dialect::Postgres, &BIG, &by_n).unwrap();
        let (lines, steps) = plan_of(&mut client, &statement);
        assert!(matches!(steps[..], [PlanStep::Sort { rows: Some(_) }]), "{lines:?}");
        assert!(lines[0].starts_with("Sort"), "{lines:?}");
        assert!(lines[1..].iter().all(|l| l.starts_with("  ")), "children are indented: {lines:?}");
    }
}
