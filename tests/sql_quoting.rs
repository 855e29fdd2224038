//! Text from the KDL reaches ClickHouse meaning exactly what it says: comments with quotes,
//! backslashes, backticks and newlines, and names that need quoting, read back unchanged from
//! the real engine.

mod support;

use chplan::back::planner;
use chplan::front::compile::compile;
use chplan::front::diag::Diagnostics;
use support::Project;

#[test]
fn comments_and_names_survive_the_round_trip() {
    let ch = support::clickhouse();
    let dir = Project::fresh("quoting");
    let (project, db) = (dir.path(), dir.database());
    // Raw KDL strings, so the text below is exactly what the column comment must be.
    let comment = r#"it's a "quoted" `tick` \n and a \ backslash"#;
    let table_comment = "line one\nline two: 'quoted'";
    let kdl = format!(
        r##"table "odd`name" {{
    column "user id" UInt64 comment=#"{comment}"#
    column "select" String default=#"'it''s'"# comment="keyword as name"
    order-by "`user id`"
    comment """
        {}
        """
}}
"##,
        table_comment.replace('\n', "\n        ")
    );
    dir.write("t.kdl", &kdl);
    let c = compile(project);
    assert!(!c.diags.has_errors(), "{:?}", c.diags.sorted());
    let mut diags = Diagnostics::default();
    let plan = planner::plan(&c, "init", &mut diags).unwrap().plan.unwrap();
    for op in &plan.operations {
        ch.query(&op.sql)
            .unwrap_or_else(|e| panic!("{}\n-> {e:?}", op.sql));
    }
    let rows = ch.exec(&format!(
        "SELECT name, comment, default_expression FROM system.columns \
         WHERE database = '{db}' AND table = 'odd`name' ORDER BY position FORMAT JSONEachRow"
    ));
    let rows: Vec<serde_json::Value> = rows
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[0]["name"], "user id");
    assert_eq!(rows[0]["comment"], comment);
    assert_eq!(rows[1]["name"], "select");
    assert_eq!(rows[1]["default_expression"], "'it\\'s'");
    let t = ch.exec(&format!(
        "SELECT comment FROM system.tables WHERE database = '{db}' AND name = 'odd`name' FORMAT JSONEachRow"
    ));
    let t: serde_json::Value = serde_json::from_str(t.trim()).unwrap();
    assert_eq!(t["comment"], table_comment);
    // The default means what it says: a row without `select` gets the string it's.
    ch.exec(&format!(
        "INSERT INTO `{db}`.`odd\\`name` (`user id`) VALUES (1)"
    ));
    let v = ch.exec(&format!(
        "SELECT `select` FROM `{db}`.`odd\\`name` FORMAT TSVRaw"
    ));
    assert_eq!(v.trim(), "it's");
}
