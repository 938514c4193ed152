//! `ui/README.md` lists every UI case: each `ui/fail` case with the errors
//! its `.stderr` asserts, each pass case with the first paragraph of its
//! doc comment. The tables are generated from the cases, so they cannot
//! drift: this test fails when they differ, and `UI_README=overwrite cargo
//! test -p lambda-fn-tests --test ui_readme` rewrites them.

use std::fs;
use std::path::{Path, PathBuf};

const BEGIN: &str = "<!-- The tables below are generated from the cases by `tests/tests/ui_readme.rs`: \
                     `UI_README=overwrite cargo test -p lambda-fn-tests --test ui_readme` rewrites them. -->";
const END: &str = "<!-- End of the generated tables. -->";

fn ui() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("ui")
}

/// The files of `dir` ending in `.ext`, by name.
fn files(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|err| panic!("{}: {err}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == ext))
        .collect();
    files.sort();
    files
}

fn stem(path: &Path) -> &str {
    path.file_stem().unwrap().to_str().unwrap()
}

/// A table cell: `|` would end it.
fn cell(text: &str) -> String {
    text.replace('|', "\\|")
}

/// The distinct messages of the errors in `stderr`, in order: `error: m`
/// and `error[E0277]: m` give `m`.
fn errors(stderr: &str) -> Vec<String> {
    let mut messages: Vec<String> = Vec::new();
    for line in stderr.lines() {
        let Some(rest) = line.strip_prefix("error") else {
            continue;
        };
        let rest = match rest.strip_prefix('[') {
            Some(code) => code.split_once(']').map_or(rest, |(_, rest)| rest),
            None => rest,
        };
        if let Some(message) = rest.strip_prefix(": ")
            && !messages.iter().any(|m| m == message)
        {
            messages.push(message.to_owned());
        }
    }
    messages
}

/// The first paragraph of the `//!` comment a case starts with, on one line.
fn summary(source: &str) -> String {
    source
        .lines()
        .map_while(|line| line.strip_prefix("//!"))
        .map(str::trim)
        .take_while(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn tables() -> String {
    let mut out = String::from("| misuse (`fail/*.rs`) | the error |\n|---|---|\n");
    for case in files(&ui().join("fail"), "rs") {
        let stderr_path = case.with_extension("stderr");
        let stderr = fs::read_to_string(&stderr_path)
            .unwrap_or_else(|err| panic!("{}: {err}", stderr_path.display()));
        let messages = errors(&stderr);
        assert!(
            !messages.is_empty(),
            "no error in {}",
            stderr_path.display()
        );
        for message in messages {
            out.push_str(&format!("| `{}` | {} |\n", stem(&case), cell(&message)));
        }
    }
    out.push_str("\n| supported form (`pass*/*.rs`) | what it shows |\n|---|---|\n");
    let mut dirs: Vec<PathBuf> = fs::read_dir(ui())
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_dir() && stem(path).starts_with("pass"))
        .collect();
    dirs.sort();
    for dir in dirs {
        for case in files(&dir, "rs") {
            let source = fs::read_to_string(&case).unwrap();
            let summary = summary(&source);
            assert!(!summary.is_empty(), "{} has no `//!` doc", case.display());
            out.push_str(&format!(
                "| `{}/{}` | {} |\n",
                stem(&dir),
                stem(&case),
                cell(&summary)
            ));
        }
    }
    out
}

#[test]
fn the_readme_lists_every_case() {
    let path = ui().join("README.md");
    let readme = fs::read_to_string(&path).unwrap();
    let (before, rest) = readme
        .split_once(BEGIN)
        .unwrap_or_else(|| panic!("{} lost the line {BEGIN}", path.display()));
    let (current, after) = rest
        .split_once(END)
        .unwrap_or_else(|| panic!("{} lost the line {END}", path.display()));
    let expected = format!("\n\n{}\n", tables());
    if current == expected {
        return;
    }
    if std::env::var_os("UI_README").is_some_and(|v| v == "overwrite") {
        fs::write(&path, format!("{before}{BEGIN}{expected}{END}{after}")).unwrap();
        return;
    }
    panic!(
        "{} does not list the cases as they are; rerun with UI_README=overwrite.\n\
         expected:\n{expected}",
        path.display()
    );
}

#[test]
fn errors_are_read_with_and_without_a_code() {
    let stderr = "error: one\n --> x\nerror[E0277]: two\nwarning: not this\nerror: one\n";
    assert_eq!(errors(stderr), ["one", "two"]);
    assert_eq!(
        summary("//! First line\n//! goes on.\n//!\n//! Not this.\nfn main() {}"),
        "First line goes on."
    );
}
