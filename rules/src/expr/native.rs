//! A direct evaluator for the expression shapes most rules are written in.
//!
//! Almost every built-in rule is a few field reads joined by `!`, `&&`, `||`,
//! comparisons, `in`, `size` and the occasional `exists` or `all`. The
//! interpreter boxes every intermediate value and looks every name up in its
//! scope, which costs more than the field reads themselves; [`Native`]
//! evaluates those shapes over the record's [`Field`]s directly.
//!
//! It never decides what CEL would decide differently: wherever the
//! interpreter could give an error, or the two could differ (a field that does
//! not exist, mixed-type comparisons, integer overflow, an exhausted step
//! budget, a construct it does not know), it gives up and the interpreter
//! evaluates the whole expression. A test runs every built-in rule both ways
//! over the test cases and the fixture estate and requires the same outcome.

use std::sync::Arc;

use cel::common::ast::{operators, CallExpr, ComprehensionExpr, Expr, IdedExpr, LiteralValue};
use cel::objects::KeyRef;

use super::budget::MAX_STEPS;
use super::record::{Field, Record};
use super::Value;
use pkimm_model::evidence::CompactString;

/// An expression compiled for direct evaluation.
#[derive(Debug)]
pub(crate) struct Native(Node);

/// What an evaluation sees: the bound record, `policy` and `now`.
pub(crate) struct Env<'b, 'r> {
    /// The record variable's name (`cert`, `crl`, …).
    pub name: &'b str,
    /// The record.
    pub subject: &'b Subject<'r>,
    /// The policy.
    pub policy: &'b Value,
    /// Evaluation time, Unix seconds.
    pub now: i64,
}

/// A bound record: computed on access, or a complete value.
#[derive(Clone)]
pub(crate) enum Subject<'r> {
    /// A record whose fields are computed as they are read.
    Record(Arc<dyn Record<'r> + 'r>),
    /// A complete value.
    Value(Value),
}

#[derive(Debug, Clone, Copy)]
enum Compare {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone, Copy)]
enum Arithmetic {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
}

#[derive(Debug, Clone, Copy)]
enum StringTest {
    StartsWith,
    EndsWith,
    Contains,
}

#[derive(Debug)]
enum Node {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    List(Vec<Self>),
    /// A free variable: the record, `policy` or `now`.
    Variable(Global),
    /// A comprehension variable, by nesting depth (0 = outermost).
    Local(usize),
    Select(Box<Self>, String),
    Not(Box<Self>),
    Negate(Box<Self>),
    And(Box<Self>, Box<Self>),
    Or(Box<Self>, Box<Self>),
    Conditional(Box<Self>, Box<Self>, Box<Self>),
    Compare(Compare, Box<Self>, Box<Self>),
    Arithmetic(Arithmetic, Box<Self>, Box<Self>),
    In(Box<Self>, Box<Self>),
    Size(Box<Self>),
    StringTest(StringTest, Box<Self>, Box<Self>),
    Double(Box<Self>),
    /// `list.join()` or `list.join(separator)` of a list of strings.
    Join(Box<Self>, Option<Box<Self>>),
    /// `string(x)` of a string, an integer or a boolean.
    ToText(Box<Self>),
    /// `int(x)` of an integer or a double (truncated, in range).
    ToInt(Box<Self>),
    /// `range.exists(x, body)` (`all == false`) or `range.all(x, body)`.
    Quantifier {
        all: bool,
        range: Box<Self>,
        body: Box<Self>,
    },
}

impl Native {
    /// Compiles `expr` when every construct in it is one this module
    /// evaluates; `None` leaves the expression to the interpreter.
    pub(crate) fn compile(expr: &IdedExpr) -> Option<Self> {
        compile(&expr.expr, &mut Vec::new()).map(Self)
    }

    /// Evaluates to message text, rendered as [`super::display`] renders
    /// scalars; `None` when the interpreter must decide (lists, records).
    pub(crate) fn eval_text(&self, env: &Env<'_, '_>) -> Option<String> {
        let mut run = Run {
            env,
            locals: Vec::new(),
            steps: 0,
        };
        let value = run.eval(&self.0)?;
        Some(match value.scalar()? {
            Scalar::Null => "null".to_string(),
            Scalar::Bool(b) => b.to_string(),
            Scalar::Int(i) => i.to_string(),
            Scalar::Float(f) => super::display(&Value::Float(f)),
            Scalar::Str(s) => s.to_string(),
        })
    }

    /// Evaluates to a boolean; `None` when the interpreter must decide.
    pub(crate) fn eval_bool(&self, env: &Env<'_, '_>) -> Option<bool> {
        let mut run = Run {
            env,
            locals: Vec::new(),
            steps: 0,
        };
        match run.eval(&self.0)? {
            V::Bool(b) => Some(b),
            _ => None,
        }
    }
}

fn boxed(expr: &IdedExpr, locals: &mut Vec<String>) -> Option<Box<Node>> {
    compile(&expr.expr, locals).map(Box::new)
}

fn compile(expr: &Expr, locals: &mut Vec<String>) -> Option<Node> {
    Some(match expr {
        Expr::Literal(literal) => match literal {
            LiteralValue::Boolean(b) => Node::Bool(*b.inner()),
            LiteralValue::Int(i) => Node::Int(*i.inner()),
            LiteralValue::Double(f) => Node::Float(*f.inner()),
            LiteralValue::String(s) => Node::Str(s.inner().to_string()),
            LiteralValue::Null => Node::Null,
            LiteralValue::UInt(_) | LiteralValue::Bytes(_) => return None,
        },
        Expr::Ident(name) => match locals.iter().rposition(|l| l == name) {
            Some(depth) => Node::Local(depth),
            None => Node::Variable(match name.as_str() {
                "policy" => Global::Policy,
                "now" => Global::Now,
                _ => Global::Named(name.clone()),
            }),
        },
        Expr::Select(select) if !select.test => {
            Node::Select(boxed(&select.operand, locals)?, select.field.clone())
        }
        Expr::List(list) if list.optional_indices.is_empty() => Node::List(
            list.elements
                .iter()
                .map(|e| compile(&e.expr, locals))
                .collect::<Option<_>>()?,
        ),
        Expr::Call(call) => compile_call(call, locals)?,
        Expr::Comprehension(comprehension) => compile_quantifier(comprehension, locals)?,
        _ => return None,
    })
}

fn compile_call(call: &CallExpr, locals: &mut Vec<String>) -> Option<Node> {
    let args = &call.args;
    let unary = |locals: &mut Vec<String>| match args.as_slice() {
        [a] => boxed(a, locals),
        _ => None,
    };
    if let Some(target) = &call.target {
        let [argument] = args.as_slice() else {
            return match (call.func_name.as_str(), args.len()) {
                ("size", 0) => Some(Node::Size(boxed(target, locals)?)),
                ("join", 0) => Some(Node::Join(boxed(target, locals)?, None)),
                _ => None,
            };
        };
        if call.func_name == "join" {
            return Some(Node::Join(
                boxed(target, locals)?,
                Some(boxed(argument, locals)?),
            ));
        }
        let test = match call.func_name.as_str() {
            "startsWith" => StringTest::StartsWith,
            "endsWith" => StringTest::EndsWith,
            "contains" => StringTest::Contains,
            _ => return None,
        };
        return Some(Node::StringTest(
            test,
            boxed(target, locals)?,
            boxed(argument, locals)?,
        ));
    }
    let binary = |locals: &mut Vec<String>| match args.as_slice() {
        [a, b] => Some((boxed(a, locals)?, boxed(b, locals)?)),
        _ => None,
    };
    let compare =
        |op, locals: &mut Vec<String>| binary(locals).map(|(a, b)| Node::Compare(op, a, b));
    let arithmetic =
        |op, locals: &mut Vec<String>| binary(locals).map(|(a, b)| Node::Arithmetic(op, a, b));
    match call.func_name.as_str() {
        operators::LOGICAL_NOT => unary(locals).map(Node::Not),
        operators::NEGATE => unary(locals).map(Node::Negate),
        "size" => unary(locals).map(Node::Size),
        "double" => unary(locals).map(Node::Double),
        "string" => unary(locals).map(Node::ToText),
        "int" => unary(locals).map(Node::ToInt),
        operators::LOGICAL_AND => binary(locals).map(|(a, b)| Node::And(a, b)),
        operators::LOGICAL_OR => binary(locals).map(|(a, b)| Node::Or(a, b)),
        operators::IN => binary(locals).map(|(a, b)| Node::In(a, b)),
        operators::EQUALS => compare(Compare::Eq, locals),
        operators::NOT_EQUALS => compare(Compare::Ne, locals),
        operators::LESS => compare(Compare::Lt, locals),
        operators::LESS_EQUALS => compare(Compare::Le, locals),
        operators::GREATER => compare(Compare::Gt, locals),
        operators::GREATER_EQUALS => compare(Compare::Ge, locals),
        operators::ADD => arithmetic(Arithmetic::Add, locals),
        operators::SUBSTRACT => arithmetic(Arithmetic::Sub, locals),
        operators::MULTIPLY => arithmetic(Arithmetic::Mul, locals),
        operators::DIVIDE => arithmetic(Arithmetic::Div, locals),
        operators::MODULO => arithmetic(Arithmetic::Rem, locals),
        operators::CONDITIONAL => match args.as_slice() {
            [c, a, b] => Some(Node::Conditional(
                boxed(c, locals)?,
                boxed(a, locals)?,
                boxed(b, locals)?,
            )),
            _ => None,
        },
        _ => None,
    }
}

/// `exists` and `all` as the parser expands them: an accumulator starting
/// false (true), stepped with `||` (`&&`) and the body.
fn compile_quantifier(c: &ComprehensionExpr, locals: &mut Vec<String>) -> Option<Node> {
    if c.iter_var2.is_some() || !matches!(&c.result.expr, Expr::Ident(r) if *r == c.accu_var) {
        return None;
    }
    let Expr::Literal(LiteralValue::Boolean(init)) = &c.accu_init.expr else {
        return None;
    };
    let all = *init.inner();
    let Expr::Call(step) = &c.loop_step.expr else {
        return None;
    };
    let expected = if all {
        operators::LOGICAL_AND
    } else {
        operators::LOGICAL_OR
    };
    let [accumulator, body] = step.args.as_slice() else {
        return None;
    };
    if step.func_name != expected
        || step.target.is_some()
        || !matches!(&accumulator.expr, Expr::Ident(a) if *a == c.accu_var)
    {
        return None;
    }
    let range = boxed(&c.iter_range, locals)?;
    locals.push(c.iter_var.clone());
    let body = boxed(body, locals);
    locals.pop();
    Some(Node::Quantifier {
        all,
        range,
        body: body?,
    })
}

/// A value during direct evaluation.
#[derive(Clone)]
enum V<'b, 'r> {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(&'b str),
    String(String),
    Strings(&'b [String]),
    Names(&'b [CompactString]),
    Strs(Vec<&'b str>),
    List(Vec<Self>),
    Record(Arc<dyn Record<'r> + 'r>),
    Cel(&'b Value),
    OwnedCel(Value),
}

/// A free variable, resolved when the expression is compiled: `policy`
/// and `now` by kind, the record by its name (`cert`, `crl`, …), compared
/// with the name the evaluation binds.
#[derive(Debug, Clone)]
enum Global {
    Policy,
    Now,
    Named(String),
}

/// A scalar, for comparisons.
#[derive(Clone, Copy)]
enum Scalar<'a> {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(&'a str),
}

impl<'b, 'r: 'b> V<'b, 'r> {
    fn from_field(field: Field<'r>) -> Self {
        match field {
            Field::Bool(b) => Self::Bool(b),
            Field::Int(i) => Self::Int(i),
            Field::Float(f) => Self::Float(f),
            Field::Str(s) => Self::Str(s),
            Field::String(s) => Self::String(s),
            Field::Strings(s) => Self::Strings(s),
            Field::Names(s) => Self::Names(s),
            Field::Strs(s) => Self::Strs(s),
            Field::Record(r) => Self::Record(r),
            Field::Value(v) => Self::OwnedCel(v),
        }
    }

    fn cel(&self) -> Option<&Value> {
        match self {
            Self::Cel(v) => Some(v),
            Self::OwnedCel(v) => Some(v),
            _ => None,
        }
    }

    fn scalar(&self) -> Option<Scalar<'_>> {
        Some(match self {
            Self::Null => Scalar::Null,
            Self::Bool(b) => Scalar::Bool(*b),
            Self::Int(i) => Scalar::Int(*i),
            Self::Float(f) => Scalar::Float(*f),
            Self::Str(s) => Scalar::Str(s),
            Self::String(s) => Scalar::Str(s),
            _ => cel_scalar(self.cel()?)?,
        })
    }

    /// The items of a list, as scalars; `None` for anything else.
    fn scalar_items(&self) -> Option<Vec<Scalar<'_>>> {
        Some(match self {
            Self::Strings(items) => items.iter().map(|s| Scalar::Str(s)).collect(),
            Self::Names(items) => items.iter().map(|s| Scalar::Str(s)).collect(),
            Self::Strs(items) => items.iter().map(|s| Scalar::Str(s)).collect(),
            Self::List(items) => items.iter().map(V::scalar).collect::<Option<_>>()?,
            _ => match self.cel()? {
                Value::List(items) => items.iter().map(cel_scalar).collect::<Option<_>>()?,
                _ => return None,
            },
        })
    }

    /// The items of a list, for comprehensions.
    fn items(self) -> Option<Vec<Self>> {
        Some(match self {
            Self::Strings(items) => items.iter().map(|s| V::Str(s)).collect(),
            Self::Names(items) => items.iter().map(|s| V::Str(s)).collect(),
            Self::Strs(items) => items.into_iter().map(V::Str).collect(),
            Self::List(items) => items,
            Self::Cel(Value::List(items)) => items.iter().map(V::Cel).collect(),
            Self::OwnedCel(Value::List(items)) => items.iter().cloned().map(V::OwnedCel).collect(),
            _ => return None,
        })
    }

    fn select(self, field: &str) -> Option<Self> {
        match self {
            Self::Record(record) => record.field(field).map(V::from_field),
            Self::Cel(Value::Map(map)) => map.get(&KeyRef::String(field)).map(V::Cel),
            Self::OwnedCel(Value::Map(map)) => {
                map.get(&KeyRef::String(field)).cloned().map(V::OwnedCel)
            }
            _ => None,
        }
    }
}

fn cel_scalar(value: &Value) -> Option<Scalar<'_>> {
    Some(match value {
        Value::Null => Scalar::Null,
        Value::Bool(b) => Scalar::Bool(*b),
        Value::Int(i) => Scalar::Int(*i),
        Value::Float(f) => Scalar::Float(*f),
        Value::String(s) => Scalar::Str(s),
        _ => return None,
    })
}

/// Equality of two scalars of the same type; `None` for mixed types.
fn equal(a: Scalar<'_>, b: Scalar<'_>) -> Option<bool> {
    Some(match (a, b) {
        (Scalar::Null, Scalar::Null) => true,
        (Scalar::Bool(a), Scalar::Bool(b)) => a == b,
        (Scalar::Int(a), Scalar::Int(b)) => a == b,
        (Scalar::Float(a), Scalar::Float(b)) => a == b,
        (Scalar::Str(a), Scalar::Str(b)) => a == b,
        _ => return None,
    })
}

/// Ordering of two scalars of the same ordered type.
fn order(a: Scalar<'_>, b: Scalar<'_>) -> Option<std::cmp::Ordering> {
    match (a, b) {
        (Scalar::Bool(a), Scalar::Bool(b)) => Some(a.cmp(&b)),
        (Scalar::Int(a), Scalar::Int(b)) => Some(a.cmp(&b)),
        (Scalar::Float(a), Scalar::Float(b)) => a.partial_cmp(&b),
        (Scalar::Str(a), Scalar::Str(b)) => Some(a.cmp(b)),
        _ => None,
    }
}

struct Run<'e, 'b, 'r> {
    env: &'e Env<'b, 'r>,
    locals: Vec<V<'b, 'r>>,
    steps: u64,
}

impl<'b, 'r: 'b> Run<'_, 'b, 'r> {
    fn bool(&mut self, node: &'b Node) -> Option<bool> {
        match self.eval(node)? {
            V::Bool(b) => Some(b),
            other => match other.cel()? {
                Value::Bool(b) => Some(*b),
                _ => None,
            },
        }
    }

    fn eval(&mut self, node: &'b Node) -> Option<V<'b, 'r>> {
        Some(match node {
            Node::Null => V::Null,
            Node::Bool(b) => V::Bool(*b),
            Node::Int(i) => V::Int(*i),
            Node::Float(f) => V::Float(*f),
            Node::Str(s) => V::Str(s),
            Node::List(items) => {
                V::List(items.iter().map(|i| self.eval(i)).collect::<Option<_>>()?)
            }
            Node::Variable(global) => self.variable(global)?,
            Node::Local(depth) => self.locals.get(*depth)?.clone(),
            Node::Select(operand, field) => self.eval(operand)?.select(field)?,
            Node::Not(a) => V::Bool(!self.bool(a)?),
            Node::Negate(a) => match self.eval(a)?.scalar()? {
                Scalar::Int(i) => V::Int(i.checked_neg()?),
                Scalar::Float(f) => V::Float(-f),
                _ => return None,
            },
            // Left to right: where the left side decides, CEL gives the same
            // answer whatever the right side is; an error on either side
            // hands the expression to the interpreter.
            Node::And(a, b) => V::Bool(self.bool(a)? && self.bool(b)?),
            Node::Or(a, b) => V::Bool(self.bool(a)? || self.bool(b)?),
            Node::Conditional(c, a, b) => {
                if self.bool(c)? {
                    self.eval(a)?
                } else {
                    self.eval(b)?
                }
            }
            Node::Compare(op, a, b) => {
                let (a, b) = (self.eval(a)?, self.eval(b)?);
                let (a, b) = (a.scalar()?, b.scalar()?);
                V::Bool(match op {
                    Compare::Eq => equal(a, b)?,
                    Compare::Ne => !equal(a, b)?,
                    Compare::Lt => order(a, b)?.is_lt(),
                    Compare::Le => order(a, b)?.is_le(),
                    Compare::Gt => order(a, b)?.is_gt(),
                    Compare::Ge => order(a, b)?.is_ge(),
                })
            }
            Node::Arithmetic(op, a, b) => {
                let (a, b) = (self.eval(a)?, self.eval(b)?);
                match (a.scalar()?, b.scalar()?) {
                    // Division by zero and overflow are CEL errors: the
                    // interpreter reports them.
                    (Scalar::Int(a), Scalar::Int(b)) => V::Int(match op {
                        Arithmetic::Add => a.checked_add(b)?,
                        Arithmetic::Sub => a.checked_sub(b)?,
                        Arithmetic::Mul => a.checked_mul(b)?,
                        Arithmetic::Div => a.checked_div(b)?,
                        Arithmetic::Rem => a.checked_rem(b)?,
                    }),
                    (Scalar::Str(a), Scalar::Str(b)) if matches!(op, Arithmetic::Add) => {
                        V::String([a, b].concat())
                    }
                    (Scalar::Float(a), Scalar::Float(b)) => V::Float(match op {
                        Arithmetic::Add => a + b,
                        Arithmetic::Sub => a - b,
                        Arithmetic::Mul => a * b,
                        // Left to the interpreter (division by zero, `%` on doubles).
                        Arithmetic::Div | Arithmetic::Rem => return None,
                    }),
                    _ => return None,
                }
            }
            Node::In(item, list) => {
                let (item, list) = (self.eval(item)?, self.eval(list)?);
                V::Bool(contains(&item, &list)?)
            }
            Node::Size(a) => V::Int(i64::try_from(size(&self.eval(a)?)?).ok()?),
            Node::StringTest(test, a, b) => {
                let (a, b) = (self.eval(a)?, self.eval(b)?);
                let (Scalar::Str(a), Scalar::Str(b)) = (a.scalar()?, b.scalar()?) else {
                    return None;
                };
                V::Bool(match test {
                    StringTest::StartsWith => a.starts_with(b),
                    StringTest::EndsWith => a.ends_with(b),
                    StringTest::Contains => a.contains(b),
                })
            }
            Node::Double(a) => match self.eval(a)?.scalar()? {
                Scalar::Int(i) => V::Float(i as f64),
                Scalar::Float(f) => V::Float(f),
                _ => return None,
            },
            Node::Join(list, separator) => {
                let separator = match separator {
                    Some(node) => Some(self.eval(node)?),
                    None => None,
                };
                let separator = match separator.as_ref().map(V::scalar) {
                    None => "",
                    Some(Some(Scalar::Str(s))) => s,
                    Some(_) => return None,
                };
                let list = self.eval(list)?;
                let mut parts = Vec::new();
                for item in list.scalar_items()? {
                    let Scalar::Str(item) = item else { return None };
                    parts.push(item);
                }
                V::String(parts.join(separator))
            }
            Node::ToText(a) => match self.eval(a)?.scalar()? {
                Scalar::Str(s) => V::String(s.to_string()),
                Scalar::Int(i) => V::String(i.to_string()),
                Scalar::Bool(b) => V::String(b.to_string()),
                // Doubles print as the interpreter prints them: left to it.
                _ => return None,
            },
            Node::ToInt(a) => match self.eval(a)?.scalar()? {
                Scalar::Int(i) => V::Int(i),
                // Out of range (or NaN) is a CEL error: left to the interpreter.
                Scalar::Float(f) if f.is_finite() && f > -9.2e18 && f < 9.2e18 => {
                    V::Int(f.trunc() as i64)
                }
                _ => return None,
            },
            Node::Quantifier { all, range, body } => {
                let items = self.eval(range)?.items()?;
                let mut result = *all;
                for item in items {
                    self.steps += 1;
                    if self.steps > MAX_STEPS {
                        return None;
                    }
                    self.locals.push(item);
                    let value = self.bool(body);
                    self.locals.pop();
                    if value? != *all {
                        result = !*all;
                        break;
                    }
                }
                V::Bool(result)
            }
        })
    }

    fn variable(&self, global: &Global) -> Option<V<'b, 'r>> {
        let env = self.env;
        Some(match global {
            Global::Policy => V::Cel(env.policy),
            Global::Now => V::Int(env.now),
            Global::Named(name) if *name == env.name => match env.subject {
                Subject::Record(record) => V::Record(Arc::clone(record)),
                Subject::Value(value) => V::Cel(value),
            },
            Global::Named(_) => return None,
        })
    }
}

/// `item in list`, for lists of scalars of the item's type (and field names
/// of a record); `None` when CEL might decide otherwise.
fn contains(item: &V<'_, '_>, list: &V<'_, '_>) -> Option<bool> {
    let item = item.scalar()?;
    if let V::Record(record) = list {
        let Scalar::Str(name) = item else {
            return None;
        };
        return Some(record.names().contains(&name));
    }
    let mut found = false;
    for candidate in list.scalar_items()? {
        // A mixed-type list is left to the interpreter.
        found |= equal(item, candidate)?;
    }
    Some(found)
}

/// CEL's `size`: code points of a string, items of a list, fields of a record.
fn size(value: &V<'_, '_>) -> Option<usize> {
    Some(match value {
        V::Str(s) => s.chars().count(),
        V::String(s) => s.chars().count(),
        V::Strings(items) => items.len(),
        V::Names(items) => items.len(),
        V::Strs(items) => items.len(),
        V::List(items) => items.len(),
        V::Record(record) => record.names().len(),
        _ => match value.cel()? {
            Value::String(s) => s.chars().count(),
            Value::List(items) => items.len(),
            Value::Map(map) => map.map.len(),
            _ => return None,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::{list, Expr, Scope};

    /// Arithmetic and its errors decide as the interpreter does.
    #[test]
    fn arithmetic_agrees_with_the_interpreter() {
        let scope = Scope::new(&Value::Null, 0);
        let bound = scope.bind("r", &list(vec![Value::Int(7), Value::Int(0)]));
        for source in [
            "7 % 2 == 1",
            "7 / 2 == 3",
            "-7 % 2 == -1",
            "-7 / 2 == -3",
            "7 % 0 == 1",
            "7 / 0 == 1",
            "9223372036854775807 + 1 > 0",
            "7.0 / 2.0 == 3.5",
            "size(r) * 3 - 1 == 5",
        ] {
            let expr = Expr::compile(source).unwrap();
            assert!(expr.is_native(), "{source}");
            assert_eq!(
                bound.eval_bool(&expr).ok(),
                bound.interpret_bool(&expr).ok(),
                "{source}"
            );
        }
    }
}
