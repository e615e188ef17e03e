//! Live differential tests: vasmap's pmap output mode must equal `/usr/bin/pmap` byte for
//! byte on processes with awkward mappings.

mod common;

use common::{Awkward, run_pmap, run_vasmap};

fn assert_same(args: &[&str]) {
    let Some((want, want_code)) = run_pmap(args) else {
        return;
    };
    let mut ours = vec!["--pmap"];
    ours.extend_from_slice(args);
    let (got, err, code) = run_vasmap(&ours);
    assert!(
        got == want,
        "vasmap {ours:?} differs from pmap {args:?}\n--- pmap (exit {want_code})\n{}\n--- vasmap (exit {code})\n{}\n--- stderr\n{}",
        String::from_utf8_lossy(&want),
        String::from_utf8_lossy(&got),
        String::from_utf8_lossy(&err)
    );
}

#[test]
fn default_view_matches_pmap_on_an_awkward_process() {
    let Some(p) = Awkward::start() else { return };
    let pid = p.pid.to_string();
    assert_same(&[&pid]);
    assert_same(&["-p", &pid]);
}

#[test]
fn default_view_matches_pmap_on_pid_1_and_self() {
    assert_same(&["1"]);
    assert_same(&[&std::process::id().to_string()]);
}
