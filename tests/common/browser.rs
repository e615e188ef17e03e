//! Headless Chromium for the tests of `vasmap report`: open a page, run steps in it and
//! collect what it logged and asked for, through tests/support/cdp.py (the DevTools
//! protocol over a pipe: no port is opened). Included with `#[path]` by the tests that
//! need it.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use serde_json::{Value, json};

/// Chromium and python3, once checked to start and drive a page; `None`, with the
/// reason printed (once per test binary), where either is missing or fails.
pub fn chromium() -> Option<&'static Path> {
    static FOUND: OnceLock<Option<PathBuf>> = OnceLock::new();
    FOUND
        .get_or_init(|| {
            let bin = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
                .iter()
                .map(PathBuf::from)
                .find(|p| p.exists());
            let Some(bin) = bin else {
                eprintln!(
                    "skipping the browser checks: Chromium is not installed (Debian: apt-get \
                     install chromium; scripts/test.sh installs it as root)"
                );
                return None;
            };
            if Command::new("python3").arg("--version").output().is_err() {
                eprintln!("skipping the browser checks: python3 is not installed");
                return None;
            }
            // A blank page, to see that it starts here at all.
            let dir = tempfile::tempdir().ok()?;
            let page = dir.path().join("blank.html");
            std::fs::write(&page, "<!DOCTYPE html><title>t</title><p>ok").ok()?;
            match run(&bin, &page, &json!({"steps": [{"eval": "document.title"}]})) {
                Ok(v) if v["results"][0] == "t" => Some(bin),
                Ok(v) => {
                    eprintln!("skipping the browser checks: Chromium answered {v}");
                    None
                }
                Err(e) => {
                    eprintln!("skipping the browser checks: Chromium did not start: {e}");
                    None
                }
            }
        })
        .as_deref()
}

fn run(chromium: &Path, page: &Path, spec: &Value) -> Result<Value, String> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/cdp.py");
    let mut child = Command::new("python3")
        .arg(script)
        .arg(chromium)
        .arg(page)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("python3: {e}"))?;
    child
        .stdin
        .take()
        .ok_or("no stdin")?
        .write_all(spec.to_string().as_bytes())
        .map_err(|e| e.to_string())?;
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!(
            "cdp.py failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    serde_json::from_slice(&out.stdout).map_err(|e| format!("cdp.py printed no JSON: {e}"))
}

/// What a page did: the value of each step, and what it logged and requested.
#[derive(Debug)]
pub struct Visit {
    pub results: Vec<Value>,
    pub console: Vec<String>,
    pub exceptions: Vec<String>,
    pub requests: Vec<String>,
}

impl Visit {
    /// Fail unless the page logged no warning or error, threw nothing, and asked for
    /// nothing but itself.
    pub fn assert_quiet(&self, page: &Path) {
        assert!(self.console.is_empty(), "console: {:#?}", self.console);
        assert!(
            self.exceptions.is_empty(),
            "exceptions: {:#?}",
            self.exceptions
        );
        let me = format!("file://{}", page.display());
        assert!(
            self.requests.iter().all(|u| *u == me),
            "requests beside the page itself: {:#?}",
            self.requests
        );
    }
}

/// Open `page` (JavaScript on or off) in a 1400x1000 window and run `steps` (see
/// tests/support/cdp.py). Panics when Chromium, which started before, fails now.
pub fn visit(chromium: &Path, page: &Path, javascript: bool, steps: Vec<Value>) -> Visit {
    let page = page.canonicalize().expect("the page exists");
    let spec = json!({"javascript": javascript, "width": 1400, "height": 1000, "steps": steps});
    let v = run(chromium, &page, &spec).unwrap_or_else(|e| panic!("{e}"));
    let strings = |k: &str| -> Vec<String> {
        v[k].as_array()
            .map(|a| {
                a.iter()
                    .map(|s| s.as_str().unwrap_or("").to_string())
                    .collect()
            })
            .unwrap_or_default()
    };
    Visit {
        results: v["results"].as_array().cloned().unwrap_or_default(),
        console: strings("console"),
        exceptions: strings("exceptions"),
        requests: strings("requests"),
    }
}

/// A step that evaluates `js`.
pub fn eval(js: &str) -> Value {
    json!({ "eval": js })
}

/// A step that clicks the element `selector` with the mouse.
pub fn click(selector: &str) -> Value {
    json!({ "click": selector })
}

/// A step that saves a screenshot of the viewport.
pub fn screenshot(path: &Path) -> Value {
    json!({ "screenshot": path })
}

/// A step that saves a screenshot of the page from its top, at most `height` pixels.
pub fn page_screenshot(path: &Path, height: u32) -> Value {
    json!({ "screenshot": path, "full": true, "height": height })
}
