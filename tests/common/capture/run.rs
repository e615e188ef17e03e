//! Running a capture: its placeholders made real (the processes and files they stand
//! for started or written once per test, see [`crate::fixtures`]), then `vasmap` run as
//! the reader runs it — named `vasmap` on the command line, through a pipe or on a
//! pseudo-terminal of the capture's width — and its output as the reader sees it.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::common;
use crate::fixtures::{self, Changed, Driven, Proc};
use crate::marks::{Capture, unquoted};

/// What one test has started, kept until it ends; each made when a capture first needs it.
pub struct Fixtures {
    root: PathBuf,
    /// A directory with `vasmap`, a link to the binary under test, put first in `PATH`.
    bin: tempfile::TempDir,
    sleep: Option<Result<Proc, String>>,
    second_sleep: Option<Result<Proc, String>>,
    nobody: Option<Result<[Proc; 2], String>>,
    core: Option<Result<tempfile::TempDir, String>>,
    changed: Option<Result<Changed, String>>,
}

/// A capture's command made real.
struct Resolved {
    /// The arguments after `vasmap`, as the program gets them.
    args: Vec<String>,
    /// The command as the block shows it.
    shown: String,
    /// Where it runs: the repository, or a fixture's directory (`core`, `before.json`).
    cwd: PathBuf,
    /// `@watched`: a `driven` that changes while the command watches it, and its
    /// directory.
    watched: Option<(Driven, tempfile::TempDir)>,
}

impl Fixtures {
    pub fn new() -> Fixtures {
        let bin = tempfile::tempdir().expect("a temporary directory");
        std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_vasmap"), bin.path().join("vasmap"))
            .expect("link vasmap");
        Fixtures {
            root: PathBuf::from(env!("CARGO_MANIFEST_DIR")),
            bin,
            sleep: None,
            second_sleep: None,
            nobody: None,
            core: None,
            changed: None,
        }
    }

    fn sleep(&mut self) -> Result<i32, String> {
        let s = self.sleep.get_or_insert_with(|| fixtures::sleep(false));
        s.as_ref().map(|p| p.pid).map_err(String::clone)
    }

    /// The text `@NAME` stands for, and the directory it needs the command to run in.
    fn placeholder(&mut self, name: &str) -> Result<(String, Option<PathBuf>), String> {
        let pid = |r: Result<i32, String>| r.map(|p| (p.to_string(), None));
        match name {
            "sleep" => pid(self.sleep()),
            "sleeps" => {
                self.sleep()?;
                let s = self
                    .second_sleep
                    .get_or_insert_with(|| fixtures::sleep(false));
                s.as_ref().map_err(String::clone)?;
                Ok(("sleep".into(), None))
            }
            "nobody" => {
                let n = self.nobody.get_or_insert_with(|| {
                    let first = fixtures::sleep(true)?;
                    Ok([first, fixtures::sleep(true)?])
                });
                n.as_ref().map_err(String::clone)?;
                Ok(("nobody".into(), None))
            }
            "core" => {
                let dir = self.core.get_or_insert_with(fixtures::core);
                let dir = dir.as_ref().map_err(String::clone)?;
                Ok(("core".into(), Some(dir.path().to_path_buf())))
            }
            "driven" | "before" => {
                let root = self.root.clone();
                let c = self.changed.get_or_insert_with(|| fixtures::changed(&root));
                let c = c.as_ref().map_err(String::clone)?;
                Ok(match name {
                    "driven" => (c.driven.proc.pid.to_string(), None),
                    _ => ("before.json".into(), Some(c.dir.path().to_path_buf())),
                })
            }
            _ => {
                // `sleep:NAME:PERMS[+HEX]`: an address in the sleep's NAME mapping.
                let spec = name
                    .strip_prefix("sleep:")
                    .ok_or(format!("unknown placeholder @{name}"))?;
                let (spec, offset) = match spec.split_once('+') {
                    Some((s, hex)) => (s, u64::from_str_radix(hex, 16).map_err(|e| e.to_string())?),
                    None => (spec, 0),
                };
                let (file, perms) = spec
                    .rsplit_once(':')
                    .ok_or(format!("@{name}: write @sleep:NAME:PERMS"))?;
                let pid = self.sleep()?;
                Ok((fixtures::address(pid, file, perms, offset)?, None))
            }
        }
    }

    /// The capture's words with their placeholders replaced; `Err` says why it cannot run
    /// here (no root, no core...).
    fn resolve(&mut self, words: &[String]) -> Result<Resolved, String> {
        let mut cwd: Option<PathBuf> = None;
        let mut watched = None;
        let (mut args, mut shown) = (Vec::new(), vec!["vasmap".to_string()]);
        for word in words {
            let mut out = String::new();
            let mut rest = word.as_str();
            while let Some(at) = rest.find('@') {
                out.push_str(&rest[..at]);
                let after = &rest[at + 1..];
                let end = after.find(',').unwrap_or(after.len());
                let name = &after[..end];
                let (text, dir) = if name == "watched" {
                    let d = tempfile::tempdir().map_err(|e| e.to_string())?;
                    let driven = Driven::start(d.path())?;
                    let pid = driven.proc.pid.to_string();
                    watched = Some((driven, d));
                    (pid, None)
                } else {
                    self.placeholder(name)?
                };
                if let Some(dir) = dir {
                    assert!(
                        cwd.replace(dir).is_none(),
                        "two placeholders that need their own directory in one command"
                    );
                }
                out.push_str(&text);
                rest = &after[end..];
            }
            out.push_str(rest);
            args.push(unquoted(&out));
            shown.push(out);
        }
        Ok(Resolved {
            args,
            shown: shown.join(" "),
            cwd: cwd.unwrap_or_else(|| self.root.clone()),
            watched,
        })
    }

    /// Run a capture: the block's text as it would be now (the command line first for
    /// `$`), cut as the capture says; `Err` says why it cannot run here.
    pub fn run(&mut self, cap: &Capture) -> Result<Vec<String>, String> {
        let mut resolved = self.resolve(&cap.words)?;
        let mut cmd = match cap.tty {
            Some(cols) => {
                if !Path::new("/usr/bin/script").exists() {
                    return Err("/usr/bin/script (util-linux) is not installed".into());
                }
                let mut line = format!("stty cols {cols} rows 50; exec vasmap");
                for a in &resolved.args {
                    line.push_str(&format!(" '{}'", a.replace('\'', r"'\''")));
                }
                let mut c = Command::new("/usr/bin/script");
                c.args(["-qec", &line, "/dev/null"])
                    .env("SHELL", "/bin/sh")
                    .env("TERM", "xterm");
                c
            }
            None => {
                let mut c = Command::new(self.bin.path().join("vasmap"));
                c.arg0("vasmap").args(&resolved.args);
                c
            }
        };
        let path = std::env::var("PATH").unwrap_or_default();
        cmd.current_dir(&resolved.cwd)
            .env("PATH", format!("{}:{path}", self.bin.path().display()))
            .env("LANG", "C.UTF-8")
            .env_remove("LC_ALL")
            .env_remove("NO_COLOR")
            .env_remove("COLUMNS")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().map_err(|e| format!("run vasmap: {e}"))?;
        let stdout = child.stdout.take().expect("piped stdout");
        let mut stderr = child.stderr.take().expect("piped stderr");
        let errors = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = stderr.read_to_string(&mut text);
            text
        });
        // Lines as they come, so that `@watched` can act between them; a minute at most.
        let (send, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).split(b'\n').map_while(Result::ok) {
                if send
                    .send(String::from_utf8_lossy(&line).into_owned())
                    .is_err()
                {
                    break;
                }
            }
        });
        let next = || lines.recv_timeout(Duration::from_secs(60)).ok();
        let mut text: Vec<String> = match resolved.watched.as_mut() {
            Some((driven, _)) => fixtures::act_watched(driven, &self.root, next)?,
            None => Vec::new(),
        };
        while let Ok(line) = lines.recv_timeout(Duration::from_secs(60)) {
            text.push(line);
        }
        let _ = child.kill();
        let status = child.wait().map_err(|e| e.to_string())?;
        let code = status.code().unwrap_or(-1);
        let errors = errors.join().unwrap_or_default();
        // Piped, the block is standard output; on a terminal, all the terminal showed.
        let lines: Vec<String> = text
            .iter()
            .map(|l| {
                common::strip_sgr(l.trim_end_matches('\r'))
                    .trim_end()
                    .to_string()
            })
            .collect();
        assert_eq!(
            code,
            cap.exit,
            "line {}: `{}` exited with status {code}, not {}:\n{}\n{errors}",
            cap.line,
            resolved.shown,
            cap.exit,
            lines.join("\n")
        );
        let mut out = Vec::new();
        if cap.prompt {
            out.push(format!("$ {}", resolved.shown));
        }
        let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
        let trimmed = trim_blank_end(&lines);
        let shown = crate::marks::cut(trimmed, cap.cut.as_ref()).unwrap_or_else(|| {
            panic!(
                "line {}: `{}` printed no line with the cut's text:\n{}",
                cap.line,
                resolved.shown,
                lines.join("\n")
            )
        });
        out.extend(shown.into_iter().map(str::to_string));
        Ok(out)
    }
}

/// Lines without the blank ones at the end (a block would show them as nothing).
fn trim_blank_end<'a>(lines: &'a [&'a str]) -> &'a [&'a str] {
    let end = lines
        .iter()
        .rposition(|l| !l.is_empty())
        .map_or(0, |i| i + 1);
    &lines[..end]
}
