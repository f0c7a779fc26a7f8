//! Command-line definitions (clap). Each subcommand's arguments live here,
//! except the collectors', which are their config structs
//! ([`pkimm_collectors::CollectorConfig`]); the code that runs a command
//! lives in `commands/`. `main` adds the exit codes to every command's help.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};
use pkimm_collectors::CollectorConfig;
use pkimm_model::units::parse_duration;
use pkimm_pipeline::RuleInputs;
use pkimm_rules::Severity;

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
    /// Use this official PKIMM model YAML (model schema 1.0.0 or 2.0.0)
    /// instead of the embedded compact model. Without it, assessment files
    /// are scored with the embedded model of the version they declare
    /// (2.0.0, 1.1.0 or 1.0.0) and everything else uses 2.0.0.
    #[arg(long, global = true, value_name = "FILE")]
    pub model: Option<PathBuf>,
    /// Use this assessment profile (assessment-profile schema 1.0.0)
    /// instead of the official PKIMM self-assessment profile.
    #[arg(long, global = true, value_name = "FILE")]
    pub profile: Option<PathBuf>,
    /// More log output on stderr (-v info, -vv debug, -vvv trace). PKIMM_LOG
    /// overrides it with a tracing filter such as `pkimm=debug`.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Inspect the PKIMM model.
    #[command(subcommand)]
    Model(ModelCommand),
    /// Score an assessment file: category, module, overall and extension results.
    Score(ScoreArgs),
    /// Check an assessment file against the model and report the first mistake
    /// with its file, line and field.
    Validate(ValidateArgs),
    /// Collect evidence into an evidence bundle (JSON).
    Collect(CollectArgs),
    /// Evaluate rules over evidence bundles: findings grouped by PKIMM
    /// requirement, with per-requirement metrics.
    Evaluate(EvaluateArgs),
    /// List or test rule packs.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Write or check the organisation policy file.
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// Pre-fill an assessment from evidence: rules run over the bundles and the
    /// level mappings turn their metrics into suggested levels. Merges into an
    /// existing assessment without touching assessor fields; confirmations
    /// whose suggestion moved are marked stale.
    Assess(Box<AssessArgs>),
    /// Move an assessment to another PKIMM version: every decision to its new
    /// id, decisions on removed requirements into `retired`, new requirements
    /// pending. Never loses a decision; keeps OUT.bak.
    Migrate(MigrateArgs),
    /// Record an assessor decision: a level, the suggested level, or not
    /// applicable, for a requirement, a category, or every high-confidence
    /// suggestion.
    Confirm(ConfirmArgs),
    /// Write a report of an assessment: json (stable, versioned), html (one
    /// self-contained page), markdown, csv (one row per requirement),
    /// prometheus (textfile collector), credential (the assessment profile's
    /// pkimm-assessment-credential.json) or manifest (the evidence manifest).
    Report(Box<ReportArgs>),
    /// Print the JSON Schema of `pkimm report --format json` (or of the
    /// credential or the evidence manifest).
    Schema(SchemaArgs),
    /// Run every job of a scan config once: collect, evaluate, store in the
    /// history. Exit 1 when findings reach --fail-on, 2 on errors.
    Scan(ScanArgs),
    /// Run the jobs of a scan config on their cron schedules, never
    /// overlapping, and serve /metrics, /healthz and /api/latest. Stops
    /// cleanly on SIGTERM after the scan in flight.
    Agent(AgentArgs),
    /// The assessor's workspace in the browser: each requirement's evidence,
    /// suggestion and criteria beside the decision form, with accounts,
    /// CSRF protection, versioned saves and an audit trail kept in the
    /// assessment file. Also adds accounts (--add-user).
    Serve(Box<ServeArgs>),
    /// Check a scan config.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// List stored scans.
    #[command(subcommand)]
    History(HistoryCommand),
    /// Compare two stored scans: certificates, endpoints, findings, levels.
    Diff(DiffArgs),
    /// Confidential benchmarking: anonymised contributions, a benchmark built
    /// from many, and `report --benchmark` to compare with peers.
    #[command(subcommand)]
    Benchmark(BenchmarkCommand),
    /// Several assessments side by side (for example the corporate, IoT and
    /// public TLS PKIs of one organisation): levels by category and module,
    /// their differences, and the requirements where they diverge most.
    Compare(CompareArgs),
    /// Run the whole pipeline on built-in demo data: loopback TLS endpoints
    /// and an OCSP/CRL server made from fixtures, collect, evaluate, assess,
    /// report. Works offline.
    Demo(DemoArgs),
}

/// Arguments of `pkimm report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The assessment file.
    #[arg(value_name = "ASSESSMENT")]
    pub assessment: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = pkimm_report::Format::Json)]
    pub format: pkimm_report::Format,
    /// Report type (default: self-assessment for self mode, else assessment).
    #[arg(long = "type", value_enum, value_name = "TYPE")]
    pub report_type: Option<pkimm_report::ReportType>,
    /// Evidence bundles, for evidence tables, findings and per-record metrics.
    #[arg(long = "evidence", value_name = "BUNDLE")]
    pub evidence: Vec<PathBuf>,
    /// A previous assessment to compare with.
    #[arg(long, value_name = "FILE")]
    pub previous: Option<PathBuf>,
    /// A PKIMM extension YAML; repeat for several.
    #[arg(long = "extension", value_name = "FILE")]
    pub extensions: Vec<PathBuf>,
    /// Files backing the assessment for the manifest and the credential
    /// (reports, exports, procedures), each with the requirements it backs:
    /// FILE or FILE=REQ,REQ. Repeatable.
    #[arg(long = "attach", value_name = "FILE[=REQ,...]")]
    pub attach: Vec<String>,
    /// Which levels the credential claims: assessed (confirmed and
    /// overridden only) or prefilled (suggestions counted as accepted).
    #[arg(long, value_enum, default_value_t = BasisArg::Assessed)]
    pub basis: BasisArg,
    /// Write here (atomically) instead of stdout. For --format credential a
    /// directory gets the profile's file name, pkimm-assessment-credential.json.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Policy, waivers, time and rules for the evidence.
    #[command(flatten)]
    pub inputs: EvaluationInputs,
    /// A benchmark (`pkimm benchmark build`): add each level against the
    /// closest peer group that is not suppressed.
    #[arg(long, value_name = "FILE")]
    pub benchmark: Option<PathBuf>,
    /// The peer industry (ISIC Rev. 4 section) for --benchmark.
    #[arg(long, value_name = "CODE", requires = "benchmark")]
    pub industry: Option<String>,
    /// The peer size band for --benchmark.
    #[arg(long = "size", value_name = "BAND", requires = "benchmark")]
    pub size_band: Option<String>,
}

/// `pkimm benchmark` subcommands.
#[derive(Debug, Subcommand)]
pub enum BenchmarkCommand {
    /// Write the anonymised contribution of an assessment: model version,
    /// assurance profile, industry, size band, month and the assessed
    /// category, module and overall levels; nothing else.
    Contribute(ContributeArgs),
    /// Build a benchmark from contributions: per industry and size band, per
    /// industry, per size band and overall, the count, mean, median,
    /// quartiles and range of every level; small groups suppressed.
    Build(BuildArgs),
    /// List the industry codes (ISIC Rev. 4 sections) and size bands.
    Industries,
}

/// Arguments of `pkimm benchmark contribute`.
#[derive(Debug, Args)]
pub struct ContributeArgs {
    /// The assessment file.
    #[arg(value_name = "ASSESSMENT")]
    pub assessment: PathBuf,
    /// ISIC Rev. 4 section, A to U (`pkimm benchmark industries`).
    #[arg(long, value_name = "CODE")]
    pub industry: String,
    /// Employees band: 1-249, 250-999, 1000-9999, 10000-49999 or 50000+.
    #[arg(long = "size", value_name = "BAND")]
    pub size_band: String,
    /// Evidence bundles: only their number of certificates is kept, as a band.
    #[arg(long = "evidence", value_name = "BUNDLE")]
    pub evidence: Vec<PathBuf>,
    /// Refused: only assessed levels are comparable.
    #[arg(long, value_enum, default_value_t = BasisArg::Assessed)]
    pub basis: BasisArg,
    /// Contribute although requirements are still undecided (marked partial;
    /// `benchmark build` leaves partial contributions out by default).
    #[arg(long)]
    pub allow_partial: bool,
    /// Write here (atomically) instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Arguments of `pkimm benchmark build`.
#[derive(Debug, Args)]
pub struct BuildArgs {
    /// Contribution files.
    #[arg(value_name = "CONTRIBUTION", required = true)]
    pub contributions: Vec<PathBuf>,
    /// The smallest group shown (at least 3).
    #[arg(long, default_value_t = 5, value_name = "K")]
    pub min_group: usize,
    /// Count partial contributions too.
    #[arg(long)]
    pub include_partial: bool,
    /// Write here (atomically) instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Formats of `pkimm compare`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CompareFormat {
    /// JSON.
    Json,
    /// Markdown.
    Markdown,
    /// One self-contained HTML page.
    Html,
}

/// Arguments of `pkimm compare`.
#[derive(Debug, Args)]
pub struct CompareArgs {
    /// Two or more assessment files of the same PKIMM version.
    #[arg(value_name = "ASSESSMENT", num_args = 2.., required = true)]
    pub assessments: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = CompareFormat::Markdown)]
    pub format: CompareFormat,
    /// Which levels count: assessed (default) or prefilled.
    #[arg(long, value_enum, default_value_t = BasisArg::Assessed)]
    pub basis: BasisArg,
    /// Requirements listed where the assessments diverge most.
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub top: usize,
    /// Write here (atomically) instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Arguments of `pkimm schema`.
#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// The schema of `pkimm report --format credential`.
    #[arg(long, conflicts_with = "manifest")]
    pub credential: bool,
    /// The schema of `pkimm report --format manifest`.
    #[arg(long)]
    pub manifest: bool,
}

impl From<BasisArg> for pkimm_scoring::Basis {
    fn from(basis: BasisArg) -> Self {
        match basis {
            BasisArg::Assessed => Self::Assessed,
            BasisArg::Prefilled => Self::Prefilled,
        }
    }
}

/// Arguments of `pkimm scan`.
#[derive(Debug, Args)]
pub struct ScanArgs {
    /// The scan config (TOML).
    #[arg(long, value_name = "FILE")]
    pub config: PathBuf,
    /// Run only these jobs; repeatable.
    #[arg(long = "job", value_name = "NAME")]
    pub jobs: Vec<String>,
    /// Exit with code 1 when an unwaived finding at or above this severity exists.
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<SeverityArg>,
    /// Take share I of N of the TLS targets (0-based, by a stable hash of
    /// each target; a Kubernetes Indexed Job passes $JOB_COMPLETION_INDEX).
    /// Collectors without a target list run on share 0 only. The scan is
    /// stored under the agent name with `/shard-I-of-N` appended, so
    /// `assess --from-store` merges the shares.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<pkimm_collectors::shard::Shard>,
}

/// The certificate and key a server (`agent`, `serve`) answers HTTPS with.
#[derive(Debug, Args)]
pub struct TlsArgs {
    /// Serve HTTPS with this certificate chain (PEM).
    #[arg(long, value_name = "PEM", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The private key (PEM) of --tls-cert.
    #[arg(long, value_name = "PEM", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
}

impl TlsArgs {
    /// Both files, when given.
    pub fn pair(&self) -> Option<(PathBuf, PathBuf)> {
        self.tls_cert.clone().zip(self.tls_key.clone())
    }
}

/// Arguments of `pkimm agent`.
#[derive(Debug, Args)]
pub struct AgentArgs {
    /// The scan config (TOML).
    #[arg(long, value_name = "FILE")]
    pub config: PathBuf,
    /// Address for /metrics, /healthz and /api/latest. Any address that is
    /// not loopback needs --tls-cert, --tls-key and a bearer token.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:9464")]
    pub listen: String,
    /// HTTPS certificate and key.
    #[command(flatten)]
    pub tls: TlsArgs,
    /// Require `Authorization: Bearer TOKEN` on /metrics and /api/latest,
    /// the token read from this file (first line); PKIMM_AGENT_TOKEN works
    /// too.
    #[arg(long, value_name = "FILE")]
    pub token_file: Option<PathBuf>,
    /// How much /metrics says: full (a series per certificate, CRL and
    /// responder) or summary (counts and soonest expiries per job, for
    /// large estates).
    #[arg(long, value_enum, default_value_t = MetricsDetailArg::Full)]
    pub metrics_detail: MetricsDetailArg,
}

/// `--metrics-detail`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MetricsDetailArg {
    /// A series per certificate, CRL and responder.
    Full,
    /// Counts and soonest expiries per job.
    Summary,
}

/// `pkimm config ...`
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Check a scan config: syntax (with line numbers), job names, collectors
    /// and cron schedules.
    Check {
        /// The scan config.
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
}

/// Where the history is.
#[derive(Debug, Args)]
pub struct StoreArgs {
    /// The scan config naming the store.
    #[arg(long, value_name = "FILE", conflicts_with = "store")]
    pub config: Option<PathBuf>,
    /// The store itself: a SQLite file or a postgres:// URL (password from
    /// PKIMM_STORE_PASSWORD).
    #[arg(long, value_name = "LOCATION")]
    pub store: Option<String>,
}

/// `pkimm history ...`
#[derive(Debug, Subcommand)]
pub enum HistoryCommand {
    /// The newest scans first.
    List {
        /// Where the history is.
        #[command(flatten)]
        store: StoreArgs,
        /// How many scans.
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
}

/// Arguments of `pkimm diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The earlier scan id.
    #[arg(value_name = "SCAN_A")]
    pub a: i64,
    /// The later scan id.
    #[arg(value_name = "SCAN_B")]
    pub b: i64,
    /// Where the history is.
    #[command(flatten)]
    pub store: StoreArgs,
}

/// Arguments of `pkimm demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Directory for the outputs (created when missing).
    #[arg(short, long, value_name = "DIR", default_value = "pkimm-demo")]
    pub output: PathBuf,
}

/// Arguments of `pkimm serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The assessment file to review and decide.
    #[arg(long, value_name = "FILE", required_unless_present = "add_user")]
    pub assessment: Option<PathBuf>,
    /// Evidence bundles shown beside the suggestions (merged when several).
    #[arg(long = "evidence", value_name = "BUNDLE")]
    pub evidence: Vec<PathBuf>,
    /// Also take the latest scan of every job and agent from the history
    /// named by --config or --store as evidence.
    #[arg(long)]
    pub from_store: bool,
    /// With --from-store: only scans that finished within this time.
    #[arg(long, value_name = "AGE", default_value = "24h", value_parser = parse_duration)]
    pub since: Duration,
    /// Where the history is (with --from-store).
    #[command(flatten)]
    pub store: StoreArgs,
    /// Address to listen on; anything but loopback needs --tls-cert and --tls-key.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8443")]
    pub listen: String,
    /// HTTPS certificate and key.
    #[command(flatten)]
    pub tls: TlsArgs,
    /// The accounts file (default: pkimm-users.yaml beside the assessment).
    #[arg(long, value_name = "FILE")]
    pub users: Option<PathBuf>,
    /// Add an account (or change its role and password) and exit. The
    /// password comes from PKIMM_PASSWORD, --password-file, or standard
    /// input; it is never printed.
    #[arg(long, value_name = "NAME", requires = "role")]
    pub add_user: Option<String>,
    /// The new account's role: assessor (decides) or viewer (reads only).
    #[arg(long, value_name = "ROLE", value_parser = ["assessor", "viewer"])]
    pub role: Option<String>,
    /// With --add-user: read the password from the first line of this file.
    #[arg(long, value_name = "FILE")]
    pub password_file: Option<PathBuf>,
    /// A PKIMM extension YAML for the reports; repeat for several.
    #[arg(long = "extension", value_name = "FILE")]
    pub extensions: Vec<PathBuf>,
    /// Rules, policy and waivers the evidence is evaluated with.
    #[command(flatten)]
    pub inputs: EvaluationInputs,
}

/// Arguments of `pkimm assess`.
#[derive(Debug, Args)]
pub struct AssessArgs {
    /// Evidence bundles (merged when several).
    #[arg(value_name = "BUNDLE", required_unless_present = "from_store")]
    pub bundles: Vec<PathBuf>,
    /// Also take the latest scan of every job and agent from the history
    /// named by --config or --store.
    #[arg(long)]
    pub from_store: bool,
    /// With --from-store: only scans that finished within this time (such as
    /// 24h, 90m, 7d).
    #[arg(long, value_name = "AGE", default_value = "24h", value_parser = parse_duration)]
    pub since: Duration,
    /// Where the history is (with --from-store or --record).
    #[command(flatten)]
    pub store: StoreArgs,
    /// Record this evaluation in the history as a scan of job JOB (at the
    /// --now time), and let that job's earlier scans show effectiveness
    /// over time, which pre-filled levels above 3 need.
    #[arg(long, value_name = "JOB")]
    pub record: Option<String>,
    /// An existing assessment to merge into (default: the output file, when it
    /// exists).
    #[arg(long, value_name = "FILE")]
    pub assessment: Option<PathBuf>,
    /// Where to write the assessment (YAML, or JSON for *.json); the previous
    /// version is kept as FILE.bak.
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
    /// Extra criteria files (rules/levels/*.yaml format, schema_version 2);
    /// an entry replaces the built-in criteria of its requirement.
    #[arg(long = "levels", value_name = "FILE")]
    pub levels: Vec<PathBuf>,
    /// Organisation name for a new assessment.
    #[arg(long, value_name = "NAME")]
    pub organisation: Option<String>,
    /// Scope for a new assessment.
    #[arg(long, value_name = "TEXT")]
    pub scope: Option<String>,
    /// A PKIMM extension YAML (such as the PQC extension): the evidence
    /// that informs its relevance entries is written beside them (never a
    /// level); repeat for several.
    #[arg(long = "extension", value_name = "FILE")]
    pub extensions: Vec<PathBuf>,
    /// Policy, waivers, time and rules.
    #[command(flatten)]
    pub inputs: EvaluationInputs,
}

/// Arguments of `pkimm migrate`.
#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// The assessment to move.
    #[arg(value_name = "ASSESSMENT")]
    pub assessment: PathBuf,
    /// The PKIMM version to move it to (2.0.0, 1.1.0 or 1.0.0).
    #[arg(long, value_name = "VERSION", default_value = "2.0.0")]
    pub to: String,
    /// Where to write the moved assessment (YAML, or JSON for *.json); an
    /// existing file is kept as OUT.bak.
    #[arg(short, long, value_name = "OUT")]
    pub output: PathBuf,
}

/// Arguments of `pkimm confirm`.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("decision").required(true).args(["level", "accept_suggested", "not_applicable", "pending", "met", "not_met"])))]
pub struct ConfirmArgs {
    /// The assessment file (changed in place; the previous version is kept as
    /// FILE.bak).
    #[arg(value_name = "ASSESSMENT")]
    pub assessment: PathBuf,
    /// A requirement (`certificate-management.cert-lifecycle`), a category
    /// (`certificate-management`), `all`, or criteria of a requirement with
    /// --met / --not-met (`cert-inventory#c1`, `cert-inventory#c1,c3`,
    /// `cert-inventory#D` for every documented one).
    #[arg(value_name = "ID")]
    pub id: String,
    /// The criteria named by ID (REQ#cN) are met; needs --justification.
    /// Confirming a requirement's documented criteria lets evidence suggest
    /// up to level 3 for it.
    #[arg(long)]
    pub met: bool,
    /// The criteria named by ID (REQ#cN) are not met.
    #[arg(long)]
    pub not_met: bool,
    /// Set this level (1-5): confirmed when it equals the suggestion, else
    /// overridden.
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=5))]
    pub level: Option<u8>,
    /// Accept the suggested level.
    #[arg(long)]
    pub accept_suggested: bool,
    /// With --accept-suggested on a category or `all`: only high-confidence
    /// suggestions.
    #[arg(long)]
    pub high_confidence_only: bool,
    /// Mark not applicable; needs --reason.
    #[arg(long)]
    pub not_applicable: bool,
    /// Reset to pending (undo a decision).
    #[arg(long)]
    pub pending: bool,
    /// Why not applicable.
    #[arg(long, value_name = "TEXT")]
    pub reason: Option<String>,
    /// Why this level.
    #[arg(long, value_name = "TEXT")]
    pub justification: Option<String>,
    /// Who decides.
    #[arg(long, value_name = "NAME")]
    pub assessor: Option<String>,
}

/// Where rules come from.
#[derive(Debug, Args)]
pub struct RuleSource {
    /// Extra rule files or directories of `*.yaml` rule files; repeatable.
    #[arg(long = "rules", value_name = "PATH")]
    pub rules: Vec<PathBuf>,
    /// Do not load the built-in rule pack.
    #[arg(long)]
    pub no_builtin: bool,
}

impl RuleSource {
    /// These rules as pipeline inputs (built-in policy, no waivers).
    pub fn rule_inputs(&self) -> RuleInputs {
        RuleInputs {
            rules: self.rules.clone(),
            no_builtin: self.no_builtin,
            ..RuleInputs::default()
        }
    }
}

/// Severity threshold values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SeverityArg {
    /// info and above.
    Info,
    /// low and above.
    Low,
    /// medium and above.
    Medium,
    /// high and above.
    High,
    /// critical only.
    Critical,
}

impl SeverityArg {
    /// The severity named.
    pub fn severity(self) -> Severity {
        match self {
            Self::Info => Severity::Info,
            Self::Low => Severity::Low,
            Self::Medium => Severity::Medium,
            Self::High => Severity::High,
            Self::Critical => Severity::Critical,
        }
    }
}

/// Arguments of `pkimm evaluate`.
#[derive(Debug, Args)]
pub struct EvaluateArgs {
    /// Evidence bundles (merged when several).
    #[arg(value_name = "BUNDLE", required = true)]
    pub bundles: Vec<PathBuf>,
    /// Policy, waivers, time and rules.
    #[command(flatten)]
    pub inputs: EvaluationInputs,
    /// Exit with code 1 when an unwaived finding at or above this severity exists.
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<SeverityArg>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = EvaluateFormat::Text)]
    pub format: EvaluateFormat,
    /// Also show info-level findings in text output.
    #[arg(long)]
    pub show_info: bool,
}

/// What an evaluation needs besides the bundles.
#[derive(Debug, Args)]
pub struct EvaluationInputs {
    /// Organisation policy file (default: the built-in policy).
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// Waiver file.
    #[arg(long, value_name = "FILE")]
    pub waivers: Option<PathBuf>,
    /// Evaluate as of this time (RFC 3339) instead of now, for reproducible results.
    #[arg(long, value_name = "TIME")]
    pub now: Option<String>,
    /// Rule sources.
    #[command(flatten)]
    pub source: RuleSource,
}

impl EvaluationInputs {
    /// Where the pipeline's rules, policy and waivers come from.
    pub fn rule_inputs(&self) -> RuleInputs {
        RuleInputs {
            policy: self.policy.clone(),
            waivers: self.waivers.clone(),
            ..self.source.rule_inputs()
        }
    }
}

/// `pkimm rules ...`
#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// List the rules: id, severity, PKIMM requirements, evidence kind, title.
    List(RulesListArgs),
    /// Run the test cases declared in rule files (evidence in, expected result
    /// out). Without --rules, tests the built-in pack. Exit code 1 when a case fails.
    Test(RulesTestArgs),
}

/// Arguments of `pkimm rules list`.
#[derive(Debug, Args)]
pub struct RulesListArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
    /// Rule sources.
    #[command(flatten)]
    pub source: RuleSource,
}

/// Arguments of `pkimm rules test`.
#[derive(Debug, Args)]
pub struct RulesTestArgs {
    /// Rule files or directories to test (default: the built-in pack).
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Directory that `fixture:` paths in test cases are relative to.
    #[arg(long, value_name = "DIR", default_value = "fixtures")]
    pub fixtures: PathBuf,
}

/// `pkimm policy ...`
#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Write the default policy, with comments, to a file or stdout.
    Init(PolicyInitArgs),
    /// Check a policy file and report the first mistake with its line.
    Check(PolicyCheckArgs),
}

/// Arguments of `pkimm policy init`.
#[derive(Debug, Args)]
pub struct PolicyInitArgs {
    /// Write here instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Overwrite an existing file.
    #[arg(long)]
    pub force: bool,
}

/// Arguments of `pkimm policy check`.
#[derive(Debug, Args)]
pub struct PolicyCheckArgs {
    /// The policy file.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
}

/// `pkimm collect COLLECTOR ...`
#[derive(Debug, Args)]
pub struct CollectArgs {
    /// The collector and its settings.
    #[command(subcommand)]
    pub collector: CollectorConfig,
    /// Write the bundle here (atomically) instead of stdout.
    #[arg(short, long, value_name = "FILE", global = true)]
    pub output: Option<PathBuf>,
    /// Also write a CycloneDX 1.6 cryptographic bill of materials of the
    /// evidence to this file.
    #[arg(long, value_name = "FILE", global = true)]
    pub cbom: Option<PathBuf>,
    /// Agent name recorded in every record's provenance (default: the host name).
    #[arg(long, value_name = "NAME", global = true)]
    pub agent: Option<String>,
    /// Settings file: its `[tls]` section gives `collect tls` defaults that
    /// flags override.
    #[arg(long, value_name = "FILE", global = true)]
    pub config: Option<PathBuf>,
    /// Take share I of N of the targets (0-based, by a stable hash of each
    /// target), so that N agents cover one estate between them.
    #[arg(long, value_name = "I/N", global = true)]
    pub shard: Option<pkimm_collectors::shard::Shard>,
}

/// `pkimm model ...`
#[derive(Debug, Subcommand)]
pub enum ModelCommand {
    /// Print the model: modules, categories, requirements and weights.
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

/// Formats of `pkimm evaluate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EvaluateFormat {
    /// Human-readable tables.
    Text,
    /// JSON, with a `schema_version`.
    Json,
    /// JUnit XML for CI systems: a test suite per rule, a test case per
    /// failing (rule, record), one passing case counting the rest.
    Junit,
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
