//! The `pkimm` command-line tool: clap definitions ([`cli`]) and one short
//! module per command ([`commands`]) that parses its arguments, calls the
//! library crates and prints. Commands never import each other; what they
//! share is in [`output`].

#![forbid(unsafe_code)]

mod cli;
mod commands;
mod output;

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};

use crate::cli::{
    BenchmarkCommand, Cli, Command, ConfigCommand, HistoryCommand, ModelCommand, PolicyCommand,
    RulesCommand, EXIT_CODES_HELP,
};

/// mimalloc: evidence records are many small strings, and the system allocator
/// costs about a fifth of certificate parse time (see collectors/benches).
/// `cap` counts the bytes held, so that a rule's evaluation budget includes
/// memory (no limit is set on the process itself).
#[global_allocator]
pub static GLOBAL: cap::Cap<mimalloc::MiMalloc> = cap::Cap::new(mimalloc::MiMalloc, usize::MAX);

/// Exit code for a result below a user-set threshold.
pub const EXIT_THRESHOLD: u8 = 1;
/// Exit code for any error.
pub const EXIT_ERROR: u8 = 2;

fn main() -> ExitCode {
    // The only crypto provider compiled in; installing it first means every
    // rustls configuration in the process uses ring.
    let _ = rustls::crypto::ring::default_provider().install_default();
    pkimm_rules::expr::set_allocation_probe(|| GLOBAL.allocated());
    // PKCS#11 modules run in a child pkimm, so a crashing module ends only it.
    if let Ok(exe) = std::env::current_exe() {
        pkimm_collectors::pkcs11::set_worker(exe);
    }
    let matches = with_exit_codes(Cli::command()).get_matches();
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    init_logging(cli.global.verbose);
    let global = &cli.global;
    let result = match &cli.command {
        Command::Model(ModelCommand::Show(args)) => commands::model_show::run(global, args),
        Command::Score(args) => commands::score::run(global, args),
        Command::Validate(args) => commands::validate::run(global, args),
        Command::Collect(args) => commands::collect::run(args),
        Command::Evaluate(args) => commands::evaluate::run(global, args),
        Command::Rules(RulesCommand::List(args)) => commands::rules_list::run(global, args),
        Command::Rules(RulesCommand::Test(args)) => commands::rules_test::run(global, args),
        Command::Policy(PolicyCommand::Init(args)) => commands::policy::init(args),
        Command::Policy(PolicyCommand::Check(args)) => commands::policy::check(args),
        Command::Assess(args) => commands::assess::run(global, args),
        Command::Confirm(args) => commands::confirm::run(global, args),
        Command::Migrate(args) => commands::migrate::run(global, args),
        Command::Report(args) => commands::report::run(global, args),
        Command::Schema(args) => commands::schema::run(args),
        Command::Demo(args) => commands::demo::run(global, args),
        Command::Benchmark(BenchmarkCommand::Contribute(args)) => {
            commands::benchmark::contribute(global, args)
        }
        Command::Benchmark(BenchmarkCommand::Build(args)) => commands::benchmark::build(args),
        Command::Benchmark(BenchmarkCommand::Industries) => commands::benchmark::industries(),
        Command::Compare(args) => commands::compare::run(global, args),
        Command::Scan(args) => commands::scan::run(global, args),
        Command::Agent(args) => commands::agent::run(global, args),
        Command::Serve(args) => commands::serve::run(global, args),
        Command::Config(ConfigCommand::Check { file }) => commands::config_check::run(file),
        Command::History(HistoryCommand::List { store, limit }) => {
            commands::history_list::run(store, *limit)
        }
        Command::Diff(args) => commands::diff::run(args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

/// `command` and every subcommand with the exit codes under their help,
/// where they have no other text there.
fn with_exit_codes(command: clap::Command) -> clap::Command {
    let command = if command.get_after_help().is_none() {
        command.after_help(EXIT_CODES_HELP)
    } else {
        command
    };
    let names: Vec<String> = command
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    names.iter().fold(command, |command, name| {
        command.mut_subcommand(name, with_exit_codes)
    })
}

/// Logs go to stderr; stdout carries only the command's output.
fn init_logging(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    // cryptoki logs every vendor mechanism it has no name for as an error;
    // those are dropped from the token's list, not failures.
    let filter = tracing_subscriber::EnvFilter::try_from_env("PKIMM_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(format!("{default},cryptoki=off")));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();
}
