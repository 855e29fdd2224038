//! The column names a SELECT produces, so a backfill can map them to the target by name, as a
//! materialized view does (an `INSERT ... SELECT` alone maps by position).

use sqlparser::ast::{Expr, ObjectNamePart, SelectItem, SetExpr, Statement, TableFactor};
use sqlparser::dialect::ClickHouseDialect;
use sqlparser::parser::Parser;

use chplan_runner::artifacts::state::{DefaultKindState, State};

/// Output names in order, or `None` when some output has no name chplan can know (an
/// unaliased expression, a wildcard over something that is not one known table, SQL the
/// parser does not take).
pub fn output_names(select: &str, state: &State) -> Option<Vec<String>> {
    let statements = Parser::parse_sql(&ClickHouseDialect {}, select).ok()?;
    let [Statement::Query(query)] = statements.as_slice() else {
        return None;
    };
    let mut body = query.body.as_ref();
    // A UNION's names are those of its first branch.
    while let SetExpr::SetOperation { left, .. } = body {
        body = left.as_ref();
    }
    let SetExpr::Select(select) = body else {
        return None;
    };
    let mut names = Vec::new();
    for item in &select.projection {
        match item {
            SelectItem::ExprWithAlias { alias, .. } => names.push(alias.value.clone()),
            SelectItem::UnnamedExpr(Expr::Identifier(ident)) => names.push(ident.value.clone()),
            SelectItem::UnnamedExpr(Expr::CompoundIdentifier(parts)) => {
                names.push(parts.last()?.value.clone())
            }
            SelectItem::Wildcard(_) | SelectItem::QualifiedWildcard(..) => {
                let [from] = select.from.as_slice() else {
                    return None;
                };
                if !from.joins.is_empty() {
                    return None;
                }
                let TableFactor::Table {
                    name, args: None, ..
                } = &from.relation
                else {
                    return None;
                };
                let ObjectNamePart::Identifier(table) = name.0.last()? else {
                    return None;
                };
                let t = state.tables.get(&table.value)?;
                names.extend(
                    t.columns
                        .iter()
                        .filter(|c| insertable(c.default.as_ref().map(|d| d.kind)))
                        .map(|c| c.name.clone()),
                );
            }
            _ => return None,
        }
    }
    Some(names)
}

/// MATERIALIZED and ALIAS columns are computed by ClickHouse and cannot be inserted.
pub fn insertable(kind: Option<DefaultKindState>) -> bool {
    !matches!(
        kind,
        Some(DefaultKindState::Materialized) | Some(DefaultKindState::Alias)
    )
}
