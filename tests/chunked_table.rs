//! [`ChunkedTable`] prints exactly what one comfy-table of the same rows prints: same
//! widths, same wrapping, same look, whether it writes rows directly or in chunks.

use comfy_table::{
    Cell, CellAlignment, ColumnConstraint, ContentArrangement, LineStyle, Row, Table, TableStyle,
};
use vasmap::view::chunked::{CHUNK_ROWS, ChunkedTable, Layout, Method};

/// The style of vasmap's table view.
const STYLE: TableStyle =
    TableStyle::new().header_separator(LineStyle::none().fill('─').junction('─'));

type Rows = Vec<Vec<(String, bool)>>;

fn one_table(layout: &Layout, rows: &Rows) -> String {
    let mut t = Table::new();
    t.load_style(layout.style);
    t.set_content_arrangement(ContentArrangement::Dynamic);
    if let Some(w) = layout.width {
        t.set_width(w);
    }
    if let Some(h) = &layout.header {
        t.set_header(h.clone());
    }
    for r in rows {
        let mut row = Row::new();
        for (text, right) in r {
            let c = Cell::new(text);
            row.add_cell(if *right {
                c.set_alignment(CellAlignment::Right)
            } else {
                c
            });
        }
        t.add_row(row);
    }
    for (i, c) in layout.constraints.iter().enumerate() {
        if let (Some(c), Some(col)) = (c, t.column_mut(i)) {
            col.set_constraint(*c);
        }
    }
    let mut s = String::new();
    for line in t.lines() {
        s.push_str(line.trim_end());
        s.push('\n');
    }
    s
}

fn chunked(layout: &Layout, rows: &Rows) -> String {
    chunked_by(layout, rows).0
}

fn chunked_by(layout: &Layout, rows: &Rows) -> (String, Method) {
    let mut t = ChunkedTable::new(layout.clone());
    for r in rows {
        t.add_row(r.iter().map(|(s, right)| (s.as_str(), *right)));
    }
    let mut out = Vec::new();
    let how = t.write(&mut out).unwrap();
    (String::from_utf8(out).unwrap(), how)
}

fn layout(width: Option<u16>, header: bool) -> Layout {
    Layout {
        style: STYLE,
        width,
        constraints: vec![
            Some(ColumnConstraint::ContentWidth),
            Some(ColumnConstraint::ContentWidth),
            Some(ColumnConstraint::ContentWidth),
            Some(ColumnConstraint::ContentWidth),
            None,
            None,
        ],
        header: header.then(|| {
            ["Address", "Size", "Perm", "Kind", "Name", ""]
                .map(String::from)
                .to_vec()
        }),
    }
}

fn rows(n: usize, long_names: bool) -> Rows {
    (0..n)
        .map(|i| {
            let name = match i % 7 {
                0 => String::new(),
                1 => "libc.so.6".to_string(),
                2 => "[stack]".to_string(),
                3 if long_names => format!("a file with a long name, {} words in it", i % 5),
                3 => "ld-linux-x86-64.so.2".to_string(),
                4 => "名前.txt".to_string(),
                5 => "x\\x20".to_string(),
                _ => "message.txt".to_string(),
            };
            let mark = if i == 5 { "◀ mapped by vasmap" } else { "" };
            vec![
                (
                    format!("{:016x}", 0x7f00_0000_0000u64 + i as u64 * 4096),
                    false,
                ),
                (format!("{}K", (i * 37) % 9000), true),
                (["r--p", "rw-p", "r-xp"][i % 3].to_string(), false),
                (
                    ["file", "thread stack (tid 12)", "anon"][i % 3].to_string(),
                    false,
                ),
                (name, false),
                (mark.to_string(), false),
            ]
        })
        .collect()
}

#[test]
fn same_as_one_table_without_wrapping() {
    for header in [true, false] {
        let l = layout(None, header);
        let r = rows(50, false);
        let want = one_table(&l, &r);
        let (got, how) = chunked_by(&l, &r);
        assert_eq!(got, want);
        assert_eq!(how, Method::Direct);
        assert!(want.contains("名前.txt"));
    }
}

#[test]
fn headers_wider_than_every_cell() {
    let mut l = layout(None, true);
    l.header = Some(
        [
            "Address of it",
            "Size of the mapping",
            "Permissions",
            "Kind",
            "Name",
            "",
        ]
        .map(String::from)
        .to_vec(),
    );
    let r = rows(30, false);
    let (got, how) = chunked_by(&l, &r);
    assert_eq!(got, one_table(&l, &r));
    assert_eq!(how, Method::Direct);
}

#[test]
fn same_as_one_table_at_many_widths() {
    let r = rows(40, true);
    for w in [20, 50, 60, 75, 80, 100, 140, 300] {
        let l = layout(Some(w), true);
        let (got, how) = chunked_by(&l, &r);
        assert_eq!(got, one_table(&l, &r), "width {w}");
        // The longest name is 38 columns; the fixed columns take about 60.
        assert_eq!(how == Method::Direct, w >= 140, "width {w}");
    }
}

#[test]
fn same_as_one_table_across_chunks() {
    let r = rows(CHUNK_ROWS * 2 + 77, true);
    for (w, want_how) in [(Some(70), Method::Chunked), (None, Method::Direct)] {
        let l = layout(w, true);
        let (got, how) = chunked_by(&l, &r);
        assert_eq!(got, one_table(&l, &r), "width {w:?}");
        assert_eq!(how, want_how);
    }
}

#[test]
fn totals_row_with_fewer_cells_and_empty_table() {
    let l = layout(Some(90), true);
    let mut r = rows(10, false);
    r.push(vec![("total".into(), false), ("1234K".into(), true)]);
    assert_eq!(chunked(&l, &r), one_table(&l, &r));
    let empty: Rows = Vec::new();
    assert_eq!(chunked(&l, &empty), one_table(&l, &empty));
}
