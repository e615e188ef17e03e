//! `--legend` (and the end of `--explain`): under the table, what its colours, figures
//! and permission letters mean, one line each, fitted to the width.

use std::io::{self, Write};

use crate::view::color::{Paint, paint};

/// Which of the explained columns the table shows.
#[derive(Debug, Clone, Copy, Default)]
pub struct Shown {
    pub size: bool,
    pub rss: bool,
    pub pss: bool,
    pub dirty: bool,
    pub swap: bool,
    pub perm: bool,
}

/// The colours, in short words (the whole legend is in [`crate::view::color::LEGEND`]).
const COLOURS: [(Paint, &str); 7] = [
    (Paint::Code, "code"),
    (Paint::Data, "writable data"),
    (Paint::ReadOnly, "read-only"),
    (Paint::Heap, "heap"),
    (Paint::Stack, "stacks"),
    (Paint::Guard, "no access"),
    (Paint::WriteExec, "writable and executable"),
];

/// The lines for what the table shows, without the colours.
pub fn lines(shown: Shown) -> Vec<&'static str> {
    let mut out = Vec::new();
    if shown.perm {
        out.push(
            "Perm: r read, w write, x execute; p private (a write makes this process its own \
             copy of the page), s shared (every process mapping it sees the same pages; \
             where it is writable too, writes reach the file)",
        );
    }
    if shown.size {
        out.push("Size: address space the mapping takes, not memory it uses");
    }
    if shown.rss {
        out.push("RSS: how much of the mapping is in RAM now (resident)");
    }
    if shown.pss {
        out.push(
            "PSS: RSS with each page shared by N processes counted as 1/N, so that PSS adds \
             up across processes",
        );
    }
    if shown.dirty {
        out.push(
            "Dirty: pages written since they were read in: a file's must be written back, \
             anonymous ones kept or swapped, before their RAM can be reused",
        );
    }
    if shown.swap {
        out.push("Swap: pages moved out of RAM to swap space");
    }
    out
}

/// Write the legend: the colours (each word in its colour) when `color`, then [`lines`],
/// each wrapped to `width` with the table's one-space margin.
pub fn write(
    shown: Shown,
    color: bool,
    width: Option<usize>,
    out: &mut dyn Write,
) -> io::Result<()> {
    if color {
        // Written word by word: the colour sequences must not be measured or wrapped.
        let limit = width.unwrap_or(usize::MAX);
        let mut used = " colours:".len();
        write!(out, " colours:")?;
        for (n, (p, word)) in COLOURS.iter().enumerate() {
            let sep = if n == 0 { " " } else { ", " };
            if used + sep.len() + word.len() + 1 > limit {
                write!(out, "{}\n   ", sep.trim_end())?;
                used = 3;
            } else {
                write!(out, "{sep}")?;
                used += sep.len();
            }
            write!(out, "{}", paint(word, *p, true))?;
            used += word.len();
        }
        writeln!(out)?;
    }
    crate::view::grid::write_notes(&lines(shown), width, out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_line_fits_and_colours_show_only_with_colour() {
        let all = Shown {
            size: true,
            rss: true,
            pss: true,
            dirty: true,
            swap: true,
            perm: true,
        };
        let mut plain = Vec::new();
        write(all, false, Some(60), &mut plain).unwrap();
        let plain = String::from_utf8(plain).unwrap();
        assert!(!plain.contains("colours"));
        assert!(plain.lines().all(|l| l.len() <= 60), "{plain}");
        assert!(plain.contains("PSS: RSS with each page shared by N processes"));
        let mut coloured = Vec::new();
        write(Shown::default(), true, Some(60), &mut coloured).unwrap();
        let coloured = String::from_utf8(coloured).unwrap();
        assert!(coloured.contains("\x1b[31mcode\x1b[0m"), "{coloured:?}");
        let stripped: String = coloured
            .split('\x1b')
            .map(|p| p.split_once('m').map_or(p, |(_, rest)| rest))
            .collect();
        assert!(stripped.lines().all(|l| l.len() <= 60), "{stripped}");
    }
}
