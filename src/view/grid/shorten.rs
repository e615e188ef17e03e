//! Text fitted to a number of columns: display widths, a name shortened in the middle with
//! `…` (keeping its end), a command line kept to its program's basename, words dropped from
//! the end, and `--explain`'s words wrapped at spaces. No word or number is ever split.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// The display width of escaped text (printable ASCII is one column a byte).
pub fn width_of(text: &[u8]) -> usize {
    if text.is_ascii() {
        return text.len();
    }
    std::str::from_utf8(text).map_or(text.len(), UnicodeWidthStr::width)
}

/// `text` cut to `width` columns in the middle with `…`: a third from its start, the rest
/// from its end.
pub fn shorten_middle(text: &str, width: usize) -> String {
    if text.width() <= width {
        return text.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let keep = width - 1;
    let head_w = keep / 3;
    let mut head = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > head_w {
            break;
        }
        head.push(c);
        used += w;
    }
    let tail_w = keep - used;
    let mut tail: Vec<char> = Vec::new();
    let mut tused = 0;
    for c in text.chars().rev() {
        let w = c.width().unwrap_or(0);
        if tused + w > tail_w {
            break;
        }
        tail.push(c);
        tused += w;
    }
    head.push('…');
    head.extend(tail.iter().rev());
    head
}

/// A command line fitted to `width` columns: without the directory of its program (the
/// first word) when it does not fit whole, then cut at its end ([`shorten_end`]).
pub fn shorten_command(text: &str, width: usize) -> String {
    if text.width() <= width {
        return text.to_string();
    }
    let first = text.split(' ').next().unwrap_or(text);
    let text = match first.rfind('/') {
        Some(i) if i + 1 < first.len() => &text[i + 1..],
        _ => text,
    };
    shorten_end(text, width)
}

/// `text` cut to `width` columns at its end, with `…`.
pub fn shorten_end(text: &str, width: usize) -> String {
    if text.width() <= width {
        return text.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        out.push(c);
        used += w;
    }
    if width > 0 {
        out.push('…');
    }
    out
}

/// `text` with whole words dropped from its end until it fits `width` (its first word
/// always stays).
pub fn shorten_words(text: &str, width: usize) -> String {
    let mut out = String::new();
    for word in text.split(' ') {
        let candidate = if out.is_empty() {
            word.to_string()
        } else {
            format!("{out} {word}")
        };
        if !out.is_empty() && candidate.width() > width {
            break;
        }
        out = candidate;
    }
    out
}

/// `text` as it is when it fits `width` or there is none (a pipe: scripts get whole
/// lines); else [`wrap`]ped, the lines after the first indented by `indent`, joined by
/// newlines: a sentence of `--addr`, `diff` or `watch` on a terminal.
pub fn fit_lines(text: &str, width: Option<usize>, indent: usize) -> String {
    match width {
        Some(w) if text.width() > w => {
            let pad = " ".repeat(indent);
            wrap(text, w.saturating_sub(indent)).join(&format!("\n{pad}"))
        }
        _ => text.to_string(),
    }
}

/// `text` broken at spaces into lines of at most `width` columns (a word longer than that
/// is a line of its own, shortened in the middle).
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let word = shorten_middle(word, width);
        if !line.is_empty() && line.width() + 1 + word.width() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(&word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shortening_keeps_the_end_and_fits() {
        assert_eq!(shorten_middle("libgtk-3.so.0.2404.32", 12), "lib….2404.32");
        assert_eq!(shorten_middle("short", 12), "short");
        assert_eq!(
            shorten_end("/usr/bin/python3 -m http.server", 12),
            "/usr/bin/py…"
        );
        assert_eq!(shorten_end("日本語テキストです", 7).width(), 7);
        assert_eq!(
            shorten_command("/root/.pyenv/versions/3.11.7/bin/python3 /tmp/t.py", 24),
            "python3 /tmp/t.py"
        );
        assert_eq!(
            shorten_command("/usr/bin/sleep 1000", 30),
            "/usr/bin/sleep 1000"
        );
        assert_eq!(
            shorten_command("/usr/lib/x/a-very-long-daemon --flag", 12),
            "a-very-long…"
        );
        assert_eq!(shorten_middle("日本語テキストです", 7).width(), 7);
        assert_eq!(
            shorten_words("◀ message.txt mapped by vasmap", 14),
            "◀ message.txt"
        );
        assert_eq!(shorten_words("◀ message.txt", 1), "◀");
        assert_eq!(wrap("a bb ccc dddd", 6), ["a bb", "ccc", "dddd"]);
    }
}
