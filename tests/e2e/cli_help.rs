//! Every command has --help, and the exit codes are documented.

use crate::support::pkimm;

#[test]
fn every_command_has_help_with_exit_codes() {
    for args in [
        vec!["--help"],
        vec!["model", "--help"],
        vec!["model", "show", "--help"],
        vec!["score", "--help"],
        vec!["validate", "--help"],
        vec!["collect", "--help"],
        vec!["collect", "files", "--help"],
        vec!["collect", "inventory", "--help"],
        vec!["evaluate", "--help"],
        vec!["rules", "list", "--help"],
        vec!["rules", "test", "--help"],
        vec!["policy", "init", "--help"],
        vec!["policy", "check", "--help"],
        vec!["benchmark", "contribute", "--help"],
        vec!["benchmark", "build", "--help"],
        vec!["compare", "--help"],
    ] {
        let run = pkimm(&args);
        assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
        assert!(
            run.stdout.contains("Exit codes:"),
            "{args:?}:\n{}",
            run.stdout
        );
        assert!(run.stdout.contains("2  error"), "{args:?}");
    }
}

#[test]
fn unknown_command_is_a_usage_error() {
    let run = pkimm(["frobnicate"]);
    assert_eq!(run.code, 2);
}
