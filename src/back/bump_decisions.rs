//! The two decisions of a version bump (copy the data or not, keep the old table or not), from
//! the declaration, the flags, or the person at the terminal, in that order.

use std::collections::{BTreeMap, BTreeSet};

use crate::back::desired::{self, ReplacesHint, VersionHints};
use crate::back::planner::PlanOptions;
use crate::back::versions::{self, Blocker, Bump};
use crate::front::compile::Compilation;
use crate::front::diag::{Code, Diagnostic, Diagnostics};
use crate::front::source::Span;
use chplan_runner::artifacts::plan::ColumnMapping;
use chplan_runner::artifacts::state::{State, TableState};

pub struct Decision {
    /// The column mapping when the data is copied.
    pub backfill: Option<Vec<ColumnMapping>>,
    pub keep_old: bool,
}

/// What every part of one bump's decision reads.
struct BumpAt<'a> {
    bump: &'a Bump,
    old_t: &'a TableState,
    hints: &'a VersionHints,
    declared: Option<&'a ReplacesHint>,
    /// Where the new version is declared, for diagnostics.
    span: Option<Span>,
}

impl BumpAt<'_> {
    fn error(&self, message: String, help: String) -> Diagnostic {
        match self.span {
            Some(s) => Diagnostic::error(Code::VersionBump, s, message).label("version bump"),
            None => Diagnostic::unplaced(Code::VersionBump, message),
        }
        .help(help)
    }
}

/// `None` (with a diagnostic) when nobody decided, or a decision cannot be carried out.
#[allow(clippy::too_many_arguments)]
pub fn decide(
    bump: &Bump,
    old: &State,
    new: &State,
    hints: &VersionHints,
    renames: &BTreeMap<String, String>,
    options: &mut PlanOptions,
    diags: &mut Diagnostics,
    notes: &mut Vec<String>,
) -> Option<Decision> {
    let at = BumpAt {
        bump,
        old_t: &old.tables[&bump.old],
        hints,
        declared: hints.replaces.get(&bump.new),
        span: hints.spans.get(&bump.new).copied(),
    };
    if let Some(d) = wrong_declared_version(&at) {
        diags.push(d);
        return None;
    }
    let empty = BTreeMap::new();
    let exprs = hints.backfill_exprs.get(&bump.new).unwrap_or(&empty);
    let eligibility = versions::mapping(at.old_t, &new.tables[&bump.new], exprs, renames);
    let backfill = decide_backfill(&at, &eligibility, options, diags, notes)?;
    // Why the rows cannot be copied, in the question that decides whether they are dropped.
    let uncopied = match (&eligibility, backfill) {
        (Err(blockers), Some(false)) => Some(blocked(blockers)),
        _ => None,
    };
    let keep_old = decide_keep_old(&at, options, uncopied.as_deref());
    if let Err(blockers) = &eligibility
        && would_drop_uncopied(&at, backfill, keep_old, options)
    {
        diags.push(at.error(
            format!(
                "--yes-all would drop `{}`, but its rows cannot be copied into `{}`",
                bump.old, bump.new
            ),
            format!(
                "{}; or decide explicitly: replaces backfill=#false keep-old=#true (or keep-old=#false to drop the rows)",
                blocked(blockers)
            ),
        ));
        return None;
    }
    let (Some(backfill), Some(keep_old)) = (backfill, keep_old) else {
        diags.push(undecided(&at, backfill, keep_old));
        return None;
    };
    Some(Decision {
        backfill: if backfill { eligibility.ok() } else { None },
        keep_old,
    })
}

/// A `replaces` naming a version other than the one planned last.
fn wrong_declared_version(at: &BumpAt) -> Option<Diagnostic> {
    let r = at.declared.filter(|r| r.version.is_some())?;
    let expected = at.old_t.version.clone().unwrap_or_default();
    if r.version.as_deref() == Some(expected.as_str()) {
        return None;
    }
    let bump = at.bump;
    Some(
        Diagnostic::error(
            Code::VersionBump,
            r.span,
            format!(
                "`{}` replaces version {} of `{}`, but the planned table is `{}`",
                bump.new,
                r.version.as_deref().unwrap_or_default(),
                bump.logical,
                bump.old
            ),
        )
        .help(if expected.is_empty() {
            "the planned table has no version: write `replaces` without one".to_string()
        } else {
            format!("write replaces \"{expected}\"")
        }),
    )
}

/// Whether to copy: `None` (outer) when a declared copy cannot be made, `Some(None)` when
/// nobody decided.
fn decide_backfill(
    at: &BumpAt,
    eligibility: &Result<Vec<ColumnMapping>, Vec<Blocker>>,
    options: &mut PlanOptions,
    diags: &mut Diagnostics,
    notes: &mut Vec<String>,
) -> Option<Option<bool>> {
    let bump = at.bump;
    let decided = match (at.declared.and_then(|r| r.backfill), eligibility) {
        (Some(true), Err(blockers)) => {
            for b in blockers {
                diags.push(blocks_declared_backfill(at, b));
            }
            return None;
        }
        (Some(b), _) => Some(b),
        (None, _) if options.no_auto_backfill_sql => Some(false),
        (None, Err(blockers)) => {
            notes.push(format!(
                "{} -> {}: not backfilled, the data cannot be copied as is: {}",
                bump.old,
                bump.new,
                blocked(blockers)
            ));
            Some(false)
        }
        (None, Ok(_)) if options.yes_all => Some(true),
        (None, Ok(_)) => {
            let question = format!("Backfill data from {} into {}?", bump.old, bump.new);
            options
                .prompter
                .as_mut()
                .map(|p| p.confirm(&question, true))
        }
    };
    Some(decided)
}

/// A column that blocks a declared `backfill=#true`, pointed at where it is declared.
fn blocks_declared_backfill(at: &BumpAt, b: &Blocker) -> Diagnostic {
    let bump = at.bump;
    let message = format!(
        "`{}` declares backfill=#true, but column `{}` cannot be copied from `{}`: {}",
        bump.new, b.column, bump.old, b.reason
    );
    let column = at
        .hints
        .column_spans
        .get(&bump.new)
        .and_then(|c| c.get(&b.column))
        .copied();
    match column {
        Some(s) => Diagnostic::error(Code::VersionBump, s, message)
            .label("blocks the backfill")
            .help(b.help.clone()),
        None => at.error(message, b.help.clone()),
    }
}

fn decide_keep_old(at: &BumpAt, options: &mut PlanOptions, uncopied: Option<&str>) -> Option<bool> {
    if at.bump.retained {
        // Its retained declaration says so.
        return Some(true);
    }
    match at.declared.and_then(|r| r.keep_old) {
        Some(k) => Some(k),
        None if options.yes_all => Some(false),
        None => {
            let mut question = format!(
                "Keep old table {}? (it stays, as an externally-managed table)",
                at.bump.old
            );
            if let Some(why) = uncopied {
                question.push_str(&format!(
                    "\n  its rows are not copied into {} ({why}): dropping it loses them",
                    at.bump.new
                ));
            }
            options
                .prompter
                .as_mut()
                .map(|p| p.confirm(&question, false))
        }
    }
}

/// Dropping a version whose rows were not copied loses them: only an explicit decision
/// (declared, or answered at the prompt) may do that, never the blanket --yes-all.
fn would_drop_uncopied(
    at: &BumpAt,
    backfill: Option<bool>,
    keep_old: Option<bool>,
    options: &PlanOptions,
) -> bool {
    let declared_keep = at.declared.and_then(|r| r.keep_old).is_some();
    let declared_backfill = at.declared.and_then(|r| r.backfill).is_some();
    backfill == Some(false)
        && keep_old == Some(false)
        && options.yes_all
        && !declared_keep
        && !declared_backfill
        && !options.no_auto_backfill_sql
}

fn undecided(at: &BumpAt, backfill: Option<bool>, keep_old: Option<bool>) -> Diagnostic {
    let bump = at.bump;
    let mut missing = Vec::new();
    if backfill.is_none() {
        missing.push("backfill or not");
    }
    if keep_old.is_none() {
        missing.push("keep or drop the old table");
    }
    at.error(
        format!(
            "`{}` replaces `{}` (a version bump of `{}`), and nobody decided: {}",
            bump.new,
            bump.old,
            bump.logical,
            missing.join(", ")
        ),
        format!(
            "declare the decisions in the table: {} backfill=#true keep-old=#false; or re-run with --yes-all (backfill when eligible, drop the old table), or at a terminal to be asked",
            match &at.old_t.version {
                Some(v) => format!("replaces \"{v}\""),
                None => "replaces".to_string(),
            }
        ),
    )
}

fn blocked(blockers: &[Blocker]) -> String {
    blockers
        .iter()
        .map(|b| format!("column `{}`: {} ({})", b.column, b.reason, b.help))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The old versions of a plan's version bumps that it drops because a person answered the keep
/// question with no (the schema declares no `keep-old`): the drop was chosen at the prompt, and
/// is not confirmed a second time.
pub fn drops_chosen_at_the_prompt(c: &Compilation, old: &State, new: &State) -> BTreeSet<String> {
    let hints = desired::version_hints(&c.schema, &c.resolved);
    versions::detect(old, new)
        .into_iter()
        .filter(|b| !b.retained)
        .filter(|b| {
            hints
                .replaces
                .get(&b.new)
                .and_then(|r| r.keep_old)
                .is_none()
        })
        .map(|b| b.old)
        .collect()
}
