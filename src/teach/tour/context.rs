//! A running experiment ([`Tour`]): the probe, the options, and where each step goes:
//! printed at once as text (and, with `--wait`, a pause with the pids to look at), or
//! kept for the one JSON document at the end.

use std::io::{self, BufRead, Write};

use super::Experiment;
use super::TourError;
use super::TourOptions;
use super::probe::Probe;
use super::render::wrap;
use super::report::Step;

/// A running experiment: the probe, the options, where steps go.
pub struct Tour<'a> {
    pub probe: Probe,
    /// The page size, from the kernel.
    pub page: u64,
    pub opts: &'a TourOptions,
    pub(super) experiment: &'static Experiment,
    pub(super) out: &'a mut dyn Write,
    pub(super) err: &'a mut dyn Write,
    pub(super) steps: Vec<Step>,
    pub(super) notes: Vec<String>,
    pub(super) children: Vec<i32>,
    /// False once standard input has ended: `--wait` stops waiting.
    pub(super) input_open: bool,
}

impl Tour<'_> {
    /// The experiment's name, for error messages.
    pub fn name(&self) -> &'static str {
        self.experiment.name
    }

    /// Say something about the whole run (printed at once; kept for the JSON).
    pub fn note(&mut self, text: String) -> Result<(), TourError> {
        if !self.opts.json {
            let w = self.out_mut();
            for line in wrap(&text, 0, 2) {
                writeln!(w, "{line}").map_err(TourError::Output)?;
            }
            writeln!(w).map_err(TourError::Output)?;
        }
        self.notes.push(text);
        Ok(())
    }

    /// Remember a child process, for the JSON (`children`).
    pub fn child(&mut self, pid: i32) {
        self.children.push(pid);
    }

    fn out_mut(&mut self) -> &mut dyn Write {
        &mut *self.out
    }

    /// Show one step (text at once, JSON at the end) and, with `--wait`, pause.
    pub fn emit(&mut self, step: Step) -> Result<(), TourError> {
        let n = self.steps.len() + 1;
        if !self.opts.json {
            let out = &mut *self.out;
            step.write_text(n, out).map_err(TourError::Output)?;
            out.flush().map_err(TourError::Output)?;
        }
        let pids = step.pids();
        self.steps.push(step);
        if self.opts.wait {
            self.pause(n, &pids)?;
        }
        Ok(())
    }

    /// Print the pids and wait for a line on stdin (end of input goes on, and stops the
    /// waiting). In JSON mode the prompt goes to stderr, so stdout stays one document.
    fn pause(&mut self, n: usize, pids: &[(String, i32)]) -> Result<(), TourError> {
        if !self.input_open {
            return Ok(());
        }
        let me = std::process::id();
        let mut who = format!("vasmap is pid {me}");
        for (what, pid) in pids {
            if *pid != me as i32 {
                who.push_str(&format!(", the {what} pid {pid}"));
            }
        }
        let text = format!(
            "[after step {n}] {who}: in another terminal, try `pmap {me}` or `vasmap -x {me}`. Press Enter to go on."
        );
        let w: &mut dyn Write = if self.opts.json {
            &mut *self.err
        } else {
            &mut *self.out
        };
        for line in wrap(&text, 0, 2) {
            writeln!(w, "{line}").map_err(TourError::Output)?;
        }
        w.flush().map_err(TourError::Output)?;
        let mut line = String::new();
        match io::stdin().lock().read_line(&mut line) {
            Ok(0) | Err(_) => self.input_open = false,
            Ok(_) => {}
        }
        if !self.opts.json {
            writeln!(self.out).map_err(TourError::Output)?;
        }
        Ok(())
    }
}
