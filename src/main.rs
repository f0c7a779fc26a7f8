//! The `pkimm` command-line tool.

#![forbid(unsafe_code)]

mod cli;
mod commands;
mod config;
mod context;
mod history;
mod history_pg;
mod output;
mod report;
mod write;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::{
    Cli, CollectCommand, Command, ConfigCommand, HistoryCommand, ModelCommand, PolicyCommand,
    RulesCommand,
};

/// mimalloc: evidence records are many small strings, and the system allocator
/// costs about a fifth of certificate parse time (see collectors/benches).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Exit code for a result below a user-set threshold.
pub const EXIT_THRESHOLD: u8 = 1;
/// Exit code for any error.
pub const EXIT_ERROR: u8 = 2;

fn main() -> ExitCode {
    // The only crypto provider compiled in; installing it first means every
    // rustls configuration in the process uses ring.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let cli = Cli::parse();
    init_logging(cli.global.verbose);
    let result = match &cli.command {
        Command::Model(ModelCommand::Show(args)) => commands::model_show::run(&cli.global, args),
        Command::Score(args) => commands::score::run(&cli.global, args),
        Command::Validate(args) => commands::validate::run(&cli.global, args),
        Command::Collect(CollectCommand::Files(args)) => commands::collect_files::run(args),
        Command::Collect(CollectCommand::Inventory(args)) => commands::collect_inventory::run(args),
        Command::Collect(CollectCommand::Tls(args)) => commands::collect_tls::run(args),
        Command::Collect(CollectCommand::Revocation(args)) => {
            commands::collect_revocation::run(args)
        }
        Command::Collect(CollectCommand::Ldap(args)) => commands::collect_ldap::run(args),
        Command::Evaluate(args) => commands::evaluate::run(&cli.global, args),
        Command::Rules(RulesCommand::List(args)) => commands::rules_list::run(&cli.global, args),
        Command::Rules(RulesCommand::Test(args)) => commands::rules_test::run(&cli.global, args),
        Command::Policy(PolicyCommand::Init(args)) => commands::policy::init(args),
        Command::Policy(PolicyCommand::Check(args)) => commands::policy::check(args),
        Command::Assess(args) => commands::assess::run(&cli.global, args),
        Command::Confirm(args) => commands::confirm::run(&cli.global, args),
        Command::Report(args) => commands::report::run(&cli.global, args),
        Command::Schema => commands::report::schema(),
        Command::Demo(args) => commands::demo::run(&cli.global, args),
        Command::Scan(args) => commands::scan::run(&cli.global, args),
        Command::Agent(args) => commands::agent::run(&cli.global, args),
        Command::Config(ConfigCommand::Check { file }) => commands::scan::check(file),
        Command::History(HistoryCommand::List { store, limit }) => {
            commands::scan::list(store, *limit)
        }
        Command::Diff(args) => commands::scan::diff(args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

/// Logs go to stderr; stdout carries only the command's output.
fn init_logging(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("PKIMM_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();
}
