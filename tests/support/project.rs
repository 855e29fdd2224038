//! A chplan project in a temporary directory, the set-up most integration tests share:
//!
//! ```ignore
//! let p = Project::new(&db).schema("events.kdl", EVENTS).plan("init");
//! let out = ok(p.path(), &["apply", "--url", url]);
//! p.write("events.kdl", &changed);
//! ```

use std::path::Path;

use tempfile::TempDir;

use super::cli;

/// A temporary directory holding `chplan.kdl` (`database <name>`, or a config of the test's
/// own) and `schemas/`; removed when dropped.
pub struct Project {
    dir: TempDir,
    database: String,
}

impl Project {
    /// A project for `database`: `chplan.kdl` saying `database <database>` and an empty
    /// `schemas/`.
    pub fn new(database: &str) -> Project {
        Project::with_config(database, &format!("database {database}\n"))
    }

    /// A project for a database that exists, new and empty, on the shared test ClickHouse
    /// (`ClickHouse::fresh_database`).
    pub fn fresh(prefix: &str) -> Project {
        Project::new(&super::clickhouse().fresh_database(prefix))
    }

    /// A project whose `chplan.kdl` is `config` (naming `database`), with an empty `schemas/`.
    pub fn with_config(database: &str, config: &str) -> Project {
        let mut p = Project::empty();
        p.set_config(database, config);
        std::fs::create_dir(p.path().join("schemas")).unwrap();
        p
    }

    /// An empty temporary directory, no `chplan.kdl` and no `schemas/` (where `chplan pull`
    /// starts a project).
    pub fn empty() -> Project {
        Project {
            dir: tempfile::tempdir().unwrap(),
            database: String::new(),
        }
    }

    /// (Re)writes `chplan.kdl` as `database <database>`.
    pub fn set_database(&mut self, database: &str) {
        self.set_config(database, &format!("database {database}\n"));
    }

    fn set_config(&mut self, database: &str, config: &str) {
        std::fs::write(self.path().join("chplan.kdl"), config).unwrap();
        self.database = database.to_owned();
    }

    /// A copy of the project in `from`: its `chplan.kdl`, `schemas/` and, when there is one,
    /// `migrations/` (the example project, a golden scenario's `before/`).
    pub fn copy_of(from: &Path) -> Project {
        let config = std::fs::read_to_string(from.join("chplan.kdl")).unwrap();
        let database = config
            .lines()
            .find_map(|l| l.trim().strip_prefix("database "))
            .unwrap_or_else(|| panic!("no database in {}/chplan.kdl", from.display()))
            .trim();
        let p = Project::with_config(database, &config);
        p.replace_schemas(&from.join("schemas"));
        if from.join("migrations").exists() {
            copy_dir(&from.join("migrations"), &p.path().join("migrations"));
        }
        p
    }

    /// With `schemas/<file>` holding `text`.
    pub fn schema(self, file: &str, text: &str) -> Project {
        self.write(file, text);
        self
    }

    /// Planned: `chplan plan --name <name>`, which must succeed.
    pub fn plan(self, name: &str) -> Project {
        cli::ok(self.path(), &["plan", "--name", name]);
        self
    }

    /// Writes (or rewrites) `schemas/<file>`.
    pub fn write(&self, file: &str, text: &str) {
        std::fs::write(self.path().join("schemas").join(file), text).unwrap();
    }

    /// Replaces `schemas/` with a copy of `from` (its files, recursively); a missing `from`
    /// leaves `schemas/` empty (a golden scenario starting from nothing has no
    /// `before/schemas`).
    pub fn replace_schemas(&self, from: &Path) {
        let schemas = self.path().join("schemas");
        std::fs::remove_dir_all(&schemas).unwrap();
        std::fs::create_dir(&schemas).unwrap();
        if from.exists() {
            copy_dir(from, &schemas);
        }
    }

    /// Removes `schemas/<file>`.
    pub fn remove(&self, file: &str) {
        std::fs::remove_file(self.path().join("schemas").join(file)).unwrap();
    }

    /// The project's directory.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The database `chplan.kdl` names.
    pub fn database(&self) -> &str {
        &self.database
    }
}

/// Copies the directory `from` to `to`, recursively.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}
