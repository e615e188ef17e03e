//! The words for a mapping of an ELF file: which of its sections the mapping holds (the
//! notable ones first, in address order), what part of the image it is (code, relocated
//! read-only data, writable data, `.bss`), and the rest of a `.bss` that spills into the
//! anonymous mapping after the file's last page.

use super::{Explainer, LISTED, base_of};
use crate::model::{Explanation, Kind, Region};
use crate::read::elf::{PAGE, page_down};
use crate::teach::words::file_words;
use crate::view::pipeline::Neighbours;

/// Sections worth naming first when a mapping holds many, most telling first.
const NOTABLE: &[&str] = &[
    ".text",
    ".data",
    ".bss",
    ".rodata",
    ".data.rel.ro",
    ".got",
    ".eh_frame",
    ".dynsym",
    ".dynstr",
    ".rela.dyn",
    ".plt",
    ".got.plt",
    ".dynamic",
    ".init_array",
    ".tdata",
];

/// At most this many section names in the one-line text.
const SHOWN: usize = 3;

/// The one-line list: `ELF header` when present, then up to [`SHOWN`] sections, the
/// notable ones first, printed in address order, and how many more.
fn short_list(names: &[String], partial: &[&str]) -> String {
    let header = names.first().is_some_and(|n| n == "ELF header");
    let body = if header { &names[1..] } else { names };
    let mut picked: Vec<usize> = Vec::new();
    for want in NOTABLE {
        if picked.len() == SHOWN {
            break;
        }
        if let Some(i) = body.iter().position(|n| n == want) {
            picked.push(i);
        }
    }
    for i in 0..body.len() {
        if picked.len() == SHOWN {
            break;
        }
        if !picked.contains(&i) {
            picked.push(i);
        }
    }
    picked.sort_unstable();
    let mut s = if header {
        "ELF header".to_string()
    } else {
        String::new()
    };
    for &i in &picked {
        if !s.is_empty() {
            s.push_str(", ");
        }
        if partial.contains(&body[i].as_str()) {
            s.push_str("part of ");
        }
        s.push_str(&body[i]);
    }
    if body.len() > picked.len() {
        s.push_str(&format!(" +{} more", body.len() - picked.len()));
    }
    s
}

/// True for a region with no access at all.
fn no_access(r: &Region) -> bool {
    !r.perms.read && !r.perms.write && !r.perms.exec
}

impl Explainer {
    /// The words for a mapping of an ELF file.
    pub(super) fn explain_elf(
        &mut self,
        near: &dyn Neighbours,
        pid: i32,
        note: Option<&str>,
    ) -> Explanation {
        let Some(r) = near.at(0) else {
            return Explanation::default();
        };
        if no_access(r) {
            return Explanation::plain(
                "no access: a hole between the file's segments, kept reserved",
            );
        }
        let elf = match self.elf_of(r, pid, base_of(near, 0)) {
            Ok(Some(e)) => e,
            Ok(None) => return Explanation::plain(file_words(r)),
            Err(why) => return Explanation::plain(format!("cannot name its sections: {why}")),
        };
        let Some(bias) = elf.bias_for(r, base_of(near, 0)) else {
            return Explanation::plain(format!(
                "{} (not one of the file's loadable segments)",
                file_words(r)
            ));
        };
        let start = r.start.wrapping_sub(bias);
        let end = r.end.wrapping_sub(bias);
        let mut names: Vec<String> = Vec::new();
        let header = elf.header_addr().is_some_and(|h| start <= h && h < end);
        if header {
            names.push("ELF header".to_string());
        }
        let inside = elf.sections_in(start, end);
        names.extend(inside.iter().take(LISTED).map(|s| s.name.clone()));
        // A section that crosses the mapping's start or end (`.got.plt` across the end of
        // the relro part, `.bss` past the file's last page) is only partly here: the list
        // says "part of", and the mapping beside it names it too.
        let partial: Vec<&str> = inside
            .iter()
            .take(LISTED)
            .filter(|s| s.addr < start || s.addr.saturating_add(s.size) > end)
            .map(|s| s.name.as_str())
            .collect();
        if inside.len() > LISTED {
            names.push(format!("… and {} more", inside.len() - LISTED));
        }
        let relro = elf
            .relro
            .is_some_and(|(a, n)| !r.perms.write && start >= page_down(a) && end <= a + n + PAGE);
        let role = if r.perms.exec {
            if r.kind == Kind::Loader {
                "code of the dynamic loader: it mapped the libraries and links calls to them"
            } else {
                "code"
            }
        } else if relro {
            "read-only after relocation"
        } else if r.perms.write {
            let bss = names.iter().any(|n| n == ".bss");
            let data = names.iter().any(|n| n != ".bss" && n != "ELF header");
            match (data, bss) {
                (true, true) => "writable data; .bss starts zeroed",
                (false, true) => "zeroed data",
                _ => "writable data",
            }
        } else if header {
            if names.iter().any(|n| n == ".rodata" || n == ".text") {
                "headers and tables for the loader, and read-only data"
            } else {
                "headers and tables for the loader"
            }
        } else {
            "read-only data"
        };
        let list = if names.is_empty() {
            "no sections".to_string()
        } else {
            short_list(&names, &partial)
        };
        let text = match note {
            Some(n) => format!("{list} ({role}; {n})"),
            None => format!("{list} ({role})"),
        };
        Explanation {
            text,
            sections: names,
        }
    }

    /// For an anonymous region right after an ELF file's writable mapping: the rest of
    /// that file's `.bss` (the part past the file's last page), when its headers say so.
    pub(super) fn bss_words(&mut self, near: &dyn Neighbours, pid: i32) -> Option<String> {
        let r = near.at(0)?;
        let prev = near.at(-1)?;
        if prev.end != r.start || !prev.perms.write || prev.inode == 0 || !r.perms.write {
            return None;
        }
        if !self.runs_code(near, -1) {
            return None;
        }
        let elf = self.elf_of(prev, pid, base_of(near, -1)).ok()??;
        let bias = elf.bias_for(prev, base_of(near, -1))?;
        let file_end = elf.data_file_end()?.wrapping_add(bias);
        let mem_end = elf.data_end()?.wrapping_add(bias);
        if file_end != r.start || mem_end <= r.start {
            return None;
        }
        let owner = prev.escape_name_part(prev.basename());
        let bss_end = mem_end.div_ceil(PAGE) * PAGE;
        Some(if bss_end >= r.end {
            format!("the rest of {owner}'s .bss: zero-filled, no file behind it")
        } else {
            format!(
                "the rest of {owner}'s .bss ({} kB), then other anonymous memory",
                (bss_end - r.start) / 1024
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_list_prefers_notable_sections_in_address_order() {
        let names: Vec<String> = [
            "ELF header",
            ".interp",
            ".dynsym",
            ".dynstr",
            ".gnu.version",
            ".rela.dyn",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(
            short_list(&names, &[]),
            "ELF header, .dynsym, .dynstr, .rela.dyn +2 more"
        );
        let two: Vec<String> = vec![".data".into(), ".bss".into()];
        assert_eq!(short_list(&two, &[]), ".data, .bss");
        assert_eq!(short_list(&two, &[".bss"]), ".data, part of .bss");
    }
}
