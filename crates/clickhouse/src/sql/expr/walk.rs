//! Collects column identifiers from a sqlparser expression tree, skipping function names and
//! the parameters of enclosing lambdas.

use super::ColumnRef;
use crate::sql::location::LineIndex;
use sqlparser::ast::{
    AccessExpr, Expr, FunctionArg, FunctionArgExpr, FunctionArguments, Ident, LambdaFunction,
    Subscript,
};

pub(crate) struct Walker<'a> {
    lines: &'a LineIndex<'a>,
    prefix: usize,
    /// Lambda parameters in scope.
    bound: Vec<String>,
    refs: Vec<ColumnRef>,
}

impl<'a> Walker<'a> {
    pub fn new(lines: &'a LineIndex<'a>, prefix: usize) -> Self {
        Walker {
            lines,
            prefix,
            bound: Vec::new(),
            refs: Vec::new(),
        }
    }

    pub fn into_refs(mut self) -> Vec<ColumnRef> {
        self.refs.sort_by_key(|r| r.span.start);
        self.refs
    }

    fn span_of(&self, first: &Ident, last: &Ident) -> std::ops::Range<usize> {
        let at = |l: sqlparser::tokenizer::Location| {
            self.lines
                .byte_offset(l.line, l.column)
                .map(|b| b.saturating_sub(self.prefix))
        };
        let start = at(first.span.start).unwrap_or(0);
        let end = at(last.span.end).unwrap_or(start).max(start);
        start..end
    }

    fn push(&mut self, parts: &[&Ident]) {
        let (Some(first), Some(last)) = (parts.first(), parts.last()) else {
            return;
        };
        if first.quote_style.is_none() && self.bound.contains(&first.value) {
            return;
        }
        let name = parts
            .iter()
            .map(|p| p.value.as_str())
            .collect::<Vec<_>>()
            .join(".");
        let span = self.span_of(first, last);
        self.refs.push(ColumnRef { name, span });
    }

    pub fn expr(&mut self, e: &Expr) {
        match e {
            Expr::Identifier(id) => self.push(&[id]),
            Expr::CompoundIdentifier(ids) => {
                let parts: Vec<&Ident> = ids.iter().collect();
                self.push(&parts);
            }
            Expr::CompoundFieldAccess { root, access_chain } => {
                self.field_access(root, access_chain)
            }
            Expr::Function(f) => {
                self.args(&f.parameters);
                self.args(&f.args);
                if let Some(filter) = &f.filter {
                    self.expr(filter);
                }
            }
            Expr::Lambda(l) => self.lambda(l),
            Expr::BinaryOp { left, right, .. }
            | Expr::IsDistinctFrom(left, right)
            | Expr::IsNotDistinctFrom(left, right) => {
                self.expr(left);
                self.expr(right);
            }
            Expr::UnaryOp { expr, .. }
            | Expr::Nested(expr)
            | Expr::IsNull(expr)
            | Expr::IsNotNull(expr)
            | Expr::IsTrue(expr)
            | Expr::IsNotTrue(expr)
            | Expr::IsFalse(expr)
            | Expr::IsNotFalse(expr)
            | Expr::IsUnknown(expr)
            | Expr::IsNotUnknown(expr)
            | Expr::Cast { expr, .. }
            | Expr::Extract { expr, .. }
            | Expr::Collate { expr, .. }
            | Expr::Ceil { expr, .. }
            | Expr::Floor { expr, .. } => self.expr(expr),
            Expr::AtTimeZone {
                timestamp,
                time_zone,
            } => {
                self.expr(timestamp);
                self.expr(time_zone);
            }
            Expr::InList { expr, list, .. } => {
                self.expr(expr);
                list.iter().for_each(|x| self.expr(x));
            }
            Expr::Between {
                expr, low, high, ..
            } => {
                self.expr(expr);
                self.expr(low);
                self.expr(high);
            }
            Expr::Like { expr, pattern, .. }
            | Expr::ILike { expr, pattern, .. }
            | Expr::SimilarTo { expr, pattern, .. }
            | Expr::RLike { expr, pattern, .. } => {
                self.expr(expr);
                self.expr(pattern);
            }
            _ => self.keyword_forms(e),
        }
    }

    /// `n.x` is a Nested subcolumn (or tuple element, or JSON path) of `n`: one reference to
    /// the dotted name, not a reference to `n` and a field. Subscripts (`arr[1]`) and
    /// non-name fields still contain expressions to walk.
    fn field_access(&mut self, root: &Expr, access_chain: &[AccessExpr]) {
        let mut parts: Vec<&Ident> = Vec::new();
        if let Expr::Identifier(id) = root {
            parts.push(id);
            for a in access_chain {
                match a {
                    AccessExpr::Dot(Expr::Identifier(f)) if !parts.is_empty() => parts.push(f),
                    _ => break,
                }
            }
            self.push(&parts);
        } else {
            self.expr(root);
        }
        for a in access_chain {
            match a {
                AccessExpr::Subscript(s) => self.subscript(s),
                AccessExpr::Dot(Expr::Identifier(_)) => {}
                AccessExpr::Dot(other) => self.expr(other),
            }
        }
    }

    /// A lambda's parameters are not columns: they are bound while its body is walked.
    fn lambda(&mut self, l: &LambdaFunction) {
        let n = self.bound.len();
        for p in l.params.iter() {
            self.bound.push(p.name.value.clone());
        }
        self.expr(&l.body);
        self.bound.truncate(n);
    }

    /// Functions with SQL keyword syntax (`POSITION(a IN b)`, `SUBSTRING(x FROM 1)`,
    /// `TRIM(BOTH 'x' FROM s)`, `CASE`) and literal containers, walked in source order.
    fn keyword_forms(&mut self, e: &Expr) {
        match e {
            Expr::Position { expr, r#in } => {
                self.expr(expr);
                self.expr(r#in);
            }
            Expr::Substring {
                expr,
                substring_from,
                substring_for,
                ..
            } => {
                self.expr(expr);
                substring_from.iter().for_each(|x| self.expr(x));
                substring_for.iter().for_each(|x| self.expr(x));
            }
            Expr::Trim {
                expr, trim_what, ..
            } => {
                trim_what.iter().for_each(|x| self.expr(x));
                self.expr(expr);
            }
            Expr::Case {
                operand,
                conditions,
                else_result,
                ..
            } => {
                operand.iter().for_each(|x| self.expr(x));
                for c in conditions {
                    self.expr(&c.condition);
                    self.expr(&c.result);
                }
                else_result.iter().for_each(|x| self.expr(x));
            }
            Expr::Tuple(items) => items.iter().for_each(|x| self.expr(x)),
            Expr::Array(a) => a.elem.iter().for_each(|x| self.expr(x)),
            Expr::Interval(i) => self.expr(&i.value),
            Expr::Named { expr, .. } => self.expr(expr),
            // Literals, subqueries and syntax ClickHouse table declarations do not use.
            _ => {}
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
                for x in [lower_bound, upper_bound, stride].into_iter().flatten() {
                    self.expr(x);
                }
            }
        }
    }

    fn args(&mut self, args: &FunctionArguments) {
        let FunctionArguments::List(list) = args else {
            return;
        };
        for a in &list.args {
            let arg = match a {
                FunctionArg::Named { arg, .. } | FunctionArg::Unnamed(arg) => arg,
                FunctionArg::ExprNamed { arg, .. } => arg,
            };
            if let FunctionArgExpr::Expr(e) = arg {
                self.expr(e);
            }
        }
    }
}
