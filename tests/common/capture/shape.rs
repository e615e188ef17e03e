//! The shape of an output: what must stay the same between the captured block and a run
//! now, once the numbers, addresses and rows that differ between runs are set aside.
#![allow(dead_code)]

/// A line with every number (decimal or hex) as `#`, rules and blanks collapsed, and a
/// list of numbers (`pids 12, 40, 41`) as one `#`.
pub fn normalize(line: &str) -> String {
    let mut out = String::new();
    let chars: Vec<char> = line.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_ascii_hexdigit() || c == 'x' {
            let mut j = i;
            while j < chars.len()
                && (chars[j].is_ascii_hexdigit() || chars[j] == 'x' || chars[j] == '.')
            {
                j += 1;
            }
            let word: String = chars[i..j].iter().collect();
            let starts_word = i == 0 || !chars[i - 1].is_alphanumeric();
            if starts_word && word.chars().any(|c| c.is_ascii_digit()) && !word.starts_with('.') {
                out.push('#');
                i = j;
                // A size's unit goes with its digits: `1020K` and `1M` are one shape.
                if chars.get(i).is_some_and(|c| "KMGTP".contains(*c)) {
                    out.push('K');
                    i += 1;
                }
                continue;
            }
            out.push_str(&word);
            i = j;
            continue;
        }
        if c == '─' || c == ' ' || c == '═' {
            if !out.ends_with(c) {
                out.push(c);
            }
        } else {
            out.push(c);
        }
        i += 1;
    }
    while out.contains("#, #") {
        out = out.replace("#, #", "#");
    }
    out = out.replace("#, ...)", "#)");
    for phrase in OPTIONAL {
        out = out.replace(phrase, "");
    }
    for phrase in OPTIONAL_ENDS {
        if let Some(at) = out.find(phrase) {
            out.truncate(at);
        }
    }
    out.trim_end().to_string()
}

/// Lines the kernel's state decides (page cache, timing, what else the machine runs):
/// they may come and go between two runs.
const VARIABLE: &[&str] = &[
    // The demo's account of a fault.
    "fault-around",
    "pages that are already",
    "pages already in the page cache",
    "at the mapping's ends",
    "pages read with only",
    "major fault",
    "disk, and readahead",
    "no fault at all",
    // An experiment's step: vasmap's own code and libc fault in pages as it runs, and
    // its heap moves between the steps.
    "(between the steps:",
    "memory: no RSS, dirty or swap figure changed",
    // Whether another process maps a page of libc too (the pages view's legend).
    "file (page cache) or shared-memory page",
    // `--all`: processes that came or went while it read.
    "without an address space left out",
    "memory (RSS, dirty, swap of the mappings involved):",
];

/// Parts of a line that come and go with the same causes (normalized text).
const OPTIONAL: &[&str] = &[
    // `diff`'s count of mappings whose figures alone changed: libc's RSS, say.
    ", # with new figures only",
    // The smaps field the kernel prints only on a CPU with memory protection keys
    // (`arch_pkeys_enabled()`, fs/proc/task_mmu.c): in JSON and in pmap's `-X` header.
    // (A map table's header and its left-out line: [`columns_that_fit`]; CSV:
    // [`without_optional_csv_column`].)
    ",\"ProtectionKey\":#",
    ",\"ProtectionKey\"",
    " ProtectionKey",
];

/// Sentences that come and go at the end of a paragraph, with all that follows them.
const OPTIONAL_ENDS: &[&str] = &[
    // fork-cow: the child's faults on code it runs for the first time.
    " The # other faults are the child running code",
];

/// A row of a map, a strip or a picture: a line whose first word is an address (at least
/// eight hex digits, or a range of two), or `diff`'s `=` line (a mapping whose figures
/// alone changed). Rows differ between runs and are not compared.
fn is_row(line: &str) -> bool {
    let t = line.trim_start();
    let t = t.strip_prefix("= ").unwrap_or(t);
    let word = t.split_whitespace().next().unwrap_or("");
    let hex = |w: &str| w.len() >= 8 && w.bytes().all(|b| b.is_ascii_hexdigit());
    hex(word) || word.split_once('-').is_some_and(|(a, b)| hex(a) && hex(b))
}

/// `text` with each wrapped line joined to the line it continues: where a line wraps
/// depends on how many digits its figures have this run (`1 present` or `16 present`),
/// which is not its shape. A continuation is indented deeper than the first line of its
/// paragraph, which is not a row (but for `diff`'s `=` line, whose figures wrap under it
/// on a terminal), and follows no heading (a line that ends with `:`, or a tour's `Step
/// N: title`, whose body is indented under it: joined to it, a step's lines had gone
/// with the first of them that comes and goes, `memory: no RSS ... changed`, and the
/// step's shape with them).
pub fn unwrapped(text: &str) -> Vec<String> {
    let indent = |l: &str| l.len() - l.trim_start().len();
    let heading = |l: &str| {
        l.trim_end().ends_with(':')
            || l.strip_prefix("Step ").is_some_and(|rest| {
                let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
                digits > 0 && rest[digits..].starts_with(": ")
            })
    };
    let mut out: Vec<String> = Vec::new();
    let (mut head, mut prev) = ("", "");
    for line in text.trim_end().lines() {
        let continues = !line.trim().is_empty()
            && !out.is_empty()
            && indent(line) > indent(head)
            && !heading(prev)
            && (!is_row(head) || head.starts_with("= "))
            && !is_rule(head)
            // A cut's `...`: what follows it is the block's tail, not its continuation.
            && head.trim() != "...";
        match out.last_mut() {
            Some(joined) if continues => {
                joined.push(' ');
                joined.push_str(line.trim_start());
            }
            _ => {
                out.push(line.to_string());
                head = line;
            }
        }
        prev = line;
    }
    out
}

/// A table's rule, under its header.
fn is_rule(line: &str) -> bool {
    let t = line.trim();
    !t.is_empty() && t.chars().all(|c| c == '─' || c == '═')
}

/// The lines whose shape must not change: not the rows of a map, a table or a picture.
/// A table's rows are the lines after its rule, up to its total (a line with the word
/// `total`), a blank line or a cut: which rows a table has, and in what order, is the
/// data (the summary is sorted by RSS, `--all` lists what the machine runs).
pub fn stable(text: &str) -> Vec<String> {
    let mut in_table = false;
    columns_that_fit(without_optional_csv_column(unwrapped(text)))
        .iter()
        .filter(|l| {
            if in_table {
                let end = l.trim().is_empty()
                    || l.trim() == "..."
                    || l.split_whitespace().any(|w| w == "total");
                in_table = !end;
            } else {
                in_table = is_rule(l);
            }
            !in_table || is_rule(l)
        })
        .filter(|l| !is_row(l) && !l.contains('┆'))
        .map(|l| normalize(l))
        .filter(|l| !VARIABLE.iter().any(|v| l.contains(v)) && !own_code(l))
        .collect()
}

/// A map table on a terminal shows the optional columns that fit its width (`RSS`,
/// `Swap`, the `-X` fields...), which depends on how many digits this run's figures have:
/// its header keeps only the columns every table has, and the line that says which were
/// left out is set aside.
fn columns_that_fit(lines: Vec<String>) -> Vec<String> {
    const ALWAYS: &[&str] = &[
        "Address", "Size", "Perm", "Kind", "Name", "What", "it", "is",
    ];
    let mut out: Vec<String> = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        if l.contains(" left out to fit ") {
            continue;
        }
        // The header (joined to the title above it, when indented under it).
        let header = l
            .find(" Address ")
            .filter(|_| lines.get(i + 1).is_some_and(|next| is_rule(next)));
        match header {
            Some(at) => {
                let kept: Vec<&str> = l[at..]
                    .split_whitespace()
                    .filter(|w| ALWAYS.contains(w))
                    .collect();
                out.push(format!("{} {}", &l[..at], kept.join("  ")));
            }
            None => out.push(l.clone()),
        }
    }
    out
}

#[test]
fn which_optional_columns_fit_is_not_the_shape() {
    let narrow = "1:   sleep\n Address  Size  RSS  Perm  Name\n─────\n total 4K\n Swap left out to fit 80 columns: --width=81 (or a pipe) shows every column\n";
    let wide = "1:   sleep\n Address  Size  RSS  Swap  Perm  Name\n─────\n total 4K\n";
    assert_eq!(stable(narrow), stable(wide));
    let no_perm = "1:   sleep\n Address  Size  RSS  Swap  Name\n─────\n total 4K\n";
    assert_ne!(stable(wide), stable(no_perm));
}

/// CSV lines without the `ProtectionKey` column (see [`OPTIONAL`]): from a header that
/// names it, the field at its place in every line with as many fields as the header.
fn without_optional_csv_column(lines: Vec<String>) -> Vec<String> {
    let mut column: Option<(usize, usize)> = None;
    lines
        .into_iter()
        .map(|l| {
            let fields: Vec<&str> = l.split(',').collect();
            if let Some(i) = fields.iter().position(|f| *f == "ProtectionKey") {
                column = Some((i, fields.len()));
            }
            match column {
                Some((i, n)) if fields.len() == n => {
                    let mut kept = fields;
                    kept.remove(i);
                    kept.join(",")
                }
                _ => l,
            }
        })
        .collect()
}

#[test]
fn the_protection_key_column_comes_and_goes() {
    let with = "$ vasmap --csv 1\nstart,Rss,ProtectionKey,name\n0x1,4,0,a\n0x2,8,0,b\n";
    let without = "$ vasmap --csv 1\nstart,Rss,name\n0x1,4,a\n0x2,8,b\n";
    assert_eq!(stable(with), stable(without));
    assert_ne!(
        stable(with),
        stable("$ vasmap --csv 1\nstart,name\n0x1,a\n0x2,b\n")
    );
    assert_eq!(
        normalize(r#""smaps_fields":["Locked","THPeligible","ProtectionKey"]"#),
        normalize(r#""smaps_fields":["Locked","THPeligible"]"#)
    );
}

/// An experiment's line for the memory of vasmap's own code or of the C library and
/// loader it runs on (`vasmap at #: RSS ...`, `libc.so.#: RSS ...`): pages its own work
/// faulted in, not the experiment's.
fn own_code(line: &str) -> bool {
    let t = line.trim_start();
    let Some((name, rest)) = t.split_once(": RSS ") else {
        return false;
    };
    let name = name.split(" at ").next().unwrap_or(name);
    !rest.is_empty() && ["vasmap", "libc.so.#", "ld-linux-x86-#.so.#"].contains(&name)
}

#[test]
fn normalizing_hides_numbers_only() {
    assert_eq!(
        normalize("  at 0x7f1c-0x7f1d: 44 bytes of file in 1 page"),
        " at #-#: # bytes of file in # page"
    );
    assert_eq!(
        normalize(" 00007f1cbe19f000      4K   r--p   file"),
        " # #K r--p file"
    );
    assert_eq!(normalize("libc.so.6 deadbeef"), "libc.so.# deadbeef");
    assert_eq!(
        normalize("Rss 1M = 256 pages, 2.9M (4.6 KiB)"),
        "Rss #K = # pages, #K (# KiB)"
    );
    assert_eq!(
        normalize("vasmap: sleep: 3 processes (pids 12, 40, 41)"),
        "vasmap: sleep: # processes (pids #)"
    );
    assert_eq!(
        normalize("12 processes (pids 1, 2, ...)"),
        "# processes (pids #)"
    );
    assert!(own_code(&normalize(
        "    vasmap at 55d0c1a2b000: RSS 4K -> 8K (+4K)"
    )));
    assert!(!own_code(&normalize("    anon: RSS 0K -> 256K (+256K)")));
    assert_eq!(
        normalize("3 added (+8212K), 0 shrunk (-0K), 1 with new figures only"),
        "# added (+#K), # shrunk (-#K)"
    );
    assert_eq!(
        normalize("only who owns which page. The 2 other faults are the child running code..."),
        "only who owns which page."
    );
}

#[test]
fn table_rows_are_set_aside() {
    let text = " Kind  RSS\n──────────\n heap  16K\n file  200K\n total 216K\n a note";
    assert_eq!(stable(text), [" Kind RSS", "─", " total #K", " a note"]);
}

#[test]
fn a_steps_body_is_not_joined_to_its_heading() {
    let with = "Step 3: the child writes\n  a call\n  memory (RSS, dirty, swap of the mappings involved):\n    libc.so.6: RSS 1K -> 2K\n  page faults: 3 minor, 0 major\n";
    let without = "Step 3: the child writes\n  a call\n  memory: no RSS, dirty or swap figure changed\n  page faults: 3 minor, 0 major\n";
    assert_eq!(stable(with), stable(without));
    assert!(stable(without).iter().any(|l| l.contains("page faults")));
}

#[test]
fn wrapped_lines_are_joined_and_rows_set_aside() {
    let text = "vasmap (pid 12) mapped x read-only\n  (PROT_READ):\n 00007f1c 4K r--p\n  total 4K\n\
        7f1c0000 F.\n    2 pages (8K): 1 present, 1\n      exclusive,\n      0 swapped\n\
        a heading:\n    its line\n= 7f1c0000-7f1c1000 4K libc.so.6  RSS +4K";
    assert_eq!(
        stable(text),
        [
            "vasmap (pid #) mapped x read-only (PROT_READ):",
            " total #K",
            " # pages (#K): # present, # exclusive, # swapped",
            "a heading:",
            " its line",
        ]
    );
}
