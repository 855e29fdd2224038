//! The loader: finds `chplan.kdl` and the schema files, reads and parses them.

use std::fs;
use std::path::{Path, PathBuf};

use crate::front::diag::{Code, Diagnostic, Diagnostics};
use crate::front::ir::ProjectConfig;
use crate::front::lower;
use crate::front::parse::parse;
use crate::front::source::{FileId, SourceFile, SourceMap, Span};

pub const CONFIG_FILE: &str = "chplan.kdl";

pub struct Project {
    pub root: PathBuf,
    pub config: Option<ProjectConfig>,
    pub sources: SourceMap,
    /// Schema files, in path order (parsed one at a time by the compiler).
    pub schema_files: Vec<FileId>,
}

pub fn load(root: &Path, diags: &mut Diagnostics) -> Project {
    let mut project = Project {
        root: root.to_path_buf(),
        config: None,
        sources: SourceMap::default(),
        schema_files: Vec::new(),
    };
    let config_path = root.join(CONFIG_FILE);
    let text = match fs::read_to_string(&config_path) {
        Ok(t) => t,
        Err(e) => {
            diags.push(
                Diagnostic::unplaced(
                    Code::ProjectConfig,
                    format!("cannot read {CONFIG_FILE} in {}: {e}", root.display()),
                )
                .help("run chplan in a project directory (one with chplan.kdl), or pass --project DIR"),
            );
            return project;
        }
    };
    let id = project.sources.add(SourceFile {
        name: CONFIG_FILE.into(),
        path: config_path,
        text,
    });
    let text = project.sources.get(id).text.clone();
    if let Some(doc) = parse(id, &text, diags) {
        project.config = lower::lower_config(id, &text, &doc, diags);
    }
    let Some(config) = &project.config else {
        return project;
    };
    let schema_dir = root.join(&config.schemas_dir);
    let mut paths = Vec::new();
    if let Err(e) = collect_kdl(&schema_dir, &mut paths) {
        let message = format!("cannot read schema directory `{}`: {e}", config.schemas_dir);
        let d = match config.schemas_span {
            Some(span) => Diagnostic::error(Code::Io, span, message).label("set here"),
            None => Diagnostic::unplaced(Code::Io, message),
        };
        diags.push(d.help("create it, or point `schemas` in chplan.kdl at the right directory"));
        return project;
    }
    if paths.is_empty() {
        diags.push(
            Diagnostic::unplaced(
                Code::NoSchemaFiles,
                format!("no .kdl files under `{}`", config.schemas_dir),
            )
            .as_warning()
            .help("add schema files, e.g. schemas/events.kdl"),
        );
    }
    // Sorted by path so file ids, and everything ordered by them, do not depend on the OS.
    paths.sort();
    for path in paths {
        let name = display_name(root, &path);
        match fs::read(&path).map(String::from_utf8) {
            Ok(Ok(text)) => {
                let id = project.sources.add(SourceFile {
                    name,
                    path: path.clone(),
                    text,
                });
                project.schema_files.push(id);
            }
            Ok(Err(e)) => not_utf8(&mut project.sources, name, path, &e, diags),
            Err(e) => diags.push(Diagnostic::unplaced(
                Code::Io,
                format!("cannot read {name}: {e}"),
            )),
        }
    }
    project
}

/// A file that is not UTF-8 is not parsed, but it is shown: its text (with U+FFFD for the bad
/// bytes) joins the source map so the diagnostic names the file, line and column of the first
/// bad byte.
fn not_utf8(
    sources: &mut SourceMap,
    name: String,
    path: PathBuf,
    e: &std::string::FromUtf8Error,
    diags: &mut Diagnostics,
) {
    let at = e.utf8_error().valid_up_to();
    let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
    let byte = e.as_bytes()[at];
    let message = format!("{name} is not UTF-8 text (byte 0x{byte:02X} at offset {at})");
    let id = sources.add(SourceFile { name, path, text });
    // The span covers the replacement character that stands for the bad bytes.
    diags.push(
        Diagnostic::error(
            Code::Io,
            Span::new(id, at, at + '\u{FFFD}'.len_utf8()),
            message,
        )
        .label("not UTF-8")
        .help("save the file as UTF-8 (KDL files must be UTF-8)"),
    );
}

/// The project's local directory (`.chplan/`: `dev`'s plans, caches), never committed.
pub const LOCAL_DIR: &str = ".chplan";

/// `.chplan/` in the project `root`, created with a `.gitignore` that keeps it out of git.
pub fn local_dir(root: &Path) -> Result<PathBuf, String> {
    let base = root.join(LOCAL_DIR);
    fs::create_dir_all(&base).map_err(|e| format!("cannot create {}: {e}", base.display()))?;
    let ignore = base.join(".gitignore");
    if !ignore.exists() {
        chplan_runner::migrations::write_atomic(
            &ignore,
            b"# chplan's local files (dev plans, caches): never committed\n*\n",
        )?;
    }
    Ok(base)
}

fn collect_kdl(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        let ty = entry.file_type()?;
        if ty.is_dir() {
            collect_kdl(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "kdl") {
            out.push(path);
        }
    }
    Ok(())
}

fn display_name(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}
