//! The HTTP side: routes, the session and permission checks, and the saves.
//! Every page needs a signed-in user; every change needs an assessor, the
//! session's CSRF token and the version of the decision the page showed.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use pkimm_model::evidence::UtcTime;
use pkimm_model::secret::constant_time_eq;
use pkimm_model::Level;
use pkimm_rules::criteria::Catalog;
use pkimm_scoring::decision::{decide, decide_criteria, Choice, Decision};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::pages::{self, DecisionForm, PageNotes};
use crate::session::{cookie, random_token, set_cookie, Session, LOGIN_COOKIE, SESSION_COOKIE};
use crate::source::entry_version;
use crate::users::Role;
use crate::{templates, Workspace, WorkspaceError};

type Shared = Arc<Workspace>;

/// Longest justification, reason or name accepted from a form.
const MAX_TEXT_CHARS: usize = 10_000;

/// The workspace's routes.
pub fn router(workspace: Shared) -> Router {
    Router::new()
        .route("/", get(overview))
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
        .route("/category/{id}", get(category))
        .route("/requirement/{id}", get(requirement))
        .route("/requirement/{id}/decide", post(decide_requirement))
        .route("/requirement/{id}/criterion", post(decide_criterion))
        .route("/record/{kind}/{id}", get(record))
        .route("/download/{format}", get(download))
        .route("/static/{name}", get(static_file))
        .layer(axum::extract::DefaultBodyLimit::max(256 * 1024))
        .layer(axum::middleware::from_fn(within_time_limit))
        .with_state(workspace)
}

/// Longest a request may take, body included: a slow client holds up only
/// its own connection, and not for long.
const REQUEST_TIME_LIMIT: std::time::Duration = std::time::Duration::from_secs(60);

async fn within_time_limit(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    match tokio::time::timeout(REQUEST_TIME_LIMIT, next.run(request)).await {
        Ok(response) => response,
        Err(_) => (StatusCode::REQUEST_TIMEOUT, "the request took too long\n").into_response(),
    }
}

/// An HTML page with the headers every page carries: no caching, no
/// framing, scripts and styles from the workspace only.
fn html(status: StatusCode, body: String) -> Response {
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    let set = |headers: &mut HeaderMap, name: header::HeaderName, value: &'static str| {
        headers.insert(name, HeaderValue::from_static(value));
    };
    set(headers, header::CONTENT_TYPE, "text/html; charset=utf-8");
    set(headers, header::CACHE_CONTROL, "no-store");
    set(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(headers, header::REFERRER_POLICY, "no-referrer");
    set(headers, header::X_FRAME_OPTIONS, "DENY");
    set(
        headers,
        header::CONTENT_SECURITY_POLICY,
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    );
    response
}

fn page(
    workspace: &Workspace,
    template: &str,
    status: StatusCode,
    base: serde_json::Map<String, Value>,
    body: Value,
) -> Response {
    let mut context = base;
    if let Value::Object(fields) = body {
        context.extend(fields);
    }
    match templates::render(template, &Value::Object(context)) {
        Ok(text) => html(status, text),
        Err(err) => {
            tracing::error!("rendering {template}: {err:#}");
            message(
                workspace,
                None,
                StatusCode::INTERNAL_SERVER_ERROR,
                "Page error",
                "The page could not be rendered; the server log has the details.",
            )
        }
    }
}

fn message(
    workspace: &Workspace,
    session: Option<&Session>,
    status: StatusCode,
    title: &str,
    text: &str,
) -> Response {
    let mut context = pages::common(workspace, None, session, None, title);
    context.insert("message".into(), json!(text));
    match templates::render("message.html", &Value::Object(context)) {
        Ok(body) => html(status, body),
        Err(_) => (status, text.to_string()).into_response(),
    }
}

fn session_of(workspace: &Workspace, headers: &HeaderMap) -> Option<(String, Session)> {
    let header = headers.get(header::COOKIE)?.to_str().ok()?;
    let token = cookie(header, SESSION_COOKIE)?;
    workspace
        .sessions
        .get(token)
        .map(|s| (token.to_string(), s))
}

/// The signed-in session, or the response that sends the browser to sign in.
#[allow(clippy::result_large_err)]
fn signed_in(workspace: &Workspace, headers: &HeaderMap) -> Result<Session, Response> {
    session_of(workspace, headers)
        .map(|(_, s)| s)
        .ok_or_else(|| Redirect::to("/login").into_response())
}

/// The session allowed to change the assessment with this form's CSRF token.
#[allow(clippy::result_large_err)]
fn may_change(workspace: &Workspace, headers: &HeaderMap, csrf: &str) -> Result<Session, Response> {
    let Some((_, session)) = session_of(workspace, headers) else {
        return Err(message(
            workspace,
            None,
            StatusCode::FORBIDDEN,
            "Not signed in",
            "Sign in as an assessor to change the assessment.",
        ));
    };
    if !constant_time_eq(session.csrf.as_bytes(), csrf.as_bytes()) {
        return Err(message(
            workspace,
            Some(&session),
            StatusCode::FORBIDDEN,
            "Refused",
            "The form's security token is missing or stale: reload the page and try again.",
        ));
    }
    if session.role != Role::Assessor {
        return Err(message(
            workspace,
            Some(&session),
            StatusCode::FORBIDDEN,
            "Read-only account",
            "Viewers read the workspace; only assessors record decisions.",
        ));
    }
    Ok(session)
}

#[allow(clippy::result_large_err)]
fn current(workspace: &Workspace) -> Result<(pkimm_scoring::Assessment, Option<String>), Response> {
    workspace.file.current().map_err(|err| {
        message(
            workspace,
            None,
            StatusCode::INTERNAL_SERVER_ERROR,
            "The assessment cannot be read",
            &err.to_string(),
        )
    })
}

async fn overview(State(ws): State<Shared>, headers: HeaderMap) -> Response {
    let session = match signed_in(&ws, &headers) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let (assessment, outside) = match current(&ws) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let base = pages::common(
        &ws,
        Some(&assessment),
        Some(&session),
        outside.as_deref(),
        "Overview",
    );
    let body = pages::overview(&ws, &assessment);
    page(&ws, "overview.html", StatusCode::OK, base, body)
}

async fn category(
    State(ws): State<Shared>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let session = match signed_in(&ws, &headers) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let (assessment, outside) = match current(&ws) {
        Ok(a) => a,
        Err(r) => return r,
    };
    match pages::category(&ws, &assessment, &id) {
        Some(body) => {
            let title = body["category"]["name"]
                .as_str()
                .unwrap_or("Category")
                .to_string();
            let base = pages::common(
                &ws,
                Some(&assessment),
                Some(&session),
                outside.as_deref(),
                &title,
            );
            page(&ws, "category.html", StatusCode::OK, base, body)
        }
        None => message(
            &ws,
            Some(&session),
            StatusCode::NOT_FOUND,
            "No such category",
            &format!("PKIMM {} has no category {id:?}.", ws.file.model().version),
        ),
    }
}

#[derive(Debug, Deserialize)]
struct SavedQuery {
    saved: Option<String>,
}

async fn requirement(
    State(ws): State<Shared>,
    Path(id): Path<String>,
    query: axum::extract::Query<SavedQuery>,
    headers: HeaderMap,
) -> Response {
    let session = match signed_in(&ws, &headers) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let notes = PageNotes {
        saved: query.0.saved.map(|s| s.chars().take(200).collect()),
        ..PageNotes::default()
    };
    requirement_page(&ws, &session, &id, StatusCode::OK, &notes)
}

fn requirement_page(
    ws: &Workspace,
    session: &Session,
    id: &str,
    status: StatusCode,
    notes: &PageNotes,
) -> Response {
    let (assessment, outside) = match current(ws) {
        Ok(a) => a,
        Err(r) => return r,
    };
    match pages::requirement(ws, &assessment, id, notes) {
        Some(mut body) => {
            body["can_decide"] = json!(session.role == Role::Assessor);
            let title = body["r"]["name"]
                .as_str()
                .unwrap_or("Requirement")
                .to_string();
            let base = pages::common(
                ws,
                Some(&assessment),
                Some(session),
                outside.as_deref(),
                &title,
            );
            page(ws, "requirement.html", status, base, body)
        }
        None => no_such_requirement(ws, session, id),
    }
}

/// The assessor allowed to decide with this form, and the canonical id of
/// the requirement `id` names; or the refusal.
#[allow(clippy::result_large_err)]
fn deciding(
    ws: &Workspace,
    headers: &HeaderMap,
    csrf: &str,
    id: &str,
) -> Result<(Session, String), Response> {
    let session = may_change(ws, headers, csrf)?;
    match ws.file.model().resolve_requirement(id) {
        Ok((requirement, _)) => Ok((session, requirement.id.clone())),
        Err(_) => Err(no_such_requirement(ws, &session, id)),
    }
}

fn no_such_requirement(ws: &Workspace, session: &Session, id: &str) -> Response {
    message(
        ws,
        Some(session),
        StatusCode::NOT_FOUND,
        "No such requirement",
        &format!(
            "PKIMM {} has no requirement {id:?}.",
            ws.file.model().version
        ),
    )
}

/// A decision by the signed-in assessor, now, through the workspace.
fn decision_by(session: &Session, choice: Choice, justification: Option<String>) -> Decision {
    Decision {
        choice,
        justification,
        assessor: Some(session.user.clone()),
        at: UtcTime::now().to_string(),
        via: "pkimm serve".to_string(),
    }
}

fn text_field(value: Option<&String>, what: &str) -> Result<Option<String>, String> {
    let value = value.map(|v| v.trim()).filter(|v| !v.is_empty());
    match value {
        Some(v) if v.chars().count() > MAX_TEXT_CHARS => Err(format!(
            "the {what} is longer than {MAX_TEXT_CHARS} characters"
        )),
        other => Ok(other.map(str::to_string)),
    }
}

/// The choice a decision form makes, or why it cannot be applied.
fn choice_of(form: &DecisionForm) -> Result<(Choice, Option<String>, String), String> {
    let justification = text_field(form.justification.as_ref(), "justification")?;
    let level = |text: Option<&String>| {
        text.and_then(|t| t.parse::<u8>().ok())
            .and_then(Level::from_number)
            .ok_or_else(|| "choose a level from 1 to 5".to_string())
    };
    match form.action.as_str() {
        "accept" => {
            let level = level(form.suggested.as_ref())?;
            let justification = justification
                .or_else(|| Some("accepted the level pkimm suggested from evidence".to_string()));
            Ok((
                Choice::Level(level),
                justification,
                format!("confirm the suggested level {}", level.number()),
            ))
        }
        "level" => {
            let level = level(form.level.as_ref())?;
            if justification.is_none() {
                return Err(format!("setting level {} yourself needs a justification: say what evidence or documents support it", level.number()));
            }
            Ok((
                Choice::Level(level),
                justification,
                format!("level {}", level.number()),
            ))
        }
        "not_applicable" => match text_field(form.reason.as_ref(), "reason")? {
            Some(reason) => Ok((
                Choice::NotApplicable {
                    reason: reason.clone(),
                },
                Some(reason),
                "not applicable".to_string(),
            )),
            None => Err("not applicable needs a reason".to_string()),
        },
        "pending" => Ok((Choice::Pending, None, "back to pending".to_string())),
        _ => Err("choose what to record: confirm, a level, not applicable or pending".to_string()),
    }
}

async fn decide_requirement(
    State(ws): State<Shared>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Form(form): Form<DecisionForm>,
) -> Response {
    let (session, requirement_id) = match deciding(&ws, &headers, &form.csrf, &id) {
        Ok(found) => found,
        Err(response) => return response,
    };
    let refused = |status: StatusCode, notes: PageNotes| {
        requirement_page(&ws, &session, &requirement_id, status, &notes)
    };
    let (choice, justification, described) = match choice_of(&form) {
        Ok(c) => c,
        Err(error) => {
            return refused(
                StatusCode::UNPROCESSABLE_ENTITY,
                PageNotes {
                    error: Some(error),
                    form: Some(form),
                    ..PageNotes::default()
                },
            )
        }
    };
    let decision = decision_by(&session, choice, justification.clone());
    let target = requirement_id.clone();
    let result = save(
        &ws,
        &requirement_id,
        &form.version,
        move |assessment, model| decide(assessment, model, &target, &decision).map(|_| ()),
    )
    .await;
    after_save(
        &ws,
        &session,
        &requirement_id,
        result,
        described,
        justification,
        form,
    )
}

#[derive(Debug, Deserialize)]
struct CriterionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    criterion: String,
    #[serde(default)]
    met: String,
    #[serde(default)]
    justification: Option<String>,
}

async fn decide_criterion(
    State(ws): State<Shared>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Form(form): Form<CriterionForm>,
) -> Response {
    let (session, requirement_id) = match deciding(&ws, &headers, &form.csrf, &id) {
        Ok(found) => found,
        Err(response) => return response,
    };
    let met = match form.met.as_str() {
        "met" => true,
        "not_met" => false,
        _ => {
            return requirement_page(
                &ws,
                &session,
                &requirement_id,
                StatusCode::UNPROCESSABLE_ENTITY,
                &PageNotes {
                    error: Some("say whether the criterion is met".into()),
                    ..PageNotes::default()
                },
            )
        }
    };
    let justification = match text_field(form.justification.as_ref(), "justification") {
        Ok(j) => j,
        Err(error) => {
            return requirement_page(
                &ws,
                &session,
                &requirement_id,
                StatusCode::UNPROCESSABLE_ENTITY,
                &PageNotes {
                    error: Some(error),
                    ..PageNotes::default()
                },
            )
        }
    };
    let criterion = form
        .criterion
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>();
    let described = format!("{criterion} {}", if met { "met" } else { "not met" });
    let decision = decision_by(&session, Choice::Pending, justification.clone());
    let target = format!("{requirement_id}#{criterion}");
    let result = save(
        &ws,
        &requirement_id,
        &form.version,
        move |assessment, model| {
            decide_criteria(
                assessment,
                model,
                Catalog::builtin(),
                &target,
                met,
                &decision,
            )
            .map(|_| ())
        },
    )
    .await;
    after_save(
        &ws,
        &session,
        &requirement_id,
        result,
        described,
        justification,
        DecisionForm::default(),
    )
}

/// Applies `change` to the file under its lock, if the requirement's
/// decision still has `version`.
async fn save(
    ws: &Shared,
    requirement_id: &str,
    version: &str,
    change: impl FnOnce(
            &mut pkimm_scoring::Assessment,
            &pkimm_model::Model,
        ) -> Result<(), pkimm_scoring::decision::DecisionError>
        + Send
        + 'static,
) -> Result<(), WorkspaceError> {
    let ws = ws.clone();
    let id = requirement_id.to_string();
    let version = version.to_string();
    tokio::task::spawn_blocking(move || {
        ws.file.update(|assessment| {
            let entry = assessment.requirements.get(&id);
            if entry_version(entry) != version {
                return Err(WorkspaceError::Conflict(Box::new(
                    entry.cloned().unwrap_or_default(),
                )));
            }
            change(assessment, ws.file.model())?;
            Ok(())
        })
    })
    .await
    .map_err(|e| WorkspaceError::Invalid(format!("the save did not finish: {e}")))?
}

fn after_save(
    ws: &Workspace,
    session: &Session,
    id: &str,
    result: Result<(), WorkspaceError>,
    described: String,
    justification: Option<String>,
    form: DecisionForm,
) -> Response {
    match result {
        Ok(()) => {
            tracing::info!(user = %session.user, requirement = %id, "decision saved: {described}");
            Redirect::to(&format!(
                "/requirement/{id}?saved={}",
                pages::urlencode(&described)
            ))
            .into_response()
        }
        Err(WorkspaceError::Conflict(theirs)) => requirement_page(
            ws,
            session,
            id,
            StatusCode::CONFLICT,
            &PageNotes {
                conflict: Some((*theirs, described, justification)),
                form: Some(form),
                ..PageNotes::default()
            },
        ),
        Err(WorkspaceError::Decision(err)) => requirement_page(
            ws,
            session,
            id,
            StatusCode::UNPROCESSABLE_ENTITY,
            &PageNotes {
                error: Some(
                    err.to_string()
                        .replace("--justification", "a justification")
                        .replace("--reason", "a reason"),
                ),
                form: Some(form),
                ..PageNotes::default()
            },
        ),
        Err(err) => message(
            ws,
            Some(session),
            StatusCode::INTERNAL_SERVER_ERROR,
            "Not saved",
            &err.to_string(),
        ),
    }
}

async fn record(
    State(ws): State<Shared>,
    Path((kind, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let session = match signed_in(&ws, &headers) {
        Ok(s) => s,
        Err(r) => return r,
    };
    match pages::record(&ws, &kind, &id) {
        Some(body) => {
            let base = pages::common(&ws, None, Some(&session), None, &format!("{kind} {id}"));
            page(&ws, "record.html", StatusCode::OK, base, body)
        }
        None => message(
            &ws,
            Some(&session),
            StatusCode::NOT_FOUND,
            "No such record",
            &format!("The evidence has no {kind} {id:?}."),
        ),
    }
}

async fn download(
    State(ws): State<Shared>,
    Path(format): Path<String>,
    headers: HeaderMap,
) -> Response {
    let session = match signed_in(&ws, &headers) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let (assessment, _) = match current(&ws) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let document = pages::document(&ws, &assessment);
    let bundle = ws.evidence.as_ref().map(|e| &e.bundle);
    use pkimm_report::Format;
    let (rendered, name, content_type) = match format.as_str() {
        "html" => (pkimm_report::render(Format::Html, &document), "report.html", "text/html; charset=utf-8"),
        "markdown" => (pkimm_report::render(Format::Markdown, &document), "report.md", "text/markdown; charset=utf-8"),
        "json" => (pkimm_report::render(Format::Json, &document), "report.json", "application/json"),
        "csv" => (pkimm_report::render(Format::Csv, &document), "requirements.csv", "text/csv; charset=utf-8"),
        "prometheus" => (pkimm_report::render(Format::Prometheus, &document), "pkimm.prom", "text/plain; charset=utf-8"),
        "credential" => (pkimm_report::render(Format::Credential, &document), "pkimm-assessment-credential.json", "application/json"),
        "manifest" => (pkimm_report::render(Format::Manifest, &document), "pkimm-evidence-manifest.json", "application/json"),
        "oscal" => (
            pkimm_report::oscal::render(&document, bundle).map_err(pkimm_report::RenderError::from),
            "oscal.json",
            "application/json",
        ),
        "cbom" => match bundle {
            Some(b) => (
                pkimm_report::cbom::render_bundle(b).map_err(pkimm_report::RenderError::from),
                "cbom.json",
                "application/json",
            ),
            None => return message(&ws, Some(&session), StatusCode::NOT_FOUND, "No evidence", "The CBOM describes the evidence, and this workspace has none (pkimm serve --evidence BUNDLE)."),
        },
        "assessment" => match std::fs::read(ws.file.path()) {
            Ok(bytes) => {
                let name = ws.file.path().file_name().map_or("assessment".into(), |n| n.to_string_lossy().into_owned());
                return attachment(bytes, &name, "application/octet-stream");
            }
            Err(err) => return message(&ws, Some(&session), StatusCode::INTERNAL_SERVER_ERROR, "Cannot read the file", &err.to_string()),
        },
        _ => return message(&ws, Some(&session), StatusCode::NOT_FOUND, "No such format", &format!("{format:?} is not a download this workspace offers.")),
    };
    match rendered {
        Ok(text) => attachment(text.into_bytes(), name, content_type),
        Err(err) => message(
            &ws,
            Some(&session),
            StatusCode::INTERNAL_SERVER_ERROR,
            "Cannot render",
            &err.to_string(),
        ),
    }
}

fn attachment(bytes: Vec<u8>, name: &str, content_type: &'static str) -> Response {
    let disposition = format!(
        "attachment; filename=\"{}\"",
        name.replace(['"', '\\', '\r', '\n'], "_")
    );
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

async fn static_file(Path(name): Path<String>) -> Response {
    match templates::STATIC_FILES.iter().find(|(n, _, _)| *n == name) {
        Some((_, content_type, body)) => {
            let mut response = (*body).into_response();
            response
                .headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
            response.headers_mut().insert(
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            );
            response
        }
        None => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}

async fn login_page(State(ws): State<Shared>) -> Response {
    login_form(&ws, StatusCode::OK, None, None)
}

fn login_form(
    ws: &Workspace,
    status: StatusCode,
    error: Option<&str>,
    name: Option<&str>,
) -> Response {
    let Ok(nonce) = random_token() else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "no randomness").into_response();
    };
    let mut context = pages::common(ws, None, None, None, "Sign in");
    context.insert("login_csrf".into(), json!(nonce));
    context.insert("error".into(), json!(error));
    context.insert("name".into(), json!(name));
    let mut response = match templates::render("login.html", &Value::Object(context)) {
        Ok(body) => html(status, body),
        Err(err) => return (StatusCode::INTERNAL_SERVER_ERROR, err.to_string()).into_response(),
    };
    if let Ok(value) =
        HeaderValue::from_str(&set_cookie(LOGIN_COOKIE, &nonce, ws.secure, Some(600)))
    {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    user: String,
    #[serde(default)]
    password: String,
}

async fn login(
    State(ws): State<Shared>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let nonce = headers
        .get(header::COOKIE)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| cookie(h, LOGIN_COOKIE))
        .unwrap_or("");
    if nonce.is_empty() || !constant_time_eq(nonce.as_bytes(), form.csrf.as_bytes()) {
        return login_form(
            &ws,
            StatusCode::FORBIDDEN,
            Some("the sign-in form expired; try again"),
            None,
        );
    }
    let name = form.user.trim().chars().take(64).collect::<String>();
    if let Some(wait) = ws.throttle.locked(&name) {
        tracing::warn!(user = %name, "sign-in refused: too many failures");
        let text = format!(
            "too many failed attempts for this name; try again in {} s",
            wait.as_secs() + 1
        );
        return login_form(&ws, StatusCode::TOO_MANY_REQUESTS, Some(&text), Some(&name));
    }
    let checked = {
        let ws = ws.clone();
        let name = name.clone();
        tokio::task::spawn_blocking(move || ws.users.verify(&name, &form.password).map(|u| u.role))
            .await
    };
    let Ok(Some(role)) = checked else {
        tracing::warn!(user = %name, "failed sign-in");
        ws.throttle.failed(&name);
        return login_form(
            &ws,
            StatusCode::UNAUTHORIZED,
            Some("wrong user name or password"),
            Some(&name),
        );
    };
    ws.throttle.succeeded(&name);
    let Ok(token) = ws.sessions.start(&name, role) else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "no randomness").into_response();
    };
    tracing::info!(user = %name, role = role.name(), "signed in");
    let mut response = Redirect::to("/").into_response();
    for cookie_text in [
        set_cookie(SESSION_COOKIE, &token, ws.secure, None),
        set_cookie(LOGIN_COOKIE, "", ws.secure, Some(0)),
    ] {
        if let Ok(value) = HeaderValue::from_str(&cookie_text) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}

#[derive(Deserialize)]
struct LogoutForm {
    #[serde(default)]
    csrf: String,
}

async fn logout(
    State(ws): State<Shared>,
    headers: HeaderMap,
    Form(form): Form<LogoutForm>,
) -> Response {
    if let Some((token, session)) = session_of(&ws, &headers) {
        if constant_time_eq(session.csrf.as_bytes(), form.csrf.as_bytes()) {
            ws.sessions.end(&token);
        }
    }
    let mut response = Redirect::to("/login").into_response();
    if let Ok(value) = HeaderValue::from_str(&set_cookie(SESSION_COOKIE, "", ws.secure, Some(0))) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}
