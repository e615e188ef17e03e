//! Reading the capture marks of a markdown file: `<!-- capture OPTIONS: vasmap WORDS | CUT -->`
//! lines, each followed by a ``` block (the syntax is described in tests/captures.rs).
#![allow(dead_code)]

/// One capture: what to run and how, and where its block is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capture {
    /// The mark's line, counted from 1, for messages.
    pub line: usize,
    /// Columns of the pseudo-terminal the command runs on (`tty`, `tty=N`); `None`: a pipe.
    pub tty: Option<u16>,
    /// `$`: the block starts with the command, as the reader types it.
    pub prompt: bool,
    /// The exit status the command must end with (`exit=N`; 0 unless said).
    pub exit: i32,
    /// The command's words after `vasmap`, as written (quotes and placeholders kept).
    pub words: Vec<String>,
    /// `| head N [tail M]` or `| until TEXT`.
    pub cut: Option<Cut>,
    /// Index of the block's first text line, and of its closing fence.
    pub body: (usize, usize),
}

const OPEN: &str = "<!-- capture";
const CLOSE: &str = "-->";

/// Every capture of a file's lines; `file` names it in a panic (a mark that does not
/// parse is a mistake in the document, found at once).
pub fn captures(file: &str, lines: &[&str]) -> Vec<Capture> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let Some(rest) = lines[i].strip_prefix(OPEN) else {
            i += 1;
            continue;
        };
        let at = format!("{file}:{}", i + 1);
        let rest = rest
            .trim_end()
            .strip_suffix(CLOSE)
            .unwrap_or_else(|| panic!("{at}: a capture mark ends with `-->` on its line"));
        let (options, command) = rest
            .split_once(':')
            .unwrap_or_else(|| panic!("{at}: no `:` after `<!-- capture`"));
        let (command, cut) = match command.split_once(" | ") {
            Some((c, cut)) => (c, Some(parse_cut(&at, cut))),
            None => (command, None),
        };
        let words = split_words(&at, command);
        assert!(
            words.first().is_some_and(|w| w == "vasmap"),
            "{at}: a capture runs `vasmap ...`"
        );
        let mut capture = Capture {
            line: i + 1,
            tty: None,
            prompt: false,
            exit: 0,
            words: words[1..].to_vec(),
            cut,
            body: (0, 0),
        };
        for option in options.split_whitespace() {
            match option.split_once('=') {
                _ if option == "$" => capture.prompt = true,
                _ if option == "tty" => capture.tty = Some(80),
                Some(("tty", n)) => capture.tty = Some(number(&at, n) as u16),
                Some(("exit", n)) => capture.exit = number(&at, n) as i32,
                _ => panic!("{at}: unknown capture option {option:?}"),
            }
        }
        assert!(
            lines.get(i + 1).is_some_and(|l| l.starts_with("```")),
            "{at}: a capture mark must be followed by a ``` block"
        );
        let start = i + 2;
        let end = (start..lines.len())
            .find(|&j| lines[j].starts_with("```"))
            .unwrap_or_else(|| panic!("{at}: unclosed block"));
        capture.body = (start, end);
        out.push(capture);
        i = end + 1;
    }
    out
}

fn number(at: &str, text: &str) -> usize {
    text.parse()
        .unwrap_or_else(|_| panic!("{at}: {text:?} is not a number"))
}

/// How much of an output a block shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cut {
    /// The first N lines, a `...` line, and the last M.
    Head(usize, usize),
    /// The lines before the first that contains TEXT, and a `...` line: a cut that stays
    /// in place when lines before it come and go (an experiment's variable lines).
    Until(String),
}

/// `head N`, `head N tail M` or `until TEXT` (`'...'` keeps the spaces of TEXT).
fn parse_cut(at: &str, text: &str) -> Cut {
    if let Some(t) = text.trim().strip_prefix("until ") {
        return Cut::Until(unquoted(t.trim()));
    }
    let words: Vec<&str> = text.split_whitespace().collect();
    match words[..] {
        ["head", n] => Cut::Head(number(at, n), 0),
        ["head", n, "tail", m] => Cut::Head(number(at, n), number(at, m)),
        _ => panic!("{at}: the cut is `head N`, `head N tail M` or `until TEXT`, not {text:?}"),
    }
}

/// Words split at spaces; a `'...'` part keeps its spaces (the quotes stay in the word:
/// [`unquoted`] takes them off for the command).
pub fn split_words(at: &str, text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quoted = false;
    for c in text.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                word.push(c);
            }
            c if c.is_whitespace() && !quoted => {
                if !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
            }
            c => word.push(c),
        }
    }
    assert!(!quoted, "{at}: unbalanced quote in {text:?}");
    if !word.is_empty() {
        words.push(word);
    }
    words
}

/// A word as the shell passes it: its quotes taken off.
pub fn unquoted(word: &str) -> String {
    word.replace('\'', "")
}

/// `lines` cut as the capture says: the first N, a `...` line, and the last M (all of
/// them when there are no more than N + M); or the lines before the first holding TEXT
/// and `...` (`None` when no line holds it).
pub fn cut<'a>(lines: &[&'a str], cut: Option<&Cut>) -> Option<Vec<&'a str>> {
    let mut out;
    match cut {
        Some(Cut::Head(head, tail)) if lines.len() > head + tail => {
            out = lines[..*head].to_vec();
            out.push("...");
            out.extend_from_slice(&lines[lines.len() - tail..]);
        }
        Some(Cut::Until(text)) => {
            out = lines[..lines.iter().position(|l| l.contains(text.as_str()))?].to_vec();
            out.push("...");
        }
        _ => out = lines.to_vec(),
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_parse() {
        let doc = [
            "text",
            "<!-- capture tty $ exit=1: vasmap -q --name 'LC_*' @sleep | head 3 tail 1 -->",
            "```",
            "$ vasmap -q --name 'LC_*' 42",
            "```",
            "<!-- capture: vasmap layout self | until '| x' -->",
            "```text",
            "```",
        ];
        let caps = captures("doc", &doc);
        assert_eq!(caps.len(), 2);
        assert_eq!(caps[0].tty, Some(80));
        assert!(caps[0].prompt);
        assert_eq!(caps[0].exit, 1);
        assert_eq!(caps[0].words, ["-q", "--name", "'LC_*'", "@sleep"]);
        assert_eq!(caps[0].cut, Some(Cut::Head(3, 1)));
        assert_eq!(caps[0].body, (3, 4));
        assert_eq!(caps[1].tty, None);
        assert_eq!(caps[1].words, ["layout", "self"]);
        assert_eq!(caps[1].cut, Some(Cut::Until("| x".into())));
        assert_eq!(caps[1].body, (7, 7));
        assert_eq!(unquoted("'[stack]'"), "[stack]");
    }

    #[test]
    fn cuts_keep_the_ends() {
        let lines = ["a", "b", "c", "d", "e"];
        let head = |n, m| Some(Cut::Head(n, m));
        assert_eq!(
            cut(&lines, head(2, 1).as_ref()).unwrap(),
            ["a", "b", "...", "e"]
        );
        assert_eq!(cut(&lines, head(2, 0).as_ref()).unwrap(), ["a", "b", "..."]);
        assert_eq!(cut(&lines, head(4, 1).as_ref()).unwrap(), lines);
        assert_eq!(cut(&lines, None).unwrap(), lines);
        let until = Cut::Until("d".into());
        assert_eq!(cut(&lines, Some(&until)).unwrap(), ["a", "b", "c", "..."]);
        assert_eq!(cut(&lines, Some(&Cut::Until("z".into()))), None);
    }
}
