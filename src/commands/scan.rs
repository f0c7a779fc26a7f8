//! `pkimm scan`, `pkimm config check`, `pkimm history list` and `pkimm diff`.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{anyhow, Context, Result};
use pkimm_collectors::files::{collect_files, FilesOptions};
use pkimm_collectors::inventory::{collect_inventory, ColumnMap, InventoryOptions};
use pkimm_collectors::ldap::{collect_ldap, LdapOptions};
use pkimm_collectors::revocation::{self, RevocationOptions};
use pkimm_model::evidence::{EvidenceBundle, UtcTime};
use pkimm_rules::{evaluate, EvalOptions, Policy};
use pkimm_scoring::prefill::{prefill, LevelMappings};

use crate::cli::{DiffArgs, GlobalArgs, ScanArgs, StoreArgs};
use crate::commands::collect_common::{agent_name, read_secret};
use crate::commands::collect_tls::collect_section;
use crate::config::{self, JobConfig, ScanConfig};
use crate::history::{self, Store};
use crate::output::new_table;
use crate::write::write_json;
use crate::{EXIT_ERROR, EXIT_THRESHOLD};

/// Default history file name, beside the config.
const DEFAULT_STORE: &str = "pkimm-history.sqlite";
/// Default retention.
const DEFAULT_RETENTION_DAYS: u32 = 90;

/// The store a config names: a SQLite path or a `postgres://` URL.
pub fn store_location(config_path: &Path, config: &ScanConfig) -> String {
    match &config.store {
        Some(s) => s.clone(),
        None => config_path
            .parent()
            .unwrap_or(Path::new("."))
            .join(DEFAULT_STORE)
            .display()
            .to_string(),
    }
}

/// Runs `pkimm config check`.
pub fn check(file: &Path) -> Result<ExitCode> {
    let config = config::load(file)?;
    for job in &config.jobs {
        let collectors: Vec<&str> = [
            job.tls.as_ref().map(|_| "tls"),
            job.files.as_ref().map(|_| "files"),
            job.inventory.as_ref().map(|_| "inventory"),
            job.ldap.as_ref().map(|_| "ldap"),
            job.revocation.then_some("revocation"),
        ]
        .into_iter()
        .flatten()
        .collect();
        println!(
            "job {}: {}{}",
            job.name,
            collectors.join(", "),
            job.schedule
                .as_deref()
                .map(|s| format!("; schedule {s}"))
                .unwrap_or_default()
        );
    }
    println!("{}: {} jobs, valid", file.display(), config.jobs.len());
    Ok(ExitCode::SUCCESS)
}

/// Runs `pkimm scan`.
pub fn run(global: &GlobalArgs, args: &ScanArgs) -> Result<ExitCode> {
    let config = config::load(&args.config)?;
    let evaluator = JobEvaluator::load(global, &config)?;
    let agent = agent_name(config.agent.as_deref());
    let mut store = Store::open_location(&store_location(&args.config, &config))?;
    let jobs: Vec<&JobConfig> = config
        .jobs
        .iter()
        .filter(|j| args.jobs.is_empty() || args.jobs.contains(&j.name))
        .collect();
    if jobs.is_empty() {
        return Err(anyhow!("{}: no job to run", args.config.display()));
    }
    let mut errors = 0;
    let mut over_threshold = 0;
    for job in jobs {
        let started = UtcTime::now();
        let mut bundle = match collect_job(&config, job, &agent) {
            Ok(bundle) => bundle,
            Err(e) => {
                eprintln!("job {}: error: {e:#}", job.name);
                errors += 1;
                continue;
            }
        };
        let (id, evaluation) =
            evaluator.evaluate_and_store(&mut store, &job.name, &agent, started, &mut bundle)?;
        if let Some(dir) = &config.output_dir {
            let dir = dir.join(&job.name).join(id.to_string());
            std::fs::create_dir_all(&dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            write_json(Some(&dir.join("bundle.json")), &bundle)?;
            write_json(Some(&dir.join("evaluation.json")), &evaluation)?;
        }
        if config.stdout {
            crate::output::print_json(&evaluation)?;
        }
        let findings = args.fail_on.map_or(0, |s| {
            evaluation.failures_at_or_above(crate::commands::evaluate::severity(s))
        });
        over_threshold += findings;
        eprintln!(
            "job {}: scan {id}: {} certificates, {} endpoints, {} CRLs, {} OCSP checks, {} directory objects, {} failures",
            job.name,
            bundle.certificates.len(),
            bundle.tls_endpoints.len(),
            bundle.crls.len(),
            bundle.ocsp_checks.len(),
            bundle.directory_objects.len(),
            bundle.failures.len()
        );
    }
    let removed = store.retain(config.retention_days.unwrap_or(DEFAULT_RETENTION_DAYS))?;
    if removed > 0 {
        eprintln!("removed {removed} scans past the retention period");
    }
    Ok(if errors > 0 {
        ExitCode::from(EXIT_ERROR)
    } else if over_threshold > 0 {
        eprintln!("{over_threshold} unwaived findings at or above the --fail-on severity");
        ExitCode::from(EXIT_THRESHOLD)
    } else {
        ExitCode::SUCCESS
    })
}

/// What every job's evaluation needs, loaded once from a scan config.
pub struct JobEvaluator {
    model: std::borrow::Cow<'static, pkimm_model::Model>,
    pack: pkimm_rules::RulePack,
    policy: Policy,
    waivers: Vec<pkimm_rules::waiver::Waiver>,
    mappings: LevelMappings,
}

impl JobEvaluator {
    /// The model, the built-in pack plus the config's rules, its policy and
    /// waivers, and the level mappings.
    pub fn load(global: &GlobalArgs, config: &ScanConfig) -> Result<Self> {
        let model = crate::context::model(global)?;
        let mut pack = pkimm_rules::RulePack::builtin(&model)?;
        for path in &config.rules {
            pack.add_path(path, &model)?;
        }
        let mappings = LevelMappings::builtin(&model)?;
        Ok(Self {
            pack,
            policy: crate::context::load_policy(config.policy.as_deref())?,
            waivers: crate::context::load_waivers(config.waivers.as_deref())?,
            mappings,
            model,
        })
    }

    /// Adds the history's trends to `bundle`, evaluates it, suggests levels
    /// and stores the scan. Returns the scan id and the evaluation.
    pub fn evaluate_and_store(
        &self,
        store: &mut Store,
        job: &str,
        agent: &str,
        started: UtcTime,
        bundle: &mut EvidenceBundle,
    ) -> Result<(i64, pkimm_rules::Evaluation)> {
        bundle.trends = Some(store.trends(job, agent, bundle)?);
        let options = EvalOptions {
            policy: self.policy.clone(),
            now: UtcTime::now().unix(),
            waivers: self.waivers.clone(),
            measure_cost: false,
        };
        let evaluation = evaluate(&self.pack, bundle, &self.model, &options);
        let levels: BTreeMap<String, (i64, String)> =
            prefill(&self.model, &evaluation, &self.mappings)
                .into_iter()
                .filter_map(|(id, p)| {
                    p.suggestion.map(|s| {
                        let confidence = crate::report::document::confidence_name(s.confidence);
                        (id, (i64::from(s.level.number()), confidence.to_string()))
                    })
                })
                .collect();
        let id = store.record(&history::ScanInput {
            job,
            agent,
            started,
            bundle,
            evaluation: &evaluation,
            levels: &levels,
        })?;
        Ok((id, evaluation))
    }
}

/// Collects everything one job names into one bundle.
pub fn collect_job(config: &ScanConfig, job: &JobConfig, agent: &str) -> Result<EvidenceBundle> {
    let mut bundle = EvidenceBundle::new(format!("pkimm {}", env!("CARGO_PKG_VERSION")));
    if let Some(tls) = &job.tls {
        let section = tls.over(&config.tls);
        bundle.merge(collect_section(&section, agent, false)?.0);
    }
    if let Some(files) = &job.files {
        let options = FilesOptions {
            agent: Some(agent.to_string()),
            ..FilesOptions::default()
        };
        bundle.merge(collect_files(&files.paths, &options)?.0);
    }
    if let Some(inventory) = &job.inventory {
        let pairs: Vec<String> = inventory
            .map
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let options = InventoryOptions {
            columns: ColumnMap::parse(&pairs)
                .map_err(|e| anyhow!("job {}: inventory map: {e}", job.name))?,
            agent: Some(agent.to_string()),
            ..InventoryOptions::default()
        };
        bundle.merge(collect_inventory(&inventory.file, &options)?);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    if let Some(ldap) = &job.ldap {
        let password = match (&ldap.password_env, &ldap.password_file) {
            (Some(var), _) => Some(
                std::env::var(var)
                    .with_context(|| format!("environment variable {var} is not set"))?,
            ),
            (None, Some(path)) => Some(read_secret(path)?),
            (None, None) => None,
        };
        let tls = match (&ldap.ca, ldap.starttls || ldap.url.starts_with("ldaps://")) {
            (_, false) => None,
            (ca, true) => Some(Arc::new(crate::commands::collect_ldap::tls_config_from(
                ca.as_deref(),
            )?)),
        };
        let options = LdapOptions {
            url: ldap.url.clone(),
            starttls: ldap.starttls,
            tls,
            bind_dn: ldap.bind_dn.clone(),
            password,
            bases: ldap.bases.clone(),
            timeout: std::time::Duration::from_secs(30),
            page_size: 500,
            max_entries: 100_000,
            crl: Default::default(),
            agent: Some(agent.to_string()),
        };
        bundle.merge(runtime.block_on(collect_ldap(&options))?);
    }
    if job.revocation {
        let options = RevocationOptions {
            agent: Some(agent.to_string()),
            ..RevocationOptions::default()
        };
        let found = runtime.block_on(revocation::collect(&bundle, &[], &options));
        bundle.merge(found);
    }
    Ok(bundle)
}

/// Opens the store named by `--store` or by the config.
pub fn open_store(args: &StoreArgs) -> Result<Store> {
    let location = match (&args.store, &args.config) {
        (Some(location), _) => location.clone(),
        (None, Some(config_path)) => store_location(config_path, &config::load(config_path)?),
        (None, None) => return Err(anyhow!("give --config FILE or --store LOCATION")),
    };
    if !location.contains("://") && !Path::new(&location).exists() {
        return Err(anyhow!(
            "{location}: no history store (run pkimm scan first)"
        ));
    }
    Store::open_location(&location)
}

/// Runs `pkimm history list`.
pub fn list(args: &StoreArgs, limit: usize) -> Result<ExitCode> {
    let mut store = open_store(args)?;
    let mut table = new_table(["scan", "job", "agent", "started", "finished", "summary"]);
    for row in store.list(limit)? {
        table.add_row(vec![
            row.id.to_string(),
            row.job,
            row.agent,
            row.started,
            row.finished,
            row.summary,
        ]);
    }
    println!("{table}");
    Ok(ExitCode::SUCCESS)
}

/// Runs `pkimm diff`.
pub fn diff(args: &DiffArgs) -> Result<ExitCode> {
    let mut store = open_store(&args.store)?;
    let a = store
        .snapshot(args.a)?
        .ok_or_else(|| anyhow!("no scan {}", args.a))?;
    let b = store
        .snapshot(args.b)?
        .ok_or_else(|| anyhow!("no scan {}", args.b))?;
    let lines = history::diff(&a, &b);
    if lines.is_empty() {
        println!("no differences between scans {} and {}", args.a, args.b);
    }
    for line in lines {
        println!("{line}");
    }
    Ok(ExitCode::SUCCESS)
}
