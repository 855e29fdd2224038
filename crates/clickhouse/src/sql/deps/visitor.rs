//! The AST walk for statements `sqlparser` could parse.
//!
//! Hand-written rather than `sqlparser::ast::visit_relations`, which counts CTE names
//! and table functions as tables and needs a crate feature this project does not enable.

use sqlparser::ast::{
    AccessExpr, Expr, Function, FunctionArg, FunctionArgExpr, FunctionArguments, GroupByExpr,
    JoinConstraint, JoinOperator, LimitClause, ObjectName, ObjectNamePart, OrderByExpr,
    OrderByKind, Query, SelectItem, SetExpr, Subscript, TableFactor, TableWithJoins, WindowType,
};

use sqlparser::ast::Ident;
use sqlparser::tokenizer::Token;

use super::Found;
use super::tokens::Sig;
use crate::sql::location::LineIndex;

/// Deeper than this, the AST is left to the token scanner: left-deep expression chains
/// (`a + b + c ...`) are built iteratively by the parser, so its own recursion limit
/// does not bound them.
const MAX_DEPTH: usize = 256;

pub(crate) struct Walk<'a> {
    positions: &'a LineIndex<'a>,
    /// The significant tokens, to tell `x IN t` from `x IN (t)`, which share an AST.
    sigs: &'a [Sig<'a>],
    aliases: &'a [String],
    /// CTE names in scope, innermost last.
    ctes: Vec<String>,
    pub(crate) found: Found,
    /// SELECTs visited, compared with the SELECT keywords in the text to detect a part
    /// of the AST this walk does not descend into.
    pub(crate) selects: usize,
    depth: usize,
    pub(crate) gave_up: bool,
}

impl<'a> Walk<'a> {
    pub(crate) fn new(
        positions: &'a LineIndex<'a>,
        sigs: &'a [Sig<'a>],
        aliases: &'a [String],
    ) -> Self {
        Walk {
            positions,
            sigs,
            aliases,
            ctes: Vec::new(),
            found: Found::default(),
            selects: 0,
            depth: 0,
            gave_up: false,
        }
    }

    /// Runs `f` one level deeper, refusing past `MAX_DEPTH`.
    fn nested(&mut self, f: impl FnOnce(&mut Self)) {
        if self.depth >= MAX_DEPTH {
            self.gave_up = true;
            return;
        }
        self.depth += 1;
        f(self);
        self.depth -= 1;
    }

    pub(crate) fn query(&mut self, q: &Query) {
        self.nested(|w| w.query_inner(q));
    }

    fn query_inner(&mut self, q: &Query) {
        let scope = self.ctes.len();
        if let Some(with) = &q.with {
            // Every CTE of the clause is in scope for all of them: recursive ones refer to
            // themselves, and a name is never a table inside its own WITH clause anyway.
            self.ctes
                .extend(with.cte_tables.iter().map(|c| c.alias.name.value.clone()));
            for cte in &with.cte_tables {
                self.query(&cte.query);
            }
        }
        self.set_expr(&q.body);
        if let Some(order_by) = &q.order_by
            && let OrderByKind::Expressions(items) = &order_by.kind
        {
            self.order_by(items);
        }
        if let Some(limit) = &q.limit_clause {
            match limit {
                LimitClause::LimitOffset {
                    limit,
                    offset,
                    limit_by,
                } => {
                    self.opt_expr(limit.as_ref());
                    if let Some(offset) = offset {
                        self.expr(&offset.value);
                    }
                    self.exprs(limit_by);
                }
                LimitClause::OffsetCommaLimit { offset, limit } => {
                    self.expr(offset);
                    self.expr(limit);
                }
            }
        }
        self.ctes.truncate(scope);
    }

    fn set_expr(&mut self, body: &SetExpr) {
        self.nested(|w| match body {
            SetExpr::Select(select) => {
                w.selects += 1;
                for item in &select.projection {
                    match item {
                        SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => {
                            w.expr(e)
                        }
                        SelectItem::ExprWithAliases { expr, .. } => w.expr(expr),
                        SelectItem::QualifiedWildcard(..) | SelectItem::Wildcard(_) => {}
                    }
                }
                w.from(&select.from);
                for view in &select.lateral_views {
                    w.expr(&view.lateral_view);
                }
                w.opt_expr(select.prewhere.as_ref());
                w.opt_expr(select.selection.as_ref());
                if let GroupByExpr::Expressions(exprs, _) = &select.group_by {
                    w.exprs(exprs);
                }
                w.opt_expr(select.having.as_ref());
                w.opt_expr(select.qualify.as_ref());
            }
            SetExpr::Query(q) => w.query(q),
            SetExpr::SetOperation { left, right, .. } => {
                w.set_expr(left);
                w.set_expr(right);
            }
            SetExpr::Values(values) => {
                for row in &values.rows {
                    w.exprs(row);
                }
            }
            SetExpr::Table(table) => {
                // `TABLE t` is not ClickHouse syntax; the token scanner decides.
                w.gave_up = true;
                let _ = table;
            }
            SetExpr::Insert(_) | SetExpr::Update(_) | SetExpr::Delete(_) | SetExpr::Merge(_) => {
                w.gave_up = true;
            }
        });
    }

    fn from(&mut self, from: &[TableWithJoins]) {
        // ClickHouse's ARRAY JOIN takes a comma-separated list of array expressions, which
        // `sqlparser` reads as further FROM items: they are not tables.
        let mut after_array_join = false;
        for twj in from {
            if after_array_join {
                self.array_join_item(&twj.relation);
            } else {
                self.table_factor(&twj.relation);
            }
            if !twj.joins.is_empty() {
                after_array_join = false;
            }
            for join in &twj.joins {
                match &join.join_operator {
                    JoinOperator::ArrayJoin
                    | JoinOperator::LeftArrayJoin
                    | JoinOperator::InnerArrayJoin => {
                        self.array_join_item(&join.relation);
                        after_array_join = true;
                    }
                    other => {
                        after_array_join = false;
                        self.table_factor(&join.relation);
                        match other {
                            JoinOperator::Join(c)
                            | JoinOperator::Inner(c)
                            | JoinOperator::Left(c)
                            | JoinOperator::LeftOuter(c)
                            | JoinOperator::Right(c)
                            | JoinOperator::RightOuter(c)
                            | JoinOperator::FullOuter(c)
                            | JoinOperator::CrossJoin(c)
                            | JoinOperator::Semi(c)
                            | JoinOperator::LeftSemi(c)
                            | JoinOperator::RightSemi(c)
                            | JoinOperator::Anti(c)
                            | JoinOperator::LeftAnti(c)
                            | JoinOperator::RightAnti(c)
                            | JoinOperator::StraightJoin(c) => self.join_constraint(c),
                            JoinOperator::AsOf {
                                match_condition,
                                constraint,
                            } => {
                                self.expr(match_condition);
                                self.join_constraint(constraint);
                            }
                            _ => {}
                        }
                    }
                }
            }
        }
    }

    fn join_constraint(&mut self, c: &JoinConstraint) {
        if let JoinConstraint::On(e) = c {
            self.expr(e);
        }
    }

    /// An ARRAY JOIN operand: an expression, though `sqlparser` may have read it as a table
    /// or a table function; only subqueries inside it read tables.
    fn array_join_item(&mut self, relation: &TableFactor) {
        match relation {
            TableFactor::Table { args, .. } => {
                if let Some(args) = args {
                    self.function_args(&args.args);
                }
            }
            other => self.table_factor(other),
        }
    }

    fn table_factor(&mut self, relation: &TableFactor) {
        self.nested(|w| match relation {
            TableFactor::Table { name, args, .. } => match args {
                Some(args) => {
                    w.table_function(name);
                    w.function_args(&args.args);
                }
                None => w.table(name),
            },
            TableFactor::Derived { subquery, .. } => w.query(subquery),
            TableFactor::TableFunction { expr, .. } => w.expr(expr),
            TableFactor::Function { name, args, .. } => {
                w.table_function(name);
                w.function_args(args);
            }
            TableFactor::NestedJoin {
                table_with_joins, ..
            } => w.from(std::slice::from_ref(table_with_joins)),
            // Other dialects' constructs: a ClickHouse view body never holds them, and
            // guessing would be worse than letting the token scanner decide.
            _ => w.gave_up = true,
        });
    }

    fn table(&mut self, name: &ObjectName) {
        let Some(parts) = ident_parts(name) else {
            self.found
                .problem("a table name this tool does not understand");
            return;
        };
        self.table_parts(&parts);
    }

    /// ClickHouse reads the table `t` in `x IN t` (unless `t` is an alias); `sqlparser`
    /// gives it the same AST as the one-element list `x IN (t)`.
    fn in_table(&mut self, item: &Expr) {
        let parts: Vec<&Ident> = match item {
            Expr::Identifier(ident) => vec![ident],
            Expr::CompoundIdentifier(idents) => idents.iter().collect(),
            _ => return,
        };
        let Some(start) = parts
            .first()
            .and_then(|p| self.positions.byte(p.span.start))
        else {
            return;
        };
        let Ok(at) = self.sigs.binary_search_by_key(&start, |s| s.start) else {
            return;
        };
        let parenthesized = at
            .checked_sub(1)
            .and_then(|b| self.sigs.get(b))
            .is_some_and(|s| matches!(s.token, Token::LParen));
        if parenthesized {
            return;
        }
        if let [only] = parts.as_slice()
            && self.aliases.iter().any(|a| a == &only.value)
        {
            return;
        }
        self.table_parts(&parts);
    }

    fn table_parts(&mut self, parts: &[&Ident]) {
        if let [only] = parts
            && self.ctes.iter().any(|c| c == &only.value)
        {
            return;
        }
        let (Some(first), Some(last)) = (parts.first(), parts.last()) else {
            return;
        };
        let span = self.positions.byte(first.span.start)..self.positions.byte(last.span.end);
        let (Some(start), Some(end)) = (span.start, span.end) else {
            self.found.problem("no source position for a table name");
            return;
        };
        match parts {
            [table] => self.found.table(None, &table.value, start..end),
            [db, table] => self.found.table(Some(&db.value), &table.value, start..end),
            _ => self
                .found
                .problem("a table name with more than two parts (ClickHouse has only db.table)"),
        }
    }

    fn table_function(&mut self, name: &ObjectName) {
        match ident_parts(name).as_deref() {
            Some([f]) => self.found.function(&f.value),
            _ => self
                .found
                .problem("a table function name this tool does not understand"),
        }
    }

    fn function_args(&mut self, args: &[FunctionArg]) {
        for arg in args {
            let (FunctionArg::Named { arg, .. }
            | FunctionArg::ExprNamed { arg, .. }
            | FunctionArg::Unnamed(arg)) = arg;
            if let FunctionArgExpr::Expr(e) = arg {
                self.expr(e);
            }
        }
    }

    fn order_by(&mut self, items: &[OrderByExpr]) {
        for item in items {
            self.expr(&item.expr);
        }
    }

    fn exprs(&mut self, exprs: &[Expr]) {
        for e in exprs {
            self.expr(e);
        }
    }

    fn opt_expr(&mut self, e: Option<&Expr>) {
        if let Some(e) = e {
            self.expr(e);
        }
    }

    fn expr(&mut self, e: &Expr) {
        self.nested(|w| w.expr_inner(e));
    }

    fn expr_inner(&mut self, e: &Expr) {
        match e {
            Expr::InSubquery { expr, subquery, .. } => {
                self.expr(expr);
                self.query(subquery);
            }
            Expr::Subquery(q) | Expr::Exists { subquery: q, .. } => self.query(q),
            Expr::IsFalse(e)
            | Expr::IsNotFalse(e)
            | Expr::IsTrue(e)
            | Expr::IsNotTrue(e)
            | Expr::IsNull(e)
            | Expr::IsNotNull(e)
            | Expr::IsUnknown(e)
            | Expr::IsNotUnknown(e)
            | Expr::Nested(e)
            | Expr::OuterJoin(e)
            | Expr::Prior(e)
            | Expr::UnaryOp { expr: e, .. }
            | Expr::Cast { expr: e, .. }
            | Expr::Extract { expr: e, .. }
            | Expr::Ceil { expr: e, .. }
            | Expr::Floor { expr: e, .. }
            | Expr::Collate { expr: e, .. }
            | Expr::Prefixed { value: e, .. }
            | Expr::Named { expr: e, .. }
            | Expr::IsJson { expr: e, .. }
            | Expr::IsNormalized { expr: e, .. }
            | Expr::JsonAccess { value: e, .. } => self.expr(e),
            Expr::IsDistinctFrom(a, b)
            | Expr::IsNotDistinctFrom(a, b)
            | Expr::BinaryOp {
                left: a, right: b, ..
            }
            | Expr::AnyOp {
                left: a, right: b, ..
            }
            | Expr::AllOp {
                left: a, right: b, ..
            }
            | Expr::AtTimeZone {
                timestamp: a,
                time_zone: b,
            }
            | Expr::Position { expr: a, r#in: b }
            | Expr::InUnnest {
                expr: a,
                array_expr: b,
                ..
            }
            | Expr::Like {
                expr: a,
                pattern: b,
                ..
            }
            | Expr::ILike {
                expr: a,
                pattern: b,
                ..
            }
            | Expr::SimilarTo {
                expr: a,
                pattern: b,
                ..
            }
            | Expr::RLike {
                expr: a,
                pattern: b,
                ..
            } => {
                self.expr(a);
                self.expr(b);
            }
            Expr::InList { expr, list, .. } => {
                self.expr(expr);
                if let [item] = list.as_slice() {
                    self.in_table(item);
                }
                self.exprs(list);
            }
            Expr::Between {
                expr, low, high, ..
            } => {
                self.expr(expr);
                self.expr(low);
                self.expr(high);
            }
            Expr::Convert { expr, styles, .. } => {
                self.expr(expr);
                self.exprs(styles);
            }
            Expr::Substring {
                expr,
                substring_from,
                substring_for,
                ..
            } => {
                self.expr(expr);
                self.opt_expr(substring_from.as_deref());
                self.opt_expr(substring_for.as_deref());
            }
            Expr::Trim {
                expr,
                trim_what,
                trim_characters,
                ..
            } => {
                self.expr(expr);
                self.opt_expr(trim_what.as_deref());
                if let Some(chars) = trim_characters {
                    self.exprs(chars);
                }
            }
            Expr::Overlay {
                expr,
                overlay_what,
                overlay_from,
                overlay_for,
            } => {
                self.expr(expr);
                self.expr(overlay_what);
                self.expr(overlay_from);
                self.opt_expr(overlay_for.as_deref());
            }
            Expr::CompoundFieldAccess { root, access_chain } => {
                self.field_access(root, access_chain)
            }
            Expr::Function(f) => self.function_call(f),
            Expr::Case {
                operand,
                conditions,
                else_result,
                ..
            } => {
                self.opt_expr(operand.as_deref());
                for when in conditions {
                    self.expr(&when.condition);
                    self.expr(&when.result);
                }
                self.opt_expr(else_result.as_deref());
            }
            Expr::GroupingSets(sets) | Expr::Cube(sets) | Expr::Rollup(sets) => {
                for set in sets {
                    self.exprs(set);
                }
            }
            Expr::Tuple(items) | Expr::Struct { values: items, .. } => self.exprs(items),
            Expr::Array(array) => self.exprs(&array.elem),
            Expr::Map(map) => {
                for entry in &map.entries {
                    self.expr(&entry.key);
                    self.expr(&entry.value);
                }
            }
            Expr::Dictionary(fields) => {
                for field in fields {
                    self.expr(&field.value);
                }
            }
            Expr::Interval(interval) => self.expr(&interval.value),
            Expr::Lambda(lambda) => self.expr(&lambda.body),
            Expr::MemberOf(member) => {
                self.expr(&member.value);
                self.expr(&member.array);
            }
            Expr::Identifier(_)
            | Expr::CompoundIdentifier(_)
            | Expr::Value(_)
            | Expr::TypedString(_)
            | Expr::MatchAgainst { .. }
            | Expr::Wildcard(_)
            | Expr::QualifiedWildcard(..) => {}
        }
    }

    /// A function call reaches tables through more than its arguments: a subquery as the
    /// argument list, `WITHIN GROUP` and `FILTER` clauses, and its window's partitioning and
    /// ordering.
    fn function_call(&mut self, f: &Function) {
        for args in [&f.parameters, &f.args] {
            match args {
                FunctionArguments::None => {}
                FunctionArguments::Subquery(q) => self.query(q),
                FunctionArguments::List(list) => self.function_args(&list.args),
            }
        }
        self.order_by(&f.within_group);
        self.opt_expr(f.filter.as_deref());
        if let Some(WindowType::WindowSpec(spec)) = &f.over {
            self.exprs(&spec.partition_by);
            self.order_by(&spec.order_by);
        }
    }

    /// `a.b[1].c`: subscripts may hold any expression (a subquery too), so every step of the
    /// chain is walked, not only the root.
    fn field_access(&mut self, root: &Expr, access_chain: &[AccessExpr]) {
        self.expr(root);
        for access in access_chain {
            match access {
                AccessExpr::Dot(e) => self.expr(e),
                AccessExpr::Subscript(s) => self.subscript(s),
            }
        }
    }

    fn subscript(&mut self, s: &Subscript) {
        match s {
            Subscript::Index { index } => self.expr(index),
            Subscript::Slice {
                lower_bound,
                upper_bound,
                stride,
            } => {
                self.opt_expr(lower_bound.as_ref());
                self.opt_expr(upper_bound.as_ref());
                self.opt_expr(stride.as_ref());
            }
        }
    }
}

fn ident_parts(name: &ObjectName) -> Option<Vec<&Ident>> {
    name.0
        .iter()
        .map(|part| match part {
            ObjectNamePart::Identifier(ident) => Some(ident),
            ObjectNamePart::Function(_) => None,
        })
        .collect()
}
