//! Lowering `view` and `materialized-view` nodes.

use kdl::KdlNode;

use super::check_name;
use super::fragments;
use super::node::{Cx, unknown_node};
use super::table::single_string;
use crate::front::ir::{MaterializedView, Spanned, Text, View};

const VIEW_CHILDREN: &[&str] = &["select", "depends-on", "comment"];

struct ViewBody {
    select: Option<Text>,
    depends_on: Vec<Spanned<String>>,
    comment: Option<Spanned<String>>,
}

fn lower_body(cx: &mut Cx, node: &KdlNode, context: &str) -> ViewBody {
    let mut body = ViewBody {
        select: None,
        depends_on: Vec::new(),
        comment: None,
    };
    let mut select_span = None;
    let mut comment_span = None;
    for child in node.children().map(|c| c.nodes()).unwrap_or(&[]) {
        match child.name().value() {
            "select" => {
                if let Some(first) = select_span {
                    cx.duplicate(child, first);
                    continue;
                }
                select_span = Some(cx.name_span(child));
                cx.check_props(child, &[]);
                cx.reject_children(child);
                cx.check_arg_count(child, 1, "select \"SELECT ... FROM ...\"");
                body.select = cx.required_text(child, 0, "query", "select \"SELECT ... FROM ...\"");
            }
            "depends-on" => {
                cx.check_props(child, &[]);
                cx.reject_children(child);
                let args = cx.args(child);
                if args.is_empty() {
                    cx.missing(child, "object names", "depends-on events users");
                }
                for a in args {
                    if let Some(s) = cx.string(a, "a dependency") {
                        body.depends_on.push(s);
                    }
                }
            }
            "comment" => {
                if let Some(first) = comment_span {
                    cx.duplicate(child, first);
                    continue;
                }
                comment_span = Some(cx.name_span(child));
                body.comment = single_string(cx, child, "comment \"what this view shows\"");
            }
            _ => unknown_node(cx, child, context, VIEW_CHILDREN),
        }
    }
    body
}

pub fn lower_view(cx: &mut Cx, node: &KdlNode) -> Option<View> {
    let usage = "view NAME { select \"SELECT ...\" }";
    cx.check_props(node, &[]);
    cx.check_arg_count(node, 1, usage);
    let name = cx.required_string(node, 0, "name", usage)?;
    check_name(cx, &name, "view");
    let body = lower_body(cx, node, "a view");
    let Some(select) = body.select else {
        cx.missing(node, "`select` child", usage);
        return None;
    };
    fragments::select(cx, &select, &format!("view `{}`", name.value));
    Some(View {
        name,
        select,
        depends_on: body.depends_on,
        comment: body.comment,
        span: cx.node_span(node),
    })
}

pub fn lower_materialized_view(cx: &mut Cx, node: &KdlNode) -> Option<MaterializedView> {
    let usage = "materialized-view NAME to=TARGET { select \"SELECT ...\" }";
    cx.check_props(node, &["to"]);
    cx.check_arg_count(node, 1, usage);
    let name = cx.required_string(node, 0, "name", usage)?;
    check_name(cx, &name, "materialized view");
    let to = cx.prop_string(node, "to");
    if to.is_none() {
        cx.missing(node, "`to=` target table", usage);
    }
    let body = lower_body(cx, node, "a materialized view");
    let Some(select) = body.select else {
        cx.missing(node, "`select` child", usage);
        return None;
    };
    fragments::select(cx, &select, &format!("materialized view `{}`", name.value));
    Some(MaterializedView {
        name,
        to: to?,
        select,
        depends_on: body.depends_on,
        comment: body.comment,
        span: cx.node_span(node),
    })
}
