//! Command-line definitions (clap). Each subcommand's arguments live here; the
//! code that runs it lives in `commands/`.

use std::path::PathBuf;
use std::time::Duration;

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
    /// Collect evidence into an evidence bundle (JSON).
    #[command(subcommand, after_help = EXIT_CODES_HELP)]
    Collect(CollectCommand),
    /// Evaluate rules over evidence bundles: findings grouped by PKIMM
    /// requirement, with per-requirement metrics.
    #[command(after_help = EXIT_CODES_HELP)]
    Evaluate(EvaluateArgs),
    /// List or test rule packs.
    #[command(subcommand, after_help = EXIT_CODES_HELP)]
    Rules(RulesCommand),
    /// Write or check the organisation policy file.
    #[command(subcommand, after_help = EXIT_CODES_HELP)]
    Policy(PolicyCommand),
    /// Pre-fill an assessment from evidence: rules run over the bundles and the
    /// level mappings turn their metrics into suggested levels. Merges into an
    /// existing assessment without touching assessor fields; confirmations
    /// whose suggestion moved are marked stale.
    #[command(after_help = EXIT_CODES_HELP)]
    Assess(AssessArgs),
    /// Record an assessor decision: a level, the suggested level, or not
    /// applicable, for a requirement, a category, or every high-confidence
    /// suggestion.
    #[command(after_help = EXIT_CODES_HELP)]
    Confirm(ConfirmArgs),
    /// Write a report of an assessment: json (stable, versioned), html (one
    /// self-contained page), markdown, csv (one row per requirement) or
    /// prometheus (textfile collector).
    #[command(after_help = EXIT_CODES_HELP)]
    Report(Box<ReportArgs>),
    /// Print the JSON Schema of `pkimm report --format json`.
    #[command(after_help = EXIT_CODES_HELP)]
    Schema,
    /// Run every job of a scan config once: collect, evaluate, store in the
    /// history. Exit 1 when findings reach --fail-on, 2 on errors.
    #[command(after_help = EXIT_CODES_HELP)]
    Scan(ScanArgs),
    /// Run the jobs of a scan config on their cron schedules, never
    /// overlapping, and serve /metrics, /healthz and /api/latest. Stops
    /// cleanly on SIGTERM after the scan in flight.
    #[command(after_help = EXIT_CODES_HELP)]
    Agent(AgentArgs),
    /// Check a scan config.
    #[command(subcommand, after_help = EXIT_CODES_HELP)]
    Config(ConfigCommand),
    /// List stored scans.
    #[command(subcommand, after_help = EXIT_CODES_HELP)]
    History(HistoryCommand),
    /// Compare two stored scans: certificates, endpoints, findings, levels.
    #[command(after_help = EXIT_CODES_HELP)]
    Diff(DiffArgs),
    /// Run the whole pipeline on built-in demo data: loopback TLS endpoints
    /// and an OCSP/CRL server made from fixtures, collect, evaluate, assess,
    /// report. Works offline.
    #[command(after_help = EXIT_CODES_HELP)]
    Demo(DemoArgs),
}

/// Arguments of `pkimm report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The assessment file.
    #[arg(value_name = "ASSESSMENT")]
    pub assessment: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = crate::report::Format::Json)]
    pub format: crate::report::Format,
    /// Report type (default: self-assessment for self mode, else assessment).
    #[arg(long = "type", value_enum, value_name = "TYPE")]
    pub report_type: Option<crate::report::document::ReportType>,
    /// Evidence bundles, for evidence tables, findings and per-record metrics.
    #[arg(long = "evidence", value_name = "BUNDLE")]
    pub evidence: Vec<PathBuf>,
    /// A previous assessment to compare with.
    #[arg(long, value_name = "FILE")]
    pub previous: Option<PathBuf>,
    /// A PKIMM extension YAML; repeat for several.
    #[arg(long = "extension", value_name = "FILE")]
    pub extensions: Vec<PathBuf>,
    /// Write here (atomically) instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Policy, waivers, time and rules for the evidence.
    #[command(flatten)]
    pub inputs: EvaluationInputs,
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
}

/// Arguments of `pkimm agent`.
#[derive(Debug, Args)]
pub struct AgentArgs {
    /// The scan config (TOML).
    #[arg(long, value_name = "FILE")]
    pub config: PathBuf,
    /// Address for /metrics, /healthz and /api/latest.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:9464")]
    pub listen: String,
}

/// `pkimm config ...`
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Check a scan config: syntax (with line numbers), job names, collectors
    /// and cron schedules.
    #[command(after_help = EXIT_CODES_HELP)]
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
    #[command(after_help = EXIT_CODES_HELP)]
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
    #[arg(long, value_name = "AGE", default_value = "24h")]
    pub since: String,
    /// Where the history is (with --from-store).
    #[command(flatten)]
    pub store: StoreArgs,
    /// An existing assessment to merge into (default: the output file, when it
    /// exists).
    #[arg(long, value_name = "FILE")]
    pub assessment: Option<PathBuf>,
    /// Where to write the assessment (YAML, or JSON for *.json); the previous
    /// version is kept as FILE.bak.
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
    /// Extra level mapping files; a mapping replaces the built-in one for its
    /// requirement.
    #[arg(long = "levels", value_name = "FILE")]
    pub levels: Vec<PathBuf>,
    /// Organisation name for a new assessment.
    #[arg(long, value_name = "NAME")]
    pub organisation: Option<String>,
    /// Scope for a new assessment.
    #[arg(long, value_name = "TEXT")]
    pub scope: Option<String>,
    /// Policy, waivers, time and rules.
    #[command(flatten)]
    pub inputs: EvaluationInputs,
}

/// Arguments of `pkimm confirm`.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("decision").required(true).args(["level", "accept_suggested", "not_applicable", "pending"])))]
pub struct ConfirmArgs {
    /// The assessment file (changed in place; the previous version is kept as
    /// FILE.bak).
    #[arg(value_name = "ASSESSMENT")]
    pub assessment: PathBuf,
    /// A requirement (`7.3`), a category (`7`), or `all`.
    #[arg(value_name = "ID")]
    pub id: String,
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
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
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

/// `pkimm rules ...`
#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// List the rules: id, severity, PKIMM requirements, evidence kind, title.
    #[command(after_help = EXIT_CODES_HELP)]
    List(RulesListArgs),
    /// Run the test cases declared in rule files (evidence in, expected result
    /// out). Without --rules, tests the built-in pack. Exit code 1 when a case fails.
    #[command(after_help = EXIT_CODES_HELP)]
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
    #[command(after_help = EXIT_CODES_HELP)]
    Init(PolicyInitArgs),
    /// Check a policy file and report the first mistake with its line.
    #[command(after_help = EXIT_CODES_HELP)]
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

/// `pkimm collect ...`
#[derive(Debug, Subcommand)]
pub enum CollectCommand {
    /// Parse certificate and CRL files (PEM, DER, PKCS#7, PKCS#12) found under
    /// the given paths. Unparseable files become failure records; the exit code
    /// stays 0.
    #[command(after_help = EXIT_CODES_HELP)]
    Files(CollectFilesArgs),
    /// Import a CSV export of issued certificates (needs a serial column and an
    /// issuer or SHA-256 fingerprint column).
    #[command(after_help = EXIT_CODES_HELP)]
    Inventory(CollectInventoryArgs),
    /// Scan TLS endpoints: served chain and its validation, protocol versions
    /// (including SSLv3, TLS 1.0 and 1.1 by a legacy probe), accepted cipher
    /// suites, ALPN, OCSP staple, SCTs and handshake time. Unreachable or
    /// broken endpoints become failure records; the exit code stays 0.
    #[command(after_help = TLS_HELP)]
    Tls(Box<CollectTlsArgs>),
    /// Follow the CDP, OCSP and AIA URLs of the certificates in bundles: fetch
    /// CRLs (HTTP, HTTPS, LDAP) and check them against their issuers, query
    /// OCSP responders and check their answers, and fetch missing issuers.
    /// Failed fetches become failure records; the exit code stays 0.
    #[command(after_help = EXIT_CODES_HELP)]
    Revocation(Box<CollectRevocationArgs>),
    /// Read PKI objects from an LDAP directory: CA certificates, CRLs, user
    /// certificates, and Active Directory Certificate Services objects
    /// (templates with decoded flags and enrollment rights, enrollment
    /// services, NTAuth, AIA, OID group links).
    #[command(after_help = EXIT_CODES_HELP)]
    Ldap(Box<CollectLdapArgs>),
}

/// Arguments of `pkimm collect ldap`.
#[derive(Debug, Args)]
pub struct CollectLdapArgs {
    /// `ldap://host[:port]` or `ldaps://host[:port]`.
    #[arg(value_name = "URL")]
    pub url: String,
    /// Upgrade ldap:// with StartTLS.
    #[arg(long)]
    pub starttls: bool,
    /// PEM file of trust anchors for ldaps and StartTLS (default: the system store).
    #[arg(long, value_name = "FILE")]
    pub ca: Option<PathBuf>,
    /// Bind DN (anonymous when absent).
    #[arg(long, value_name = "DN")]
    pub bind_dn: Option<String>,
    /// Environment variable holding the bind password.
    #[arg(long, value_name = "VAR")]
    pub password_env: Option<String>,
    /// File whose first line is the bind password.
    #[arg(long, value_name = "FILE")]
    pub password_file: Option<PathBuf>,
    /// Search base; repeatable (default: the root DSE's naming contexts, with
    /// the Configuration naming context on AD).
    #[arg(long = "base", value_name = "DN")]
    pub bases: Vec<String>,
    /// Connect and operation time-out.
    #[arg(long, value_name = "TIME", default_value = "30s", value_parser = parse_duration)]
    pub timeout: Duration,
    /// Paged results page size.
    #[arg(long, default_value_t = 500)]
    pub page_size: i32,
    /// Most PKI entries read per base.
    #[arg(long, default_value_t = 100_000)]
    pub max_entries: usize,
    /// Record at most this many revoked entries per CRL (all are counted).
    #[arg(long, value_name = "N", default_value_t = 10_000)]
    pub crl_entries: usize,
    /// Output options.
    #[command(flatten)]
    pub out: CollectOutput,
}

/// Arguments of `pkimm collect revocation`.
#[derive(Debug, Args)]
pub struct CollectRevocationArgs {
    /// Bundles whose certificates to follow; repeatable.
    #[arg(long = "from", value_name = "BUNDLE")]
    pub from: Vec<PathBuf>,
    /// Extra CRL URLs (http, https or ldap).
    #[arg(value_name = "CRL_URL")]
    pub crl_urls: Vec<String>,
    /// Ask this OCSP responder about every certificate instead of the URLs in
    /// the certificates.
    #[arg(long, value_name = "URL")]
    pub ocsp_url: Option<String>,
    /// An earlier revocation bundle: CRL numbers are compared with it.
    #[arg(long, value_name = "BUNDLE")]
    pub previous: Option<PathBuf>,
    /// Fetches in flight.
    #[arg(long, default_value_t = 32)]
    pub concurrency: usize,
    /// Fetches in flight per host (politeness).
    #[arg(long, default_value_t = 4)]
    pub per_host: usize,
    /// Connect time-out.
    #[arg(long, value_name = "TIME", default_value = "5s", value_parser = parse_duration)]
    pub connect_timeout: Duration,
    /// Whole-request time-out.
    #[arg(long, value_name = "TIME", default_value = "30s", value_parser = parse_duration)]
    pub timeout: Duration,
    /// Largest CRL fetched (bytes; K, M and G suffixes allowed).
    #[arg(long, value_name = "SIZE", default_value = "200M", value_parser = parse_size)]
    pub max_crl_size: u64,
    /// Record at most this many revoked entries per CRL (all are counted).
    #[arg(long, value_name = "N", default_value_t = 10_000)]
    pub crl_entries: usize,
    /// Do not fetch CRLs.
    #[arg(long)]
    pub no_crl: bool,
    /// Do not query OCSP responders.
    #[arg(long)]
    pub no_ocsp: bool,
    /// Do not fetch issuers through AIA.
    #[arg(long)]
    pub no_aia: bool,
    /// Most AIA hops from a certificate.
    #[arg(long, default_value_t = 4)]
    pub aia_depth: usize,
    /// Send OCSP requests without a nonce.
    #[arg(long)]
    pub no_nonce: bool,
    /// Use GET for small OCSP requests (RFC 6960 appendix A).
    #[arg(long)]
    pub ocsp_get: bool,
    /// Use SHA-256 in the OCSP CertID instead of SHA-1.
    #[arg(long)]
    pub ocsp_sha256: bool,
    /// Refuse URLs that resolve to private, loopback or link-local addresses
    /// (default: allowed, since internal PKI lives there).
    #[arg(long)]
    pub deny_private: bool,
    /// Extra trust anchors for HTTPS URLs (PEM file, such as private roots);
    /// repeatable.
    #[arg(long = "trust", value_name = "FILE")]
    pub trust: Vec<PathBuf>,
    /// Output options.
    #[command(flatten)]
    pub out: CollectOutput,
}

const TLS_HELP: &str = "\
Targets:
  host[:port]                 default port 443 (or --port)
  https://host[:port]/path    also smtp://, imap://, pop3://, ftp://, ldap://,
                              postgres://, xmpp:// (STARTTLS) and smtps://,
                              imaps://, pop3s://, ftps://, ldaps:// (implicit TLS)
  [2001:db8::1]:8443, ::1     IPv6
  10.0.0.0/24                 every host of a range, on --ports
A target may carry options, separated by spaces (quote the argument):
  \"10.0.0.5:443 sni=a.example,b.example\"   one scan per SNI name
  \"10.0.0.0/28 ports=443,8443\"
  \"mail.example:2525 starttls=smtp\"        smtp, imap, pop3, ftp, ldap, postgres,
                                            xmpp, or none
Settings can also come from the [tls] section of --config FILE (TOML; keys as
the long flags with _ for -, plus targets = [...] and targets_files = [...]);
flags override it.

STARTTLS is inferred on ports 21, 25, 110, 143, 389, 587, 5222, 5269 and 5432
unless starttls=none is given. Target files (-f) hold one target per line;
# starts a comment.

Exit codes:
  0  success
  1  a result is below a threshold you set (not used by this command)
  2  error (bad arguments, unreadable target file or trust store)";

/// Options shared by collectors.
#[derive(Debug, Args)]
pub struct CollectOutput {
    /// Write the bundle here (atomically) instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Agent name recorded in every record's provenance (default: the host name).
    #[arg(long, value_name = "NAME")]
    pub agent: Option<String>,
}

/// Arguments of `pkimm collect files`.
#[derive(Debug, Args)]
pub struct CollectFilesArgs {
    /// Files or directories to scan.
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<PathBuf>,
    /// Skip files larger than this (bytes; K, M and G suffixes allowed).
    #[arg(long, value_name = "SIZE", default_value = "256M", value_parser = parse_size)]
    pub max_file_size: u64,
    /// Do not follow symbolic links.
    #[arg(long)]
    pub no_follow_symlinks: bool,
    /// Name of an environment variable holding a PKCS#12 password to try after
    /// the empty one.
    #[arg(long, value_name = "VAR")]
    pub pkcs12_password_env: Option<String>,
    /// File whose first line is a PKCS#12 password to try after the empty one.
    #[arg(long, value_name = "FILE")]
    pub pkcs12_password_file: Option<PathBuf>,
    /// Record at most this many revoked entries per CRL (all are counted).
    #[arg(long, value_name = "N", default_value_t = 10_000)]
    pub crl_entries: usize,
    /// Output options.
    #[command(flatten)]
    pub out: CollectOutput,
}

/// Arguments of `pkimm collect inventory`.
#[derive(Debug, Args)]
pub struct CollectInventoryArgs {
    /// The CSV file.
    #[arg(value_name = "FILE.csv")]
    pub file: PathBuf,
    /// Map a field to a column header, for example --map serial="Serial Number".
    /// Fields: serial, issuer, fingerprint, subject, not_after, status, owner.
    #[arg(long = "map", value_name = "FIELD=HEADER")]
    pub map: Vec<String>,
    /// Field delimiter.
    #[arg(long, default_value_t = ',')]
    pub delimiter: char,
    /// Output options.
    #[command(flatten)]
    pub out: CollectOutput,
}

/// Arguments of `pkimm collect tls`.
#[derive(Debug, Args)]
pub struct CollectTlsArgs {
    /// Targets (see below).
    #[arg(value_name = "TARGET")]
    pub targets: Vec<String>,
    /// Read more targets from a file, one per line; repeatable.
    #[arg(short = 'f', long = "targets-file", value_name = "FILE")]
    pub targets_files: Vec<PathBuf>,
    /// Settings file: its `[tls]` section gives defaults that flags override.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Port for targets without one [default: 443].
    #[arg(long)]
    pub port: Option<u16>,
    /// Ports scanned on every address of a CIDR range (comma-separated)
    /// [default: 443].
    #[arg(long, value_name = "PORTS", value_delimiter = ',')]
    pub ports: Vec<u16>,
    /// SNI name for targets without sni=; repeatable (one scan per name).
    #[arg(long, value_name = "NAME")]
    pub sni: Vec<String>,
    /// STARTTLS protocol for targets without starttls=, or `none` to turn off
    /// inference from well-known ports.
    #[arg(long, value_name = "PROTO")]
    pub starttls: Option<String>,
    /// Trust anchors for chain validation: `system` or a PEM file; repeatable
    /// (default: system).
    #[arg(long = "trust", value_name = "system|FILE")]
    pub trust: Vec<String>,
    /// Endpoints scanned at once [default: 100].
    #[arg(long)]
    pub concurrency: Option<usize>,
    /// TCP connect time-out (ms, s or m suffix) [default: 5s].
    #[arg(long, value_name = "TIME", value_parser = parse_duration)]
    pub connect_timeout: Option<Duration>,
    /// Time-out for each STARTTLS exchange and handshake [default: 10s].
    #[arg(long, value_name = "TIME", value_parser = parse_duration)]
    pub handshake_timeout: Option<Duration>,
    /// Time-out for everything done to one endpoint [default: 120s].
    #[arg(long, value_name = "TIME", value_parser = parse_duration)]
    pub timeout: Option<Duration>,
    /// Retries of the first connection to an endpoint, with backoff
    /// [default: 1].
    #[arg(long)]
    pub retries: Option<u32>,
    /// At most this many new connections per second, across the scan.
    #[arg(long, value_name = "N")]
    pub rate: Option<f64>,
    /// Skip the SSLv3, TLS 1.0 and TLS 1.1 probes.
    #[arg(long)]
    pub no_legacy: bool,
    /// Skip cipher suite enumeration.
    #[arg(long)]
    pub no_ciphers: bool,
    /// ALPN protocols offered (comma-separated; none for STARTTLS targets)
    /// [default: h2,http/1.1].
    #[arg(long, value_delimiter = ',')]
    pub alpn: Vec<String>,
    /// Most certificates accepted in a served chain [default: 16].
    #[arg(long)]
    pub max_chain: Option<usize>,
    /// Largest certificate accepted (bytes; K and M suffixes allowed)
    /// [default: 64K].
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub max_cert_size: Option<u64>,
    /// Output options.
    #[command(flatten)]
    pub out: CollectOutput,
}

/// Parses a duration such as `500ms`, `5s`, `2m` or a bare number of seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let bad = || format!("{text:?} is not a duration such as 500ms, 5s or 2m");
    let (number, scale_ms) = if let Some(n) = text.strip_suffix("ms") {
        (n, 1)
    } else if let Some(n) = text.strip_suffix('s') {
        (n, 1000)
    } else if let Some(n) = text.strip_suffix('m') {
        (n, 60_000)
    } else {
        (text, 1000)
    };
    let number: u64 = number.trim().parse().map_err(|_| bad())?;
    number
        .checked_mul(scale_ms)
        .map(Duration::from_millis)
        .filter(|d| !d.is_zero())
        .ok_or_else(bad)
}

/// Parses a byte size with an optional K, M or G (binary) suffix.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let (number, multiplier) = match text.char_indices().last() {
        Some((i, 'k' | 'K')) => (&text[..i], 1024),
        Some((i, 'm' | 'M')) => (&text[..i], 1024 * 1024),
        Some((i, 'g' | 'G')) => (&text[..i], 1024 * 1024 * 1024),
        _ => (text, 1),
    };
    number
        .trim()
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(multiplier))
        .ok_or_else(|| format!("{text:?} is not a size such as 1048576, 512K, 64M or 1G"))
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
    fn sizes_parse() {
        assert_eq!(parse_size("64M"), Ok(64 * 1024 * 1024));
        assert_eq!(parse_size("100"), Ok(100));
        assert!(parse_size("lots").is_err());
    }

    #[test]
    fn threshold_range_is_checked() {
        assert_eq!(parse_threshold("2.5"), Ok(2.5));
        assert!(parse_threshold("7").is_err());
        assert!(parse_threshold("x").is_err());
    }
}
