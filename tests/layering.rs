//! The crate's dependency rules, checked on its sources.
//!
//! The parts depend one way (ARCHITECTURE.md draws it): `chan/` (the
//! channels and the wait engine) knows nothing of `select/`, which is
//! built on it; and no part imports `sim/`: the simulation plugs in
//! through traits the parts define (`runtime::hooks::Host`,
//! `runtime::task::Supervisor`, `time::clock::Clock`, `chan::choice::Source`).
//! A `use` or path that breaks a rule fails this test, naming the file
//! and the line.

use std::fs;
use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir`, recursively.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
    {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            files.push(path);
        }
    }
    files.sort();
    files
}

/// The lines of the files under `src/<part>` that name a forbidden module.
fn offending_lines(part: &str, forbidden: &str) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src").join(part);
    offending_lines_in(&root, forbidden)
}

/// The lines of the files under `root` that name module `forbidden`
/// (`crate::<module>`, or `super::<module>::` from a part's top), outside
/// comments.
fn offending_lines_in(root: &Path, forbidden: &str) -> Vec<String> {
    let needles = [
        format!("crate::{forbidden}"),
        format!("super::{forbidden}::"),
        format!("super::super::{forbidden}"),
    ];
    let mut found = Vec::new();
    for file in rust_files(root) {
        let text = fs::read_to_string(&file).expect("a readable source file");
        for (number, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            // `$crate::select` in a macro names the public path users see.
            let code = code.replace("$crate::", "");
            if needles.iter().any(|needle| code.contains(needle.as_str())) {
                found.push(format!(
                    "{}:{}: {}",
                    file.display(),
                    number + 1,
                    line.trim()
                ));
            }
        }
    }
    found
}

#[test]
fn no_part_imports_the_simulation() {
    for part in ["chan", "select", "time", "runtime"] {
        let found = offending_lines(part, "sim");
        assert!(
            found.is_empty(),
            "src/{part}/ must not import sim/ (plug the simulation in through a trait the part \
             defines, e.g. runtime::hooks::Host):\n{}",
            found.join("\n")
        );
    }
}

#[test]
fn channels_do_not_import_select() {
    let found = offending_lines("chan", "select");
    assert!(
        found.is_empty(),
        "src/chan/ must not import select/ (select/ is built on chan/, not the other way):\n{}",
        found.join("\n")
    );
}

/// The check itself can fail: a line that imports the simulation is found.
#[test]
fn the_check_finds_a_forbidden_import() {
    let dir = std::env::temp_dir().join(format!("hoare-layering-{}", std::process::id()));
    let part = dir.join("src").join("chan");
    fs::create_dir_all(&part).unwrap();
    fs::write(
        part.join("bad.rs"),
        "// crate::sim in a comment is fine\nuse crate::sim::x;\n",
    )
    .unwrap();
    let found = offending_lines_in(&part, "sim");
    fs::remove_dir_all(&dir).unwrap();
    assert_eq!(
        found.len(),
        1,
        "the import is found and the comment is not: {found:?}"
    );
    assert!(found[0].ends_with("use crate::sim::x;"));
}
