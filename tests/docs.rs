//! The documentation stays whole: the README's two commands are the ones CI runs, and every
//! relative link in README.md and docs/*.md reaches a file that exists (and, for a
//! `#fragment`, a heading of that file).

use std::collections::HashSet;
use std::path::{Path, PathBuf};

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The markdown files whose links are checked.
fn markdown_files() -> Vec<PathBuf> {
    let mut files = vec![PathBuf::from("README.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir("docs")
        .expect("docs/")
        .map(|e| e.expect("docs/ entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    docs.sort();
    files.extend(docs);
    files
}

/// GitHub's anchor for a heading: lower case, punctuation but `-` and `_` dropped, spaces
/// turned into `-`.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

/// The anchors of a markdown file's headings (outside code blocks).
fn anchors(text: &str) -> HashSet<String> {
    let mut out = HashSet::new();
    let mut in_code = false;
    for line in text.lines() {
        if line.starts_with("```") {
            in_code = !in_code;
        } else if !in_code && line.starts_with('#') {
            out.insert(slug(line.trim_start_matches('#')));
        }
    }
    out
}

/// Every `](target)` link outside code blocks, with its line number.
fn links(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut in_code = false;
    for (n, line) in text.lines().enumerate() {
        if line.starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if in_code {
            continue;
        }
        let mut rest = line;
        while let Some(i) = rest.find("](") {
            let after = &rest[i + 2..];
            let Some(end) = after.find(')') else { break };
            out.push((n + 1, after[..end].to_string()));
            rest = &after[end..];
        }
    }
    out
}

#[test]
fn every_relative_link_and_anchor_resolves() {
    let mut broken = Vec::new();
    for file in markdown_files() {
        let text = read(&file);
        let dir = file.parent().unwrap_or(Path::new(""));
        for (line, target) in links(&text) {
            if target.contains("://") || target.starts_with("mailto:") {
                continue;
            }
            let (path, fragment) = match target.split_once('#') {
                Some((p, f)) => (p, Some(f)),
                None => (target.as_str(), None),
            };
            let resolved = if path.is_empty() {
                file.clone()
            } else {
                dir.join(path)
            };
            if !resolved.exists() {
                broken.push(format!("{}:{line}: {target}: no such file", file.display()));
                continue;
            }
            if let Some(fragment) = fragment
                && resolved.extension().is_some_and(|x| x == "md")
                && !anchors(&read(&resolved)).contains(fragment)
            {
                broken.push(format!(
                    "{}:{line}: {target}: no such heading",
                    file.display()
                ));
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

#[test]
fn the_readme_gives_the_commands_ci_runs() {
    let readme = read(Path::new("README.md"));
    let ci = read(Path::new(".ci/run"));
    assert!(
        readme.contains("\n```\ncargo run --release -- self --map examples/message.txt\n```\n"),
        "README.md must show the demo command on its own"
    );
    assert!(readme.contains("\n```\nscripts/test.sh\n```\n"));
    assert!(
        ci.lines().any(|l| l.trim() == "scripts/test.sh"),
        ".ci/run must run the README's test command:\n{ci}"
    );
    let script = read(Path::new("scripts/test.sh"));
    assert!(
        script
            .lines()
            .any(|l| l.trim() == "exec cargo test --locked \"$@\""),
        "scripts/test.sh must end in cargo test:\n{script}"
    );
    assert!(Path::new("examples/message.txt").is_file());
}

#[test]
fn slugs_follow_github() {
    assert_eq!(
        slug(" Resident, dirty and swap (`-x`, `-X`, `-XX`)"),
        "resident-dirty-and-swap--x--x--xx"
    );
    assert_eq!(
        slug(" Address lookups (`--addr ... --json`)"),
        "address-lookups---addr----json"
    );
}
