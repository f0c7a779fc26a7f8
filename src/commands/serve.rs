//! `pkimm serve`: the assessor's workspace in the browser, and its accounts.

use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use pkimm_model::evidence::{load_bundles, EvidenceBundle};
use pkimm_model::secret::{secret_from_env, secret_from_file, secret_from_stdin, Secret};
use pkimm_pipeline::artifacts;
use pkimm_pipeline::history::Store;
use pkimm_pipeline::setup::{evaluation_time, load_extensions};
use pkimm_pipeline::Pipeline;
use pkimm_workspace::{AssessmentFile, Evidence, Role, ServeOptions, Users, Workspace};

use crate::cli::{GlobalArgs, ServeArgs};
use crate::output::{assessment, profile_of, store_location};

/// The environment variable `--add-user` reads the password from.
const PASSWORD_VARIABLE: &str = "PKIMM_PASSWORD";

/// Runs the command.
pub fn run(global: &GlobalArgs, args: &ServeArgs) -> Result<ExitCode> {
    let users_path = match (&args.users, &args.assessment) {
        (Some(path), _) => path.clone(),
        (None, Some(assessment)) => Users::default_path(assessment),
        (None, None) => {
            bail!("give --users FILE (or --assessment FILE, beside which pkimm-users.yaml is kept)")
        }
    };
    if let Some(name) = &args.add_user {
        let role = args
            .role
            .as_deref()
            .and_then(Role::parse)
            .context("--role is assessor or viewer")?;
        let password = password(args)?;
        Users::add(&users_path, name, role, &password)?;
        eprintln!(
            "{}: {name} can sign in as {}",
            users_path.display(),
            role.name()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let Some(path) = &args.assessment else {
        bail!("give --assessment FILE to serve");
    };
    let users = Users::load(&users_path)?;
    let (model, parsed) = assessment(global, path)?;
    let profile = profile_of(global, path, &parsed)?.into_owned();
    let extensions = load_extensions(&args.extensions, &model)?;
    let evidence = evidence(args, model.clone())?;
    let file = AssessmentFile::new(path, model.into_owned(), parsed);
    let workspace = Workspace::new(file, profile, extensions, evidence, (users, users_path));
    let options = ServeOptions {
        listen: args.listen.clone(),
        tls: args.tls.pair(),
    };
    let shown = path.display().to_string();
    pkimm_workspace::serve(workspace, &options, |bound, https| {
        let scheme = if https { "https" } else { "http" };
        eprintln!("pkimm workspace for {shown} at {scheme}://{bound}/ (stop with Ctrl-C)");
    })?;
    Ok(ExitCode::SUCCESS)
}

/// The evidence bundles and the history's latest scans, evaluated once.
fn evidence(
    args: &ServeArgs,
    model: std::borrow::Cow<'static, pkimm_model::Model>,
) -> Result<Option<Evidence>> {
    if args.evidence.is_empty() && !args.from_store {
        return Ok(None);
    }
    let mut bundle = if args.evidence.is_empty() {
        EvidenceBundle::new(format!("pkimm {}", env!("CARGO_PKG_VERSION")))
    } else {
        load_bundles(&args.evidence)?
    };
    if args.from_store {
        Store::open_existing(&store_location(&args.store)?)?
            .merge_latest_into(&mut bundle, args.since)?;
    }
    let pipeline = Pipeline::load(model, &args.inputs.rule_inputs())?;
    let now = evaluation_time(args.inputs.now.as_deref())?;
    let evaluation = pipeline.evaluate(&bundle, now);
    let files = artifacts::bundle_files(&pipeline, &args.evidence, now)?;
    Ok(Some(Evidence {
        bundle,
        evaluation,
        files,
    }))
}

/// The new account's password: PKIMM_PASSWORD, --password-file, or a line
/// read from standard input (not echoed on a terminal).
fn password(args: &ServeArgs) -> Result<Secret> {
    let secret = match (&args.password_file, secret_from_env(PASSWORD_VARIABLE)) {
        (Some(path), _) => secret_from_file(path)?,
        (None, Ok(secret)) => secret,
        (None, Err(_)) => secret_from_stdin("Password for the new account: ")?,
    };
    if secret.expose().is_empty() {
        bail!("no password given: set {PASSWORD_VARIABLE}, give --password-file FILE, or type it on standard input");
    }
    Ok(secret)
}
