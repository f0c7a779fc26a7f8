//! Login sessions: a random token in an HttpOnly, SameSite=Strict cookie,
//! and a per-session CSRF token every form must carry back.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::users::Role;
use crate::WorkspaceError;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "pkimm_session";
/// The cookie that carries the login form's CSRF token before a session exists.
pub const LOGIN_COOKIE: &str = "pkimm_login";

/// A session idle this long is ended.
const IDLE_LIMIT: Duration = Duration::from_secs(8 * 3600);
/// Sessions kept at most; the oldest go first.
const MAX_SESSIONS: usize = 10_000;

/// One logged-in user.
#[derive(Debug, Clone)]
pub struct Session {
    /// The user name.
    pub user: String,
    /// What the user may do.
    pub role: Role,
    /// The token every form of this session carries.
    pub csrf: String,
    last_seen: Instant,
}

/// Every live session, by token.
#[derive(Debug, Default)]
pub struct Sessions {
    live: Mutex<HashMap<String, Session>>,
}

impl Sessions {
    /// Starts a session for `user`; returns its token.
    pub fn start(&self, user: &str, role: Role) -> Result<String, WorkspaceError> {
        let token = random_token()?;
        let session = Session {
            user: user.to_string(),
            role,
            csrf: random_token()?,
            last_seen: Instant::now(),
        };
        let mut live = self.lock();
        live.retain(|_, s| s.last_seen.elapsed() < IDLE_LIMIT);
        if live.len() >= MAX_SESSIONS {
            if let Some(oldest) = live
                .iter()
                .min_by_key(|(_, s)| s.last_seen)
                .map(|(t, _)| t.clone())
            {
                live.remove(&oldest);
            }
        }
        live.insert(token.clone(), session);
        Ok(token)
    }

    /// The session of `token`, if it is live; marks it used.
    pub fn get(&self, token: &str) -> Option<Session> {
        let mut live = self.lock();
        let session = live.get_mut(token)?;
        if session.last_seen.elapsed() >= IDLE_LIMIT {
            live.remove(token);
            return None;
        }
        session.last_seen = Instant::now();
        Some(session.clone())
    }

    /// Ends the session of `token`.
    pub fn end(&self, token: &str) {
        self.lock().remove(token);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Session>> {
        self.live.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Failed sign-ins allowed per user name before it is locked for a while.
const FAILURES_BEFORE_LOCK: u32 = 5;
/// How long a name stays locked after too many failures.
const LOCK_TIME: Duration = Duration::from_secs(60);
/// Names whose failures are remembered at most.
const MAX_THROTTLED: usize = 10_000;

/// Failed sign-ins by user name: after five in a row the name is refused
/// for a minute, so passwords cannot be guessed at the speed of hashing.
#[derive(Debug, Default)]
pub struct Throttle {
    failures: Mutex<HashMap<String, (u32, Instant)>>,
}

impl Throttle {
    /// How long `name` is still locked, if it is.
    pub fn locked(&self, name: &str) -> Option<Duration> {
        let failures = self.lock();
        let (count, last) = failures.get(name)?;
        let elapsed = last.elapsed();
        (*count >= FAILURES_BEFORE_LOCK && elapsed < LOCK_TIME).then(|| LOCK_TIME - elapsed)
    }

    /// Counts a failed sign-in of `name`.
    pub fn failed(&self, name: &str) {
        let mut failures = self.lock();
        if failures.len() >= MAX_THROTTLED {
            failures.retain(|_, (_, last)| last.elapsed() < LOCK_TIME);
        }
        let entry = failures
            .entry(name.to_string())
            .or_insert((0, Instant::now()));
        if entry.1.elapsed() >= LOCK_TIME {
            entry.0 = 0;
        }
        entry.0 += 1;
        entry.1 = Instant::now();
    }

    /// Forgets the failures of `name` after it signed in.
    pub fn succeeded(&self, name: &str) {
        self.lock().remove(name);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (u32, Instant)>> {
        self.failures.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// 32 random bytes from the operating system, as hex.
pub fn random_token() -> Result<String, WorkspaceError> {
    let mut bytes = [0u8; 32];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut bytes)
        .map_err(|_| WorkspaceError::Random)?;
    Ok(hex::encode(bytes))
}

/// The value of cookie `name` in a `Cookie` header.
pub fn cookie<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header.split(';').find_map(|pair| {
        let (key, value) = pair.trim().split_once('=')?;
        (key == name).then_some(value)
    })
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Strict, path `/`, Secure under
/// TLS; `max_age` 0 removes the cookie.
pub fn set_cookie(name: &str, value: &str, secure: bool, max_age: Option<u64>) -> String {
    let mut text = format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict");
    if secure {
        text.push_str("; Secure");
    }
    if let Some(age) = max_age {
        text.push_str(&format!("; Max-Age={age}"));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_start_and_end() {
        let sessions = Sessions::default();
        let token = sessions.start("ada", Role::Assessor).unwrap();
        let session = sessions.get(&token).unwrap();
        assert_eq!(session.user, "ada");
        assert_eq!(session.csrf.len(), 64);
        assert_ne!(session.csrf, token);
        sessions.end(&token);
        assert!(sessions.get(&token).is_none());
    }

    #[test]
    fn cookies_are_read_and_written() {
        let header = "a=1; pkimm_session=abc; b=2";
        assert_eq!(cookie(header, SESSION_COOKIE), Some("abc"));
        assert_eq!(cookie(header, "c"), None);
        let set = set_cookie(SESSION_COOKIE, "abc", true, None);
        assert!(
            set.contains("HttpOnly") && set.contains("SameSite=Strict") && set.contains("Secure")
        );
        assert!(!set_cookie(SESSION_COOKIE, "abc", false, None).contains("Secure"));
    }

    #[test]
    fn repeated_failures_lock_a_name() {
        let throttle = Throttle::default();
        for _ in 0..FAILURES_BEFORE_LOCK - 1 {
            throttle.failed("ada");
        }
        assert!(throttle.locked("ada").is_none());
        throttle.failed("ada");
        assert!(throttle.locked("ada").is_some());
        assert!(throttle.locked("ben").is_none());
        throttle.succeeded("ada");
        assert!(throttle.locked("ada").is_none());
    }
}
