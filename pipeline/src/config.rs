//! The scan config (`scan.toml`): the history store, policy, waivers and
//! rules, the `[tls]` defaults, and the jobs `pkimm scan` and `pkimm agent`
//! run. A job names its collectors by type, either as keys (`tls = { … }`,
//! `revocation = true`) or as a list (`[[job.collect]]` with `type = "tls"`)
//! for several of one type. Errors name the file, line and key; relative
//! paths are relative to the config file.

use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};

use pkimm_collectors::tls::TlsConfig;
use pkimm_collectors::CollectorConfig;
use pkimm_model::read::{read_text_file, ReadError, MAX_DOCUMENT_BYTES};
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, Visitor};
use serde::Deserialize;

/// Default history file name, beside the config.
pub const DEFAULT_STORE: &str = "pkimm-history.sqlite";
/// Days of history kept by default.
pub const DEFAULT_RETENTION_DAYS: u32 = 90;

/// The whole settings file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScanConfig {
    /// Defaults for TLS collectors: settings for every job's `tls`, and
    /// targets too for `pkimm collect tls --config`.
    #[serde(default)]
    pub tls: TlsConfig,
    /// History store: a SQLite file or a `postgres://` URL (default
    /// `pkimm-history.sqlite` beside the config).
    pub store: Option<String>,
    /// Days of history kept (default 90).
    pub retention_days: Option<u32>,
    /// Agent name recorded with every scan (default: the host name).
    pub agent: Option<String>,
    /// Organisation policy file.
    pub policy: Option<PathBuf>,
    /// Waiver file.
    pub waivers: Option<PathBuf>,
    /// Extra rule files or directories.
    #[serde(default)]
    pub rules: Vec<PathBuf>,
    /// Directory for each scan's bundle and evaluation.
    pub output_dir: Option<PathBuf>,
    /// Also print each scan's evaluation as JSON on stdout (`pkimm scan`).
    #[serde(default)]
    pub stdout: bool,
    /// Scan jobs.
    #[serde(default, rename = "job")]
    pub jobs: Vec<JobConfig>,
    /// The file this config was read from.
    #[serde(skip)]
    pub path: PathBuf,
}

/// One scan job: what to collect and when.
#[derive(Debug, Clone, PartialEq)]
pub struct JobConfig {
    /// Unique job name.
    pub name: String,
    /// Cron expression (`*/5 * * * *`) for the agent.
    pub schedule: Option<String>,
    /// The collectors, in the order they run: as written, except that those
    /// following the job's evidence (revocation) run last.
    pub collectors: Vec<CollectorConfig>,
}

/// A config that cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file could not be read.
    #[error(transparent)]
    Read(#[from] ReadError),
    /// The TOML is malformed or a key is wrong (a key given twice
    /// included).
    #[error("{path}{at}: {message}")]
    Syntax {
        /// The file.
        path: PathBuf,
        /// `:LINE:COLUMN` when the parser knows where.
        at: String,
        /// The parser's message.
        message: String,
    },
    /// The config as a whole is unusable.
    #[error("{path}: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A job is unusable.
    #[error("{path}{line}: job {job:?}: {message}")]
    Job {
        /// The file.
        path: PathBuf,
        /// `, line N` when the job's name could be found.
        line: String,
        /// The job.
        job: String,
        /// What is wrong.
        message: String,
    },
}

impl ScanConfig {
    /// Checks that the config has jobs, for the commands that run them
    /// (`config check`, `scan`, `agent`); `collect --config` reads only
    /// its defaults.
    pub fn require_jobs(&self) -> Result<(), ConfigError> {
        if self.jobs.is_empty() {
            return Err(ConfigError::Invalid {
                path: self.path.clone(),
                message: "no jobs: add one, such as [[job]] name = \"pki\" with files = { paths = [\"/etc/pki\"] }".to_string(),
            });
        }
        Ok(())
    }
}

/// Whether a `postgres://` location names a password inline.
pub fn has_inline_password(location: &str) -> bool {
    let Some(rest) = location
        .strip_prefix("postgres://")
        .or_else(|| location.strip_prefix("postgresql://"))
    else {
        return false;
    };
    let authority = rest.split(['/', '?']).next().unwrap_or("");
    let user_info = authority.rsplit_once('@').map(|(u, _)| u);
    user_info.is_some_and(|u| u.contains(':')) || location.contains("password=")
}

impl ScanConfig {
    /// Reads and checks a config file.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = read_text_file(path, MAX_DOCUMENT_BYTES)?;
        Self::parse(path, &text)
    }

    /// Parses and checks config text read from `path`.
    pub fn parse(path: &Path, text: &str) -> Result<Self, ConfigError> {
        let mut config: Self = toml::from_str(text).map_err(|e| ConfigError::Syntax {
            path: path.to_path_buf(),
            at: e.span().map_or_else(String::new, |span| {
                let (line, column) = pkimm_model::diag::line_and_column(text, span.start);
                format!(":{line}:{column}")
            }),
            message: e.message().trim_end().to_string(),
        })?;
        config.path = path.to_path_buf();
        let base = path.parent().unwrap_or(Path::new(".")).to_path_buf();
        config.resolve_paths(&base);
        config.check(text)?;
        Ok(config)
    }

    fn resolve_paths(&mut self, base: &Path) {
        let join = |p: &mut PathBuf| *p = base.join(&*p);
        use pkimm_collectors::Collector as _;
        self.tls.resolve_paths(base);
        self.policy.iter_mut().for_each(join);
        self.waivers.iter_mut().for_each(join);
        self.rules.iter_mut().for_each(join);
        self.output_dir.iter_mut().for_each(join);
        if let Some(store) = &mut self.store {
            if !store.contains("://") {
                *store = base.join(&*store).display().to_string();
            }
        }
        for job in &mut self.jobs {
            for collector in &mut job.collectors {
                collector.resolve_paths(base);
                if let CollectorConfig::Tls(tls) = collector {
                    **tls = tls.over(&self.tls.settings_only());
                }
            }
        }
    }

    fn check(&self, text: &str) -> Result<(), ConfigError> {
        let invalid = |message: String| ConfigError::Invalid {
            path: self.path.clone(),
            message,
        };
        if let Some(store) = &self.store {
            if has_inline_password(store) {
                return Err(invalid(
                    "the store URL carries a password: remove it and set PKIMM_STORE_PASSWORD (a config file is no place for a secret)".to_string(),
                ));
            }
        }
        let mut names = HashSet::new();
        for job in &self.jobs {
            let error = |message: String| {
                let line = text
                    .lines()
                    .position(|l| l.contains(&format!("\"{}\"", job.name)))
                    .map_or(String::new(), |n| format!(", line {}", n + 1));
                ConfigError::Job {
                    path: self.path.clone(),
                    line,
                    job: job.name.clone(),
                    message,
                }
            };
            if job.name.trim().is_empty() {
                return Err(error("a job needs a name".to_string()));
            }
            if !names.insert(job.name.as_str()) {
                return Err(error("the name is used by another job".to_string()));
            }
            if job.collectors.is_empty() {
                return Err(error(format!(
                    "no collector: add one of {}",
                    CollectorConfig::TYPES.join(", ")
                )));
            }
            if let Some(schedule) = &job.schedule {
                let cron = parse_schedule(schedule).map_err(|e| {
                    error(format!(
                        "schedule {schedule:?} is not a cron expression: {e}"
                    ))
                })?;
                if cron
                    .find_next_occurrence(&chrono::Utc::now(), false)
                    .is_err()
                {
                    return Err(error(format!(
                        "schedule {schedule:?} never fires (no such date)"
                    )));
                }
            }
        }
        Ok(())
    }

    /// Where the history is: the `store` setting or the default file beside
    /// the config.
    pub fn store_location(&self) -> String {
        match &self.store {
            Some(s) => s.clone(),
            None => self
                .path
                .parent()
                .unwrap_or(Path::new("."))
                .join(DEFAULT_STORE)
                .display()
                .to_string(),
        }
    }

    /// The config's rules, policy and waivers, with the built-in pack.
    pub fn rule_inputs(&self) -> crate::RuleInputs {
        crate::RuleInputs {
            rules: self.rules.clone(),
            policy: self.policy.clone(),
            waivers: self.waivers.clone(),
            ..crate::RuleInputs::default()
        }
    }

    /// Days of history kept.
    pub fn retention_days(&self) -> u32 {
        self.retention_days.unwrap_or(DEFAULT_RETENTION_DAYS)
    }

    /// `collector` with this config's defaults under it (the `[tls]`
    /// section, targets included, for `pkimm collect tls --config`).
    pub fn with_defaults(&self, collector: CollectorConfig) -> CollectorConfig {
        match collector {
            CollectorConfig::Tls(tls) => CollectorConfig::Tls(Box::new(tls.over(&self.tls))),
            other => other,
        }
    }
}

/// Parses a cron expression: five fields, or six with seconds first.
pub fn parse_schedule(text: &str) -> Result<croner::Cron, croner::errors::CronError> {
    croner::parser::CronParser::builder()
        .seconds(croner::parser::Seconds::Optional)
        .build()
        .parse(text)
}

/// The keys of a job besides its collector types.
const JOB_KEYS: &[&str] = &["name", "schedule", "collect"];

impl<'de> Deserialize<'de> for JobConfig {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(JobVisitor)
    }
}

struct JobVisitor;

impl<'de> Visitor<'de> for JobVisitor {
    type Value = JobConfig;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a job table")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<JobConfig, A::Error> {
        let mut name: Option<String> = None;
        let mut schedule = None;
        let mut collectors = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "name" => name = Some(map.next_value()?),
                "schedule" => schedule = Some(map.next_value()?),
                "collect" => collectors.extend(map.next_value::<Vec<CollectorConfig>>()?),
                other if CollectorConfig::TYPES.contains(&other) => {
                    collectors.extend(map.next_value_seed(TypedCollector(key))?);
                }
                _ => map.next_value_seed(UnknownKey(key))?,
            }
        }
        // Collectors that follow the job's evidence run after the others.
        collectors.sort_by_key(CollectorConfig::reads_evidence);
        Ok(JobConfig {
            name: name.ok_or_else(|| de::Error::missing_field("name"))?,
            schedule,
            collectors,
        })
    }
}

/// The value of a collector key, read as that collector's config.
struct TypedCollector(String);

impl<'de> DeserializeSeed<'de> for TypedCollector {
    type Value = Option<CollectorConfig>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        CollectorConfig::deserialize_as(&self.0, deserializer)
    }
}

/// Refuses a key inside its value, so the error carries the key's line.
struct UnknownKey(String);

impl<'de> DeserializeSeed<'de> for UnknownKey {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, _: D) -> Result<(), D::Error> {
        let expected: Vec<String> = JOB_KEYS
            .iter()
            .chain(CollectorConfig::TYPES)
            .map(|k| format!("`{k}`"))
            .collect();
        Err(de::Error::custom(format!(
            "unknown field `{}`, expected one of {}",
            self.0,
            expected.join(", ")
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<ScanConfig, ConfigError> {
        ScanConfig::parse(Path::new("/etc/pkimm/scan.toml"), text)
    }

    #[test]
    fn collectors_as_keys_and_as_a_list() {
        let config = parse(
            "[tls]\nlegacy = false\ntargets = [\"cli-only:443\"]\n\n\
             [[job]]\nname = \"a\"\nrevocation = true\ntls = { targets = [\"h:443\"] }\n\
             files = { paths = [\"certs\"] }\n\
             [[job.collect]]\ntype = \"ldap\"\nurl = \"ldap://dc1\"\n\
             [[job.collect]]\ntype = \"ldap\"\nurl = \"ldap://dc2\"\n",
        )
        .unwrap();
        let types: Vec<&str> = config.jobs[0]
            .collectors
            .iter()
            .map(CollectorConfig::type_name)
            .collect();
        assert_eq!(types, ["tls", "files", "ldap", "ldap", "revocation"]);
        let CollectorConfig::Tls(tls) = &config.jobs[0].collectors[0] else {
            panic!("tls first");
        };
        assert_eq!(tls.targets, ["h:443"], "[tls] targets are not a job's");
        assert_eq!(tls.legacy, Some(false), "[tls] settings are");
        let CollectorConfig::Files(files) = &config.jobs[0].collectors[1] else {
            panic!("files second");
        };
        assert_eq!(files.paths, [PathBuf::from("/etc/pkimm/certs")]);
        assert_eq!(config.store_location(), "/etc/pkimm/pkimm-history.sqlite");
    }

    #[test]
    fn mistakes_name_the_line_and_key() {
        let err = parse("[[job]]\nname = \"a\"\nfiles = { paths = [\"x\"] }\nschedul = \"x\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("scan.toml:4:") && err.contains("schedul"),
            "{err}"
        );
        let err = parse("[[job]]\nname = \"a\"\ntls = { targets = [\"x\"], timeout = \"soon\" }\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("scan.toml:3:") && err.contains("soon"),
            "{err}"
        );
        let err = parse("[[job]]\nname = \"a\"\nfiles = true\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("not enough"), "{err}");
        let err = parse("[[job]]\nname = \"a\"\n").unwrap_err().to_string();
        assert!(err.contains("no collector"), "{err}");
        let err = parse("[[job]]\nname = \"a\"\n[[job.collect]]\ntype = \"gopher\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("gopher"), "{err}");
    }
}
