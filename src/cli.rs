//! Command-line definitions (clap). Each subcommand's arguments live here; the
//! code that runs it lives in `commands/`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Exit codes, shared by every command.
pub const EXIT_CODES_HELP: &str = "\
Exit codes:
  0  success
  1  the result is below a threshold you set (for example --fail-below)
  2  error: invalid input file, bad arguments, or a failure to read or write";

/// pkimm collects PKI evidence and turns it into PKI Maturity Model scores.
#[derive(Debug, Parser)]
#[command(name = "pkimm", version, about, after_help = EXIT_CODES_HELP)]
pub struct Cli {
    /// Options shared by all commands.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// Options shared by all commands.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Use this PKIMM model YAML (official schema 1.0.0) instead of the embedded
    /// compact PKIMM 1.1.0.
    #[arg(long, global = true, value_name = "FILE")]
    pub model: Option<PathBuf>,
    /// More log output on stderr (-v info, -vv debug, -vvv trace). PKIMM_LOG
    /// overrides it with a tracing filter such as `pkimm=debug`.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Inspect the PKIMM model.
    #[command(subcommand, after_help = EXIT_CODES_HELP)]
    Model(ModelCommand),
    /// Score an assessment file: category, module, overall and extension results.
    #[command(after_help = EXIT_CODES_HELP)]
    Score(ScoreArgs),
    /// Check an assessment file against the model and report the first mistake
    /// with its file, line and field.
    #[command(after_help = EXIT_CODES_HELP)]
    Validate(ValidateArgs),
}

/// `pkimm model ...`
#[derive(Debug, Subcommand)]
pub enum ModelCommand {
    /// Print the model: modules, categories, requirements and weights.
    #[command(after_help = EXIT_CODES_HELP)]
    Show(ModelShowArgs),
}

/// Output formats for reports printed to stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Human-readable tables.
    Text,
    /// JSON, with a `schema_version`.
    Json,
}

/// Arguments of `pkimm model show`.
#[derive(Debug, Args)]
pub struct ModelShowArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
    /// Show only this category (id such as `7`, or its name).
    #[arg(long, value_name = "ID")]
    pub category: Option<String>,
}

/// Which levels count in a score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BasisArg {
    /// Only confirmed and overridden levels (the assessed score).
    Assessed,
    /// Also suggested levels where the assessor has not decided (pre-filled).
    Prefilled,
}

/// Arguments of `pkimm score`.
#[derive(Debug, Args)]
pub struct ScoreArgs {
    /// The assessment file (YAML or JSON).
    #[arg(value_name = "ASSESSMENT")]
    pub assessment: PathBuf,
    /// A PKIMM extension YAML (such as the PQC extension); repeat for several.
    #[arg(long = "extension", value_name = "FILE")]
    pub extensions: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
    /// Which levels count.
    #[arg(long, value_enum, default_value_t = BasisArg::Assessed)]
    pub basis: BasisArg,
    /// Exit with code 1 when the overall level is below this value (0 to 5,
    /// decimals allowed), for use in pipelines.
    #[arg(long, value_name = "LEVEL", value_parser = parse_threshold)]
    pub fail_below: Option<f64>,
}

/// Arguments of `pkimm validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// The assessment file (YAML or JSON).
    #[arg(value_name = "ASSESSMENT")]
    pub assessment: PathBuf,
}

fn parse_threshold(text: &str) -> Result<f64, String> {
    let value: f64 = text
        .parse()
        .map_err(|_| format!("{text:?} is not a number"))?;
    if (0.0..=5.0).contains(&value) {
        Ok(value)
    } else {
        Err(format!("level threshold must be 0 to 5, found {value}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn threshold_range_is_checked() {
        assert_eq!(parse_threshold("2.5"), Ok(2.5));
        assert!(parse_threshold("7").is_err());
        assert!(parse_threshold("x").is_err());
    }
}
