//! `dlopen`: load a library of the system at run time, call a function of it, unload it.
//!
//! The library is the first of a few that every glibc system has and that vasmap does not
//! already map (libm, libresolv...), so that its rows are new. The loader that maps it
//! (`ld-linux-x86-64.so.2` on x86-64) is the one that mapped libc before `main`: the
//! experiment names the loader's own rows to show why it is in every process.

use std::ffi::CString;

use super::report::{Figure, Step};
use super::{Tour, TourError};
use crate::model::Kind;

/// Libraries to try, with a function of each that takes a double and returns one (or
/// none). All come with glibc or are on every Debian system.
const CANDIDATES: &[(&str, Option<&str>)] = &[
    ("libm.so.6", Some("cos")),
    ("libz.so.1", None),
    ("libresolv.so.2", None),
    ("libutil.so.1", None),
];

/// The loader's message, for an error: `dlerror()`.
fn dlerror() -> String {
    // SAFETY: dlerror returns a NUL-terminated string or NULL.
    unsafe {
        let e = libc::dlerror();
        if e.is_null() {
            "unknown error".to_string()
        } else {
            crate::text::escape_text(std::ffi::CStr::from_ptr(e).to_bytes(), false)
        }
    }
}

/// `dlopen`: dlopen, dlsym and a call, dlclose.
pub fn dlopen(t: &mut Tour) -> Result<(), TourError> {
    let name = t.name();
    let now = t.probe.snapshot()?;
    let mapped = |lib: &str| now.regions.iter().any(|r| r.basename() == lib.as_bytes());
    let Some(&(lib, func)) = CANDIDATES.iter().find(|(l, _)| !mapped(l)) else {
        return Err(TourError::Call {
            experiment: name,
            call: "dlopen".to_string(),
            source: std::io::Error::other(
                "every candidate library (libm, libz, libresolv, libutil) is already mapped",
            ),
        });
    };
    let c_lib = CString::new(lib).unwrap_or_default();
    let c_func = func.map(|f| CString::new(f).unwrap_or_default());

    // SAFETY: dlopen with a NUL-terminated name; the library's constructors run.
    let m = t
        .probe
        .measure(|| unsafe { libc::dlopen(c_lib.as_ptr(), libc::RTLD_NOW | libc::RTLD_LOCAL) })?;
    let handle = m.value;
    if handle.is_null() {
        return Err(TourError::Call {
            experiment: name,
            call: format!("dlopen(\"{lib}\", RTLD_NOW)"),
            source: std::io::Error::other(dlerror()),
        });
    }
    let rows: Vec<_> = m
        .after
        .regions
        .iter()
        .filter(|r| r.basename() == lib.as_bytes())
        .collect();
    let bytes: u64 = rows.iter().map(|r| r.size()).sum();
    let perms: Vec<String> = rows.iter().map(|r| r.perms.to_maps_string()).collect();
    let loader: Vec<_> = m
        .after
        .regions
        .iter()
        .filter(|r| r.kind == Kind::Loader)
        .collect();
    let loader_name = loader.first().map_or_else(
        || "the loader".to_string(),
        |r| crate::view::table::display_name(r, false),
    );
    let relro = perms.len() >= 2 && perms[perms.len() - 2..] == ["r--p", "rw-p"];
    let why = format!(
        "dlopen is the dynamic loader's work: it opened {lib}, read its ELF program headers and mapped each loadable segment with its own permissions ({}), {} rows in all, then applied its relocations{}. The same loader, {loader_name} ({} rows), mapped libc and every other library before main: that is why it is in every dynamically linked process.",
        perms.join(", "),
        rows.len(),
        if relro {
            " and made the relocated part read-only again (RELRO: the r--p row before rw-p)"
        } else {
            ""
        },
        loader.len()
    );
    let step = Step::measured(
        "load a library",
        &[&format!("void *h = dlopen(\"{lib}\", RTLD_NOW);")],
        &m,
    )
    .figure(Figure::count(
        "rows",
        "rows of the library",
        rows.len() as u64,
        "",
    ))
    .figure(Figure::count(
        "mapped_bytes",
        "bytes mapped for it",
        bytes,
        "bytes",
    ))
    .figure(Figure::count(
        "loader_rows",
        "rows of the loader",
        loader.len() as u64,
        "",
    ))
    .why(why);
    t.emit(step)?;

    if let Some(c_func) = &c_func {
        let m = t.probe.measure(|| {
            // SAFETY: dlsym on a live handle; the symbol, when found, is `double f(double)`.
            unsafe {
                let f = libc::dlsym(handle, c_func.as_ptr());
                if f.is_null() {
                    return None;
                }
                let f: extern "C" fn(f64) -> f64 = std::mem::transmute(f);
                Some(f(std::hint::black_box(1.0)))
            }
        })?;
        let func = func.unwrap_or("");
        let why = format!(
            "dlsym looked {func} up in the library's symbol table and the call ran its code: {}. Code is paged in like any file: the first call faults its page in from the page cache ({} minor, {} major).",
            match m.value {
                Some(v) => format!("{func}(1.0) = {v:.6}"),
                None => "the symbol was not found".to_string(),
            },
            m.faults.minor,
            m.faults.major
        );
        let step = Step::measured(
            "call a function of it",
            &[
                &format!("double (*f)(double) = dlsym(h, \"{func}\");"),
                "double y = f(1.0);",
            ],
            &m,
        )
        .why(why);
        t.emit(step)?;
    }

    // SAFETY: the handle from dlopen above, closed once.
    let m = t.probe.measure(|| unsafe { libc::dlclose(handle) })?;
    let left = m
        .after
        .regions
        .iter()
        .filter(|r| r.basename() == lib.as_bytes())
        .count();
    let why = if left == 0 {
        format!(
            "dlclose dropped the last reference to {lib}: the loader ran its destructors and unmapped every row."
        )
    } else {
        format!(
            "dlclose did not unmap {lib} ({left} rows stay): something else holds it, or it is marked NODELETE."
        )
    };
    let step = Step::measured("unload it", &["dlclose(h);"], &m)
        .figure(Figure::count(
            "rows_left",
            "rows of the library left",
            left as u64,
            "",
        ))
        .why(why);
    t.emit(step)
}
