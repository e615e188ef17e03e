//! The figures an experiment measures beside the rows (a program break, a fault count, a
//! byte read back from a file, a time), each with its unit and the way the text shows
//! it, and the page strip of one mapping.

use serde::Serialize;

use super::report::Hex;

/// A figure the experiment measured, with its unit. The text prints `label: value`.
#[derive(Debug, Clone, Serialize)]
pub struct Figure {
    pub key: &'static str,
    pub label: String,
    pub value: serde_json::Value,
    /// `kB`, `bytes`, `pages`, `faults`, `us`, `address`, `byte` (one byte of data, as a
    /// number), `text`, or `` for a plain count.
    pub unit: &'static str,
    /// The value as the text prints it.
    #[serde(skip)]
    pub shown: String,
}

impl Figure {
    /// A count with a unit (`kB`, `pages`, `bytes`...).
    pub fn count(key: &'static str, label: &str, v: u64, unit: &'static str) -> Figure {
        let shown = match unit {
            "" => v.to_string(),
            // `1 page`, `1 fault`, `1 byte`.
            plural if v == 1 && plural.ends_with('s') => {
                format!("{v} {}", &plural[..plural.len() - 1])
            }
            _ => format!("{v} {unit}"),
        };
        Figure {
            key,
            label: label.to_string(),
            value: v.into(),
            unit,
            shown,
        }
    }

    /// An address.
    pub fn addr(key: &'static str, label: &str, v: u64) -> Figure {
        Figure {
            key,
            label: label.to_string(),
            value: format!("{v:#x}").into(),
            unit: "address",
            shown: format!("{v:#x}"),
        }
    }

    /// One byte of data, shown as a character.
    pub fn byte(key: &'static str, label: &str, v: u8) -> Figure {
        let ch = crate::text::escape_text(&[v], false);
        Figure {
            key,
            label: label.to_string(),
            value: v.into(),
            unit: "byte",
            shown: format!("'{ch}' ({v:#04x})"),
        }
    }

    /// A duration in microseconds, shown in milliseconds.
    pub fn micros(key: &'static str, label: &str, us: u64) -> Figure {
        Figure {
            key,
            label: label.to_string(),
            value: us.into(),
            unit: "us",
            shown: format!("{}.{:03} ms", us / 1000, us % 1000),
        }
    }

    /// Text (already escaped by the caller where it came from outside).
    pub fn text(key: &'static str, label: &str, v: String) -> Figure {
        Figure {
            key,
            label: label.to_string(),
            shown: v.clone(),
            value: v.into(),
            unit: "text",
        }
    }
}

/// Which pages of one mapping are present, one character per page (or per group).
#[derive(Debug, Clone, Serialize)]
pub struct PageStrip {
    /// The mapping, as the text names it.
    pub of: String,
    pub start: Hex,
    pub pages: u64,
    /// Pages per character.
    pub per_char: u64,
    pub strip: String,
    pub present: u64,
    /// Present pages mapped by another process too.
    pub shared: u64,
    pub swapped: u64,
}
