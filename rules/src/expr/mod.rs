//! The only module that names `cel`: compiling and evaluating rule expressions.
//!
//! CEL is the expression language of Kubernetes admission policies and Envoy.
//! The `cel` crate's API changed in 0.13 and again in 0.15, so it is pinned to
//! 0.15.x and wrapped here (with [`record`], which adapts lazily computed
//! records to it): the rest of the engine sees [`Expr`], [`Scope`], [`Record`]
//! and [`Value`] builders only.

mod budget;
mod native;
mod record;

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

pub use budget::{
    set_allocation_probe, AllocationProbe, MAX_ALLOCATED_BYTES, MAX_DURATION, MAX_STEPS,
};
use native::{Native, Subject};
use record::RecordVal;
pub use record::{to_value, Field, Record};

/// A value visible to expressions.
pub type Value = cel::Value;

/// The CEL environment: the standard library plus the strings (`join`,
/// `lowerAscii`, `split`, …), lists and math extensions, as cel-go offers them.
fn env() -> Arc<cel::Env> {
    static ENV: OnceLock<Arc<cel::Env>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = cel::Env::stdlib();
        for extension in [
            cel::extensions::strings as fn(&mut cel::Env) -> Result<(), cel::DeclarationError>,
            cel::extensions::lists,
            cel::extensions::math,
        ] {
            // The extensions declare distinct names; a clash is a build defect.
            extension(&mut env).unwrap_or_else(|err| panic!("CEL extension failed to load: {err}"));
        }
        env.add_overload(
            budget::STEP_FUNCTION,
            "pkimm_step",
            Vec::new(),
            budget::step,
        )
        .unwrap_or_else(|err| panic!("the budget step function failed to load: {err}"));
        Arc::new(env)
    })
    .clone()
}

/// The namespaces of the extensions' functions (`lists.range`, `math.abs`,
/// `strings.quote`), which read like variables to the parser.
const FUNCTION_NAMESPACES: [&str; 3] = ["lists", "math", "strings"];

/// A compile error with its position inside the expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompileError {
    /// What is wrong.
    pub message: String,
    /// One-based line inside the expression.
    pub line: usize,
    /// One-based column inside the expression.
    pub column: usize,
}

/// A compiled expression.
pub struct Expr {
    source: String,
    program: cel::Program,
    /// The program with every comprehension charging the evaluation budget.
    budgeted: cel::IdedExpr,
    /// The same program for direct evaluation, when it is in the shapes
    /// [`native`] knows.
    native: Option<Native>,
}

impl std::fmt::Debug for Expr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Expr").field(&self.source).finish()
    }
}

/// The longest expression accepted, in bytes.
pub const MAX_EXPRESSION_BYTES: usize = 4096;
/// The deepest nesting of parentheses, brackets and braces.
pub const MAX_EXPRESSION_NESTING: usize = 32;
/// The most operators in one expression.
pub const MAX_EXPRESSION_OPERATORS: usize = 128;
/// The most member accesses and index operations (`a.b`, `a[0]`).
pub const MAX_EXPRESSION_ACCESSES: usize = 256;
/// The deepest nesting of comprehensions (`all`, `exists`, `exists_one`,
/// `map`, `filter`): each level multiplies the work by a list's length.
pub const MAX_COMPREHENSION_NESTING: usize = 2;

/// Refuses expressions whose parsing or evaluation could exhaust the stack,
/// memory or time: too long, too deeply nested, too many operators, or
/// comprehensions nested too deep. Positions are one-based.
fn check_bounds(source: &str) -> Result<(), CompileError> {
    let error = |message: String, offset: usize| {
        let (line, column) = pkimm_model::diag::line_and_column(source, offset);
        CompileError {
            message,
            line,
            column,
        }
    };
    if source.len() > MAX_EXPRESSION_BYTES {
        return Err(error(
            format!(
                "the expression is {} bytes; at most {MAX_EXPRESSION_BYTES} are accepted",
                source.len()
            ),
            MAX_EXPRESSION_BYTES,
        ));
    }
    let bytes = source.as_bytes();
    // For each open bracket, whether it opened a comprehension.
    let mut open: Vec<bool> = Vec::new();
    let mut operators = 0usize;
    let mut accesses = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        match c {
            b'"' | b'\'' => {
                // Skip a string literal (triple quotes and raw strings are
                // skipped the same way: only the closing quote matters here).
                i += 1;
                while i < bytes.len() && bytes[i] != c {
                    if bytes[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            b'.' | b'['
                if {
                    accesses += 1;
                    accesses > MAX_EXPRESSION_ACCESSES
                } =>
            {
                return Err(error(
                    format!(
                        "more than {MAX_EXPRESSION_ACCESSES} member accesses and index operations"
                    ),
                    i,
                ));
            }
            b'.' => {}
            b'(' | b'[' | b'{' => {
                let comprehension = c == b'('
                    && ["all", "exists", "exists_one", "map", "filter"]
                        .iter()
                        .any(|m| source[..i].ends_with(&format!(".{m}")));
                open.push(comprehension);
                if open.len() > MAX_EXPRESSION_NESTING {
                    return Err(error(
                        format!("nested more than {MAX_EXPRESSION_NESTING} levels deep"),
                        i,
                    ));
                }
                if open.iter().filter(|c| **c).count() > MAX_COMPREHENSION_NESTING {
                    return Err(error(
                        format!(
                            "comprehensions nested more than {MAX_COMPREHENSION_NESTING} deep; each level multiplies the work by a list's length"
                        ),
                        i,
                    ));
                }
            }
            b')' | b']' | b'}' => {
                open.pop();
            }
            b'+' | b'-' | b'*' | b'/' | b'%' | b'<' | b'>' | b'?' | b'!' | b'=' | b'&' | b'|' => {
                // Two-character operators count once.
                if i + 1 < bytes.len() && matches!(bytes[i + 1], b'=' | b'&' | b'|') {
                    i += 1;
                }
                operators += 1;
                if operators > MAX_EXPRESSION_OPERATORS {
                    return Err(error(
                        format!("more than {MAX_EXPRESSION_OPERATORS} operators in one expression"),
                        i,
                    ));
                }
            }
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

impl Expr {
    /// Compiles `source`, within the bounds above.
    pub fn compile(source: &str) -> Result<Self, CompileError> {
        check_bounds(source)?;
        let program = env().compile(source).map_err(|errors| {
            let first = errors.errors.first();
            let (line, column) = first.map_or((1, 1), |e| {
                (
                    usize::try_from(e.pos.0).unwrap_or(0).max(1),
                    usize::try_from(e.pos.1).unwrap_or(0) + 1,
                )
            });
            CompileError {
                message: first.map_or_else(|| errors.to_string(), |e| e.msg.clone()),
                line,
                column,
            }
        })?;
        let budgeted = budget::instrument(program.expression());
        let native = Native::compile(program.expression());
        Ok(Self {
            source: source.to_string(),
            program,
            budgeted,
            native,
        })
    }

    /// Whether the direct evaluator knows every construct in it.
    pub fn is_native(&self) -> bool {
        self.native.is_some()
    }

    /// The expression text.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The free variables the expression refers to (comprehension variables
    /// such as `x` in `list.all(x, x > 0)` are bound, not free).
    pub fn variables(&self) -> Vec<String> {
        let bound = comprehension_variables(&self.source);
        self.program
            .references()
            .variables()
            .into_iter()
            .filter(|v| !bound.iter().any(|b| b == v))
            // `lists.range(..)`, `math.greatest(..)`: function namespaces.
            .filter(|v| !FUNCTION_NAMESPACES.contains(v))
            .map(str::to_string)
            .collect()
    }
}

/// Names bound by the comprehension macros (`all`, `exists`, `exists_one`,
/// `map`, `filter`): the identifier right after the opening parenthesis.
fn comprehension_variables(source: &str) -> Vec<String> {
    let mut names = Vec::new();
    for macro_name in ["all(", "exists(", "exists_one(", "map(", "filter("] {
        let pattern = format!(".{macro_name}");
        let mut rest = source;
        while let Some(position) = rest.find(&pattern) {
            rest = &rest[position + pattern.len()..];
            let name: String = rest
                .trim_start()
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty()
                && rest.trim_start()[name.len()..]
                    .trim_start()
                    .starts_with(',')
            {
                names.push(name);
            }
        }
    }
    names
}

/// Why an expression could not be evaluated to a boolean.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EvalError {
    /// A field that does not exist was read.
    NoSuchField(String),
    /// The expression did not produce a boolean.
    NotBoolean(String),
    /// The evaluation took too many steps, too long or too much memory.
    Budget(String),
    /// Any other runtime error.
    Other(String),
}

impl std::fmt::Display for EvalError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NoSuchField(field) => write!(f, "no such field: {field}"),
            Self::NotBoolean(got) => write!(f, "expression gave {got}, not a boolean"),
            Self::Budget(message) => f.write_str(message),
            Self::Other(message) => f.write_str(message),
        }
    }
}

/// Variables shared by every evaluation of a run: `policy` and `now`. `'r` is
/// how long the evidence of records bound with [`Scope::bind_record`] lives.
pub struct Scope<'r> {
    context: cel::Context<'r, 'r>,
    policy: Value,
    now: i64,
}

impl<'r> Scope<'r> {
    /// A scope with `policy` and `now` (Unix seconds).
    pub fn new(policy: &Value, now: i64) -> Self {
        let mut context = cel::Context::with_env(env());
        context.add_variable_from_value("policy", policy.clone());
        context.add_variable_from_value("now", now);
        Self {
            context,
            policy: policy.clone(),
            now,
        }
    }

    /// Binds the record variable `name` to `value`. Binding converts the value
    /// into the interpreter's representation, so bind each record once and run
    /// every rule against the result.
    pub fn bind<'s>(&'s self, name: &'s str, value: &Value) -> Bound<'s, 'r> {
        let mut context = self.context.new_inner_scope();
        context.add_variable_from_value(name, value.clone());
        Bound {
            context,
            scope: self,
            name,
            subject: Subject::Value(value.clone()),
        }
    }

    /// Binds the record variable `name` to a [`Record`] whose fields are
    /// computed as expressions read them: nothing is converted up front.
    pub fn bind_record<'s>(
        &'s self,
        name: &'s str,
        record: Arc<dyn Record<'r> + 'r>,
    ) -> Bound<'s, 'r> {
        let mut context = self.context.new_inner_scope();
        context.add_variable_as_val(name, Box::new(RecordVal(Arc::clone(&record))));
        Bound {
            context,
            scope: self,
            name,
            subject: Subject::Record(record),
        }
    }

    /// Evaluates `expr` with `name` bound to `value` (binds for one use).
    pub fn eval_bool(&self, expr: &Expr, name: &str, value: &Value) -> Result<bool, EvalError> {
        self.bind(name, value).eval_bool(expr)
    }
}

/// A scope with one record bound; `'r` is how long the record's borrowed
/// evidence lives.
pub struct Bound<'s, 'r> {
    context: cel::Context<'s, 'r>,
    scope: &'s Scope<'r>,
    name: &'s str,
    subject: Subject<'r>,
}

impl<'r> Bound<'_, 'r> {
    /// Runs `expr` within the evaluation budget.
    fn execute(&self, expr: &Expr) -> Result<Value, EvalError> {
        budget::within(|| cel::Value::resolve(&expr.budgeted, &self.context)).map_err(|err| match (
            budget::exhausted(&err),
            err,
        ) {
            (Some(message), _) => EvalError::Budget(message),
            (None, cel::ExecutionError::NoSuchKey(key)) => EvalError::NoSuchField(key.to_string()),
            (None, err) => EvalError::Other(err.to_string()),
        })
    }

    /// What the direct evaluator sees of this binding.
    fn native_env(&self) -> native::Env<'_, 'r> {
        native::Env {
            name: self.name,
            subject: &self.subject,
            policy: &self.scope.policy,
            now: self.scope.now,
        }
    }

    /// Evaluates `expr` to a boolean: directly when [`native`] can decide
    /// it, by the interpreter otherwise.
    pub fn eval_bool(&self, expr: &Expr) -> Result<bool, EvalError> {
        if let Some(native) = &expr.native {
            if let Some(b) = native.eval_bool(&self.native_env()) {
                return Ok(b);
            }
        }
        self.interpret_bool(expr)
    }

    /// Evaluates `expr` to a boolean with the interpreter alone.
    pub(crate) fn interpret_bool(&self, expr: &Expr) -> Result<bool, EvalError> {
        match self.execute(expr)? {
            cel::Value::Bool(b) => Ok(b),
            other => Err(EvalError::NotBoolean(format!("{other:?}"))),
        }
    }

    /// Evaluates `expr` to text (for finding messages).
    pub fn eval_text(&self, expr: &Expr) -> Result<String, EvalError> {
        if let Some(native) = &expr.native {
            if let Some(text) = native.eval_text(&self.native_env()) {
                return Ok(text);
            }
        }
        self.interpret_text(expr)
    }

    /// Evaluates `expr` to text with the interpreter alone.
    pub(crate) fn interpret_text(&self, expr: &Expr) -> Result<String, EvalError> {
        match self.execute(expr) {
            Ok(value) => Ok(display(&value)),
            Err(EvalError::NoSuchField(field)) => {
                Err(EvalError::Other(format!("No such key: {field}")))
            }
            Err(err) => Err(err),
        }
    }
}

/// Renders a value for messages: strings bare, everything else as CEL-ish text.
pub fn display(value: &Value) -> String {
    match value {
        cel::Value::String(s) => s.to_string(),
        cel::Value::Int(i) => i.to_string(),
        cel::Value::UInt(u) => u.to_string(),
        cel::Value::Float(f) => {
            if f.fract() == 0.0 && f.abs() < 1e15 {
                format!("{f:.0}")
            } else {
                format!("{f:.2}")
            }
        }
        cel::Value::Bool(b) => b.to_string(),
        cel::Value::Null => "null".to_string(),
        cel::Value::List(items) => {
            let parts: Vec<String> = items.iter().map(display).collect();
            format!("[{}]", parts.join(", "))
        }
        other => format!("{other:?}"),
    }
}

/// A value that has no CEL form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot be a CEL value: {0}")]
pub struct ConversionError(String);

/// Converts any serialisable value (a policy, a test record) into a [`Value`].
/// Unsigned integers become signed ones, as in the evidence views, so that
/// arithmetic between them type-checks.
pub fn from_serde<T: serde::Serialize>(value: &T) -> Result<Value, ConversionError> {
    cel::to_value(value)
        .map(signed_ints)
        .map_err(|e| ConversionError(e.to_string()))
}

fn signed_ints(value: Value) -> Value {
    match value {
        cel::Value::UInt(u) => i64::try_from(u).map_or(cel::Value::UInt(u), cel::Value::Int),
        cel::Value::List(items) => list(items.iter().cloned().map(signed_ints).collect()),
        cel::Value::Map(m) => {
            let map: HashMap<cel::objects::Key, Value> = m
                .map
                .iter()
                .map(|(k, v)| (k.clone(), signed_ints(v.clone())))
                .collect();
            Value::Map(cel::objects::Map { map: Arc::new(map) })
        }
        other => other,
    }
}

/// Builds a map value from field names and values.
pub fn map(fields: Vec<(&'static str, Value)>) -> Value {
    let map: HashMap<&'static str, Value> = fields.into_iter().collect();
    Value::from(map)
}

/// A string value.
pub fn string(text: &str) -> Value {
    Value::String(Arc::new(text.to_string()))
}

/// A list of strings.
pub fn strings<S: AsRef<str>>(items: &[S]) -> Value {
    Value::List(Arc::new(items.iter().map(|s| string(s.as_ref())).collect()))
}

/// A list of values.
pub fn list(items: Vec<Value>) -> Value {
    Value::List(Arc::new(items))
}

/// An optional string (null when absent).
pub fn opt_string(text: Option<&str>) -> Value {
    text.map_or(Value::Null, string)
}

/// Whether a value is a map that has `field`, used to tell field typos from
/// real runtime errors.
pub fn is_map(value: &Value) -> bool {
    matches!(value, cel::Value::Map(_))
}

/// The entries of a map value with their keys as text, sorted by key;
/// `None` when the value is not a map.
pub fn entries(value: &Value) -> Option<Vec<(String, Value)>> {
    let cel::Value::Map(m) = value else {
        return None;
    };
    let mut out: Vec<(String, Value)> = m
        .map
        .iter()
        .map(|(k, v)| {
            let key = match k {
                cel::objects::Key::String(s) => s.to_string(),
                cel::objects::Key::Int(i) => i.to_string(),
                cel::objects::Key::Uint(u) => u.to_string(),
                cel::objects::Key::Bool(b) => b.to_string(),
            };
            (key, v.clone())
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Some(out)
}

/// Merges `overrides` (a map) over `base` (a map), recursively, for test
/// records that give only the fields a rule reads.
pub fn merge(base: &Value, overrides: &Value) -> Value {
    match (base, overrides) {
        (cel::Value::Map(b), cel::Value::Map(o)) => {
            let mut out: HashMap<cel::objects::Key, Value> =
                b.map.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
            for (key, value) in o.map.iter() {
                let merged = match out.get(key) {
                    Some(existing) => merge(existing, value),
                    None => value.clone(),
                };
                out.insert(key.clone(), merged);
            }
            Value::Map(cel::objects::Map { map: Arc::new(out) })
        }
        (_, other) => other.clone(),
    }
}

#[cfg(test)]
mod bounds_tests {
    use super::*;

    #[test]
    fn an_overlong_expression_cut_inside_a_character_is_located() {
        let source = format!("'{}'", "é".repeat(3000));
        let err = Expr::compile(&source).unwrap_err();
        assert!(err.message.contains("at most 4096"), "{}", err.message);
        assert_eq!(err.line, 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The instrumented programs give what the plain ones give, for every
    /// comprehension shape, and a runaway one stops with a budget error.
    #[test]
    fn budgeted_comprehensions_keep_their_meaning() {
        let scope = Scope::new(&Value::Null, 0);
        let bound = scope.bind("r", &list((1..=5).map(Value::Int).collect()));
        for (source, expected) in [
            ("r.map(x, x * 2) == [2, 4, 6, 8, 10]", true),
            ("r.filter(x, x % 2 == 1) == [1, 3, 5]", true),
            ("r.map(x, x > 2, x * 10) == [30, 40, 50]", true),
            ("r.all(x, x > 0)", true),
            ("r.all(x, x > 1)", false),
            ("r.exists(x, x == 4)", true),
            ("r.exists_one(x, x > 4)", true),
            ("r.exists_one(x, x > 3)", false),
            ("r.sortBy(x, -x) == [5, 4, 3, 2, 1]", true),
            ("r.all(a, r.exists(b, b == a))", true),
            ("{'a': 1, 'b': 2}.all(k, k.size() == 1)", true),
        ] {
            let expr = Expr::compile(source).unwrap();
            assert_eq!(bound.eval_bool(&expr), Ok(expected), "{source}");
        }
        let runaway =
            Expr::compile("lists.range(100000).all(a, lists.range(100000).all(b, a >= 0))")
                .unwrap();
        match bound.eval_bool(&runaway) {
            Err(EvalError::Budget(message)) => {
                assert!(
                    message.starts_with("evaluation budget exceeded"),
                    "{message}"
                )
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn compile_error_has_a_position() {
        let err = Expr::compile("cert.key.bits >= ").unwrap_err();
        assert!(err.column > 1, "{err:?}");
        assert!(Expr::compile("cert.key.bits >= 2048").is_ok());
    }

    #[test]
    fn evaluates_with_policy_and_now() {
        let policy = from_serde(&serde_json::json!({"min": 2048})).unwrap();
        let scope = Scope::new(&policy, 1000);
        let expr = Expr::compile("cert.bits >= policy.min && now == 1000").unwrap();
        let cert = map(vec![("bits", Value::Int(4096))]);
        assert_eq!(scope.eval_bool(&expr, "cert", &cert), Ok(true));
        let missing = Expr::compile("cert.bitz > 1").unwrap();
        assert_eq!(
            scope.eval_bool(&missing, "cert", &cert),
            Err(EvalError::NoSuchField("bitz".into()))
        );
        assert_eq!(expr.variables().len(), 3, "{:?}", expr.variables());
    }

    #[test]
    fn merge_overrides_nested_fields() {
        let base =
            from_serde(&serde_json::json!({"key": {"bits": 2048, "algorithm": "rsa"}, "x": 1}))
                .unwrap();
        let over = from_serde(&serde_json::json!({"key": {"bits": 1024}})).unwrap();
        let merged = merge(&base, &over);
        let scope = Scope::new(&Value::Null, 0);
        let expr =
            Expr::compile("c.key.bits == 1024 && c.key.algorithm == 'rsa' && c.x == 1").unwrap();
        assert_eq!(scope.eval_bool(&expr, "c", &merged), Ok(true));
    }
}
