//! SQLite's query plans: the statement that asks for one (`EXPLAIN QUERY PLAN`), its rows
//! as indented lines (what [`QueryRecord::plan`](crate::log::QueryRecord) shows), and
//! what the inspector needs of them, as backend-neutral [`PlanStep`]s.

use crate::plan::statement::{PlanStep, Shape};

use super::Statement;

/// The statement that asks SQLite for `statement`'s plan, with the same parameters;
/// `None` for a statement that reads or writes no rows.
pub(crate) fn query_plan(statement: &Statement) -> Option<String> {
    statement.kind.touches_rows().then(|| format!("EXPLAIN QUERY PLAN {}", statement.text))
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
                steps.push(PlanStep::FullScan(alias));
            }
        } else if line.starts_with("USE TEMP B-TREE FOR") && line.contains("ORDER BY") {
            steps.push(PlanStep::Sort);
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
            kind: StatementKind::Select,
            tables: vec![(Alias::Base, &T), (Alias::Join(1), &T)],
            filters: vec![],
            order: vec![],
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
                PlanStep::FullScan(Alias::Base),
                PlanStep::Sort,
                PlanStep::TemporaryIndex { alias: Alias::Join(1), column: "k".into() }
            ]
        );
    }
}
