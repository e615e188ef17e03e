//! `vasmap --all`'s table: the rows of an [`AllView`] in order, laid out on the grid to fit
//! the terminal (or `--width`), the total row, and the lines under it: what the figures
//! mean, and how many processes were left out and why.

use std::io::{self, Write};

use crate::view::all::{
    AllTotals, AllView, AllViewOptions, COMMAND, FIGURES, LeftOut, MAPS, PID, USER, shown,
};
use crate::view::grid::{Grid, line_end, width_of};
use crate::view::numfmt::dec_width;
use crate::view::packed::PackedReader;

pub(crate) fn table(view: &mut AllView, out: &mut dyn Write) -> io::Result<()> {
    let t = view.totals;
    let total_cells: [Option<u64>; 5] = [
        Some(t.rss_kb),
        Some(t.pss_kb),
        Some(t.uss_kb),
        Some(t.swap_kb),
        Some(t.swap_pss_kb),
    ];
    if !view.opts.quiet {
        for (i, v) in total_cells.iter().enumerate() {
            if let Some(v) = v {
                view.grid.measure(FIGURES + i, dec_width(*v) + 1);
            }
        }
        if let Some(n) = t.mappings {
            view.grid.measure(MAPS, dec_width(n));
        }
        view.grid.measure(COMMAND, "total".len());
    }
    let width = view.opts.width.map(usize::from);
    let plan = view.grid.plan(width);
    let mut buf: Vec<u8> = Vec::with_capacity(64 * 1024);
    if !view.opts.quiet {
        view.grid.header(&plan, &mut buf);
    }
    let show_maps = view.opts.mappings;
    let mut rows = std::mem::take(&mut view.rows);
    let grid = std::mem::replace(&mut view.grid, Grid::new(Vec::new(), false));
    let index = std::mem::take(&mut view.index);
    let mut packed = Vec::new();
    for &(_, _, at) in &index {
        rows.get(at, &mut packed)?;
        let mut rd = PackedReader::new(&packed);
        let start = grid.line_start(&mut buf);
        grid.number(&plan, PID, rd.u64(), b"", &mut buf);
        let uid = u32::try_from(rd.u64()).unwrap_or(0);
        let user = match view.user(uid) {
            Some(name) => shown(name).into_owned(),
            None => uid.to_string(),
        };
        grid.cell(
            &plan,
            USER,
            user.as_bytes(),
            width_of(user.as_bytes()),
            "",
            &mut buf,
        );
        for i in 0..5 {
            grid.number(&plan, FIGURES + i, rd.u64(), b"K", &mut buf);
        }
        let maps = rd.u64().checked_sub(1);
        match maps.filter(|_| show_maps) {
            Some(n) => grid.number(&plan, MAPS, n, b"", &mut buf),
            None => grid.cell(&plan, MAPS, b"", 0, "", &mut buf),
        }
        let command = shown(rd.bytes());
        let cw = width_of(command.as_bytes());
        grid.cell(&plan, COMMAND, command.as_bytes(), cw, "", &mut buf);
        line_end(&mut buf, start);
        if buf.len() >= crate::stdio::OUT_BUFFER {
            out.write_all(&buf)?;
            buf.clear();
        }
    }
    if !view.opts.quiet {
        let start = grid.line_start(&mut buf);
        grid.cell(&plan, PID, b"", 0, "", &mut buf);
        grid.cell(&plan, USER, b"", 0, "", &mut buf);
        for (i, v) in total_cells.iter().enumerate() {
            grid.number(&plan, FIGURES + i, v.unwrap_or(0), b"K", &mut buf);
        }
        match t.mappings {
            Some(n) => grid.number(&plan, MAPS, n, b"", &mut buf),
            None => grid.cell(&plan, MAPS, b"", 0, "", &mut buf),
        }
        grid.cell(&plan, COMMAND, b"total", 5, "", &mut buf);
        line_end(&mut buf, start);
    }
    out.write_all(&buf)?;
    if view.opts.quiet {
        return Ok(());
    }
    let mut lines = notes(&t, &view.left, &view.opts);
    lines.extend(plan.dropped_line());
    crate::view::grid::write_notes(&lines, width, out)
}

/// The lines under the table: what the totals mean, and what was left out.
fn notes(t: &AllTotals, l: &LeftOut, o: &AllViewOptions) -> Vec<String> {
    let plural = |n: u64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let mut lines = Vec::new();
    let what = if o.filtered {
        "of the matching mappings"
    } else {
        "from the kernel's smaps_rollup"
    };
    lines.push(format!(
        "{} shown, figures in kB {what}: RSS counts a shared page in every process \
         mapping it, PSS divides it among them (the PSS total is what they hold in RAM \
         together), USS is what each holds alone",
        plural(t.processes, "process", "processes")
    ));
    if l.denied > 0 {
        lines.push(format!(
            "{} could not be read (permission denied: other users' processes, or ones \
             that are not dumpable); run vasmap as root to see them",
            plural(l.denied, "process", "processes")
        ));
    }
    if l.no_address_space > 0 {
        lines.push(format!(
            "{} without an address space left out (kernel threads, zombies, or processes \
             that exited while vasmap read them)",
            plural(l.no_address_space, "process", "processes")
        ));
    }
    if l.no_match > 0 {
        lines.push(format!(
            "{} map nothing that matches the filters",
            plural(l.no_match, "process", "processes")
        ));
    }
    if l.failed > 0 {
        lines.push(format!(
            "{} failed; the first: {}",
            plural(l.failed, "process", "processes"),
            l.first_error.as_deref().unwrap_or("")
        ));
    }
    lines
}
