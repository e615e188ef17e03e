//! End-to-end tests of the `vasmap` binary: the demo, the inspector and its errors.

use assert_cmd::Command;
use predicates::prelude::*;

fn vasmap() -> Command {
    Command::cargo_bin("vasmap").expect("the vasmap binary is built by cargo test")
}

#[test]
fn demo_shows_the_file_text_and_marks_its_row() {
    vasmap()
        .args(["self", "--map", "examples/message.txt"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "| Hello world from the virtual address space!",
        ))
        .stdout(predicate::str::contains("resident before reading: 0 kB"))
        .stdout(
            predicate::str::is_match(r"file +message\.txt +◀ message\.txt mapped by vasmap")
                .unwrap(),
        )
        .stdout(predicate::str::is_match(r"library +libc\.so\.6").unwrap())
        .stdout(predicate::str::is_match(r"loader +ld-linux").unwrap())
        .stdout(predicate::str::is_match(r"stack +\[stack\]").unwrap());
}

#[test]
fn missing_pid_is_a_clear_error_with_exit_1() {
    vasmap()
        .arg("4194304") // above pid_max's ceiling: never a live pid
        .assert()
        .code(1)
        .stderr("vasmap: 4194304: no such process (check the pid with `ps -p 4194304`)\n");
}

#[test]
fn kernel_thread_says_so() {
    vasmap()
        .arg("2")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("is a kernel thread"));
}

#[test]
fn not_a_pid_is_a_usage_error() {
    vasmap()
        .arg("abc")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("'abc' is not a process id"));
}

#[test]
fn other_pids_are_still_shown_after_a_failure() {
    let me = std::process::id().to_string();
    vasmap()
        .args(["4194304", &me])
        .assert()
        .code(1)
        .stdout(predicate::str::starts_with(format!("{me}:   ")))
        .stderr(predicate::str::contains("no such process"));
}

#[test]
fn demo_takes_the_view_options_too() {
    vasmap()
        .args(["self", "--map", "examples/message.txt", "-x", "-d"])
        .assert()
        .success()
        .stdout(
            predicate::str::is_match(r"Address +Size +RSS +PSS +Dirty +Swap +Perm +Offset +Device")
                .unwrap(),
        )
        .stdout(predicate::str::contains("RSS").and(predicate::str::contains(" mapped: ")));
}

#[test]
fn table_options_change_the_columns() {
    let me = std::process::id().to_string();
    vasmap().args(["-XX", &me]).assert().success().stdout(
        predicate::str::contains("KernelPageSize").and(predicate::str::contains("VmFlags")),
    );
    vasmap().args(["-X", &me]).assert().success().stdout(
        predicate::str::contains("Referenced").and(predicate::str::contains("VmFlags").not()),
    );
}
