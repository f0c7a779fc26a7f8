//! The assessor's workspace in the browser (`pkimm serve`): the evidence and
//! the decision on one page per requirement, with named accounts, CSRF
//! protection, versioned saves that never lose a decision, and the audit
//! trail kept in the assessment file.
//!
//! - [`users`]: the users file (Argon2id hashes);
//! - [`session`]: login sessions, cookies and CSRF tokens;
//! - [`source`]: the assessment file, re-read when it changes on disk, saved
//!   under its update lock with a version check;
//! - [`pages`]: what each page shows, built from the model, the assessment,
//!   the report document and the evidence;
//! - [`routes`]: the HTTP handlers and the permission checks;
//! - [`templates`]: the embedded minijinja templates and static files.
//!
//! Pages are rendered on the server; the one script only marks fields
//! required. Nothing is fetched from anywhere but the workspace itself.

pub mod pages;
pub mod routes;
pub mod session;
pub mod source;
pub mod templates;
pub mod users;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use pkimm_model::evidence::EvidenceBundle;
use pkimm_model::Extension;
use pkimm_report::manifest::EvidenceFile;
use pkimm_rules::Evaluation;
use pkimm_scoring::profile::Profile;

pub use source::AssessmentFile;
pub use users::{Role, Users};

/// Why the workspace cannot start or a request cannot be served.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WorkspaceError {
    /// No users file yet.
    #[error("no users file at {0}: add an account first with pkimm serve --users {0} --add-user NAME --role assessor (the password is read from PKIMM_PASSWORD or standard input)")]
    NoUsers(PathBuf),
    /// The users file holds no account.
    #[error("{0} holds no account: add one with pkimm serve --users {0} --add-user NAME --role assessor")]
    NoAccounts(PathBuf),
    /// The users file is malformed.
    #[error("{path}: {why}")]
    BadUsers {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        why: String,
    },
    /// A user cannot be added as asked.
    #[error("cannot add the user: {0}")]
    BadUser(String),
    /// The operating system's random generator failed.
    #[error("the system random number generator failed")]
    Random,
    /// Listening where it is not allowed, or cannot be done.
    #[error("{0}")]
    Listen(String),
    /// A file could not be read.
    #[error(transparent)]
    Read(#[from] pkimm_model::read::ReadError),
    /// A document is malformed.
    #[error(transparent)]
    Document(#[from] pkimm_model::diag::DocumentError),
    /// The assessment could not be read.
    #[error(transparent)]
    Assessment(#[from] pkimm_scoring::AssessmentError),
    /// The assessment could not be saved.
    #[error(transparent)]
    Save(#[from] pkimm_scoring::SaveError),
    /// A file could not be written.
    #[error(transparent)]
    Write(#[from] pkimm_model::write::WriteError),
    /// The file's update lock could not be taken.
    #[error(transparent)]
    Lock(#[from] pkimm_model::write::LockError),
    /// A TLS or serving set-up error.
    #[error(transparent)]
    Pipeline(#[from] pkimm_pipeline::PipelineError),
    /// A decision the assessor made cannot be applied.
    #[error(transparent)]
    Decision(#[from] pkimm_scoring::decision::DecisionError),
    /// A save against a decision that changed meanwhile.
    #[error("the requirement changed since the page was loaded")]
    Conflict(Box<pkimm_scoring::assessment::RequirementEntry>),
    /// A form that cannot be applied.
    #[error("{0}")]
    Invalid(String),
    /// A page template failed.
    #[error("page template: {0}")]
    Template(#[from] minijinja::Error),
    /// Serving failed.
    #[error("serving failed: {0}")]
    Io(#[from] std::io::Error),
}

/// The evidence shown beside the assessment.
#[derive(Debug)]
pub struct Evidence {
    /// The bundles, merged.
    pub bundle: EvidenceBundle,
    /// Their evaluation.
    pub evaluation: Evaluation,
    /// The bundle files, for the manifest and the credential downloads.
    pub files: Vec<EvidenceFile>,
}

/// Everything one workspace shows and edits.
#[derive(Debug)]
pub struct Workspace {
    /// The assessment file.
    pub file: AssessmentFile,
    /// The assessment profile.
    pub profile: Profile,
    /// Extensions loaded for the reports.
    pub extensions: Vec<Extension>,
    /// The evidence, when bundles were given.
    pub evidence: Option<Evidence>,
    /// The accounts.
    pub users: Users,
    /// Where the accounts were read from.
    pub users_path: PathBuf,
    /// Live sessions.
    pub sessions: session::Sessions,
    /// Failed sign-ins by name.
    pub throttle: session::Throttle,
    /// Whether pages are served over TLS (cookies are then `Secure`).
    pub secure: bool,
}

impl Workspace {
    /// A workspace over `file`, signed into with `users` (read from
    /// `users_path`).
    pub fn new(
        file: AssessmentFile,
        profile: Profile,
        extensions: Vec<Extension>,
        evidence: Option<Evidence>,
        (users, users_path): (Users, PathBuf),
    ) -> Self {
        Self {
            file,
            profile,
            extensions,
            evidence,
            users,
            users_path,
            sessions: session::Sessions::default(),
            throttle: session::Throttle::default(),
            secure: false,
        }
    }
}

/// Where and how to serve.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// The address to listen on (`127.0.0.1:8443` by default).
    pub listen: String,
    /// Certificate chain and key (PEM) for HTTPS.
    pub tls: Option<(PathBuf, PathBuf)>,
}

/// Serves `workspace` until the process stops. Listening anywhere but a
/// loopback address needs TLS; every page needs an account. `ready` is told
/// the bound address (and whether it is HTTPS) before the first request.
pub fn serve(
    mut workspace: Workspace,
    options: &ServeOptions,
    ready: impl FnOnce(SocketAddr, bool),
) -> Result<(), WorkspaceError> {
    if workspace.users.users.is_empty() {
        return Err(WorkspaceError::NoAccounts(workspace.users_path));
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(&options.listen)
            .await
            .map_err(|e| WorkspaceError::Listen(format!("cannot listen on {}: {e}", options.listen)))?;
        let bound = listener.local_addr()?;
        if !bound.ip().is_loopback() && options.tls.is_none() {
            return Err(WorkspaceError::Listen(format!(
                "refusing to serve the workspace on {bound}, which is not a loopback address, without TLS: give --tls-cert and --tls-key, or listen on 127.0.0.1"
            )));
        }
        let tls = pkimm_pipeline::agent::serve::ServeOptions {
            listen: options.listen.clone(),
            tls: options.tls.clone(),
            ..Default::default()
        }
        .acceptor()?;
        workspace.secure = tls.is_some();
        let app = routes::router(Arc::new(workspace));
        ready(bound, tls.is_some());
        match tls {
            Some(acceptor) => {
                let listener = pkimm_pipeline::agent::serve::TlsListener::new(listener, acceptor)?;
                axum::serve(listener, app).await?;
            }
            None => axum::serve(listener, app).await?,
        }
        Ok(())
    })
}
