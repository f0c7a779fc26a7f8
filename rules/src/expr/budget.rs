//! The evaluation budget: every comprehension step (`all`, `exists`,
//! `exists_one`, `map`, `filter`, `sortBy`) is counted, and an evaluation that
//! takes too many steps, too long, or allocates too much stops with an error
//! instead of running away with the process.
//!
//! The `cel` interpreter has no interruption hook, so compiled expressions are
//! instrumented: each comprehension's loop calls `@pkimm_step()`, a function
//! no rule can name (`@` is not an identifier character), which charges the
//! thread's running budget and fails once it is spent. Load-time bounds
//! ([`super::check_bounds`]) keep the work between two steps small; the
//! budget bounds how many steps there are.
//!
//! Memory is charged through an allocation probe ([`set_allocation_probe`]):
//! the `pkimm` binary counts allocations and every step compares the
//! bytes the process holds with what it held when the evaluation began. The
//! figure is process-wide, so a runaway evaluation on one thread can also stop
//! one running beside it; ordinary rules allocate kilobytes. Without a probe
//! (library unit tests) only steps and time count.

use std::cell::Cell;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use cel::common::ast::{operators, CallExpr, ComprehensionExpr, Expr, IdedExpr};
use cel::common::types::CelBool;
use cel::common::value::CowVal;
use cel::ExecutionError;

/// The most comprehension steps one evaluation of one expression may take.
pub const MAX_STEPS: u64 = 1_000_000;
/// The longest one evaluation may run.
pub const MAX_DURATION: Duration = Duration::from_secs(2);
/// The most the process's allocated memory may grow during one evaluation.
pub const MAX_ALLOCATED_BYTES: u64 = 256 * 1024 * 1024;

/// The name of the step function; `@` keeps it out of reach of rule text.
pub(super) const STEP_FUNCTION: &str = "@pkimm_step";
/// How the budget error is recognised when it comes back from the interpreter.
const EXHAUSTED: &str = "evaluation budget exceeded";

/// The running budget of the evaluation on this thread.
///
/// The clock and the allocation probe are read from the first comprehension
/// step on, not when the evaluation starts: an expression without
/// comprehensions is bounded by its size alone, and most rules have none, so
/// they pay for neither (a clock read and a probe per rule and record cost
/// about a tenth of the pack's time).
#[derive(Clone, Copy)]
struct Running {
    steps_left: u64,
    /// The deadline and the allocation baseline, set on the first step.
    started: Option<(Instant, u64)>,
}

thread_local! {
    static RUNNING: Cell<Option<Running>> = const { Cell::new(None) };
}

/// Reports the bytes the process has allocated and not yet freed.
pub type AllocationProbe = fn() -> usize;

static PROBE: OnceLock<AllocationProbe> = OnceLock::new();

/// Lets the budget include memory: `probe` tells how many bytes the process
/// holds (the `pkimm` binary passes its counting allocator's figure). Without
/// a probe only steps and time are charged. Set once; later calls are ignored.
pub fn set_allocation_probe(probe: AllocationProbe) {
    let _ = PROBE.set(probe);
}

fn allocated() -> u64 {
    PROBE.get().map_or(0, |probe| probe() as u64)
}

/// Runs `evaluate` under a fresh budget on this thread. Nested runs (a
/// message rendered while a check runs) share the outer budget.
pub(super) fn within<T>(evaluate: impl FnOnce() -> T) -> T {
    let outer = RUNNING.with(Cell::get);
    if outer.is_some() {
        return evaluate();
    }
    RUNNING.with(|r| {
        r.set(Some(Running {
            steps_left: MAX_STEPS,
            started: None,
        }))
    });
    struct Reset;
    impl Drop for Reset {
        fn drop(&mut self) {
            RUNNING.with(|r| r.set(None));
        }
    }
    let _reset = Reset;
    evaluate()
}

/// Whether an interpreter error is the budget running out, and if so the
/// message to report.
pub(super) fn exhausted(error: &ExecutionError) -> Option<String> {
    match error {
        ExecutionError::FunctionError { function, message } if function == STEP_FUNCTION => {
            Some(message.clone())
        }
        _ => None,
    }
}

/// The step function: charges one step and checks time and memory.
pub(super) fn step<'b, 'v>(_args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let Some(mut running) = RUNNING.with(Cell::get) else {
        return Ok(CowVal::Borrowed(&CelBool::TRUE));
    };
    let fail = |what: String| Err(ExecutionError::function_error(STEP_FUNCTION, what));
    if running.steps_left == 0 {
        return fail(format!(
            "{EXHAUSTED}: more than {MAX_STEPS} comprehension steps"
        ));
    }
    running.steps_left -= 1;
    let (deadline, allocated_at_start) = *running
        .started
        .get_or_insert_with(|| (Instant::now() + MAX_DURATION, allocated()));
    RUNNING.with(|r| r.set(Some(running)));
    if Instant::now() > deadline {
        return fail(format!(
            "{EXHAUSTED}: ran longer than {} s",
            MAX_DURATION.as_secs()
        ));
    }
    if allocated().saturating_sub(allocated_at_start) > MAX_ALLOCATED_BYTES {
        return fail(format!(
            "{EXHAUSTED}: the process grew by more than {} MiB",
            MAX_ALLOCATED_BYTES / (1024 * 1024)
        ));
    }
    Ok(CowVal::Borrowed(&CelBool::TRUE))
}

/// A copy of `expr` whose every comprehension charges the budget once per
/// element. The shapes the interpreter optimises are kept: `all`/`exists`
/// loops keep their `&&`/`||` step, and `map`/`filter` keep a literal loop
/// condition with the step guarded, so the in-place append still applies.
pub(super) fn instrument(expr: &IdedExpr) -> IdedExpr {
    let mut copy = expr.clone();
    let mut next_id = max_id(&copy) + 1;
    rewrite(&mut copy, &mut next_id);
    copy
}

fn max_id(expr: &IdedExpr) -> u64 {
    let mut max = expr.id;
    visit_children(expr, &mut |child| max = max.max(max_id(child)));
    max
}

fn visit_children(expr: &IdedExpr, visit: &mut impl FnMut(&IdedExpr)) {
    match &expr.expr {
        Expr::Call(call) => {
            if let Some(target) = &call.target {
                visit(target);
            }
            call.args.iter().for_each(visit);
        }
        Expr::Comprehension(c) => {
            for e in [
                &c.iter_range,
                &c.accu_init,
                &c.loop_cond,
                &c.loop_step,
                &c.result,
            ] {
                visit(e);
            }
        }
        Expr::List(list) => list.elements.iter().for_each(visit),
        Expr::Map(map) => {
            for entry in &map.entries {
                if let cel::common::ast::EntryExpr::MapEntry(e) = &entry.expr {
                    visit(&e.key);
                    visit(&e.value);
                }
            }
        }
        Expr::Struct(s) => {
            for entry in &s.entries {
                if let cel::common::ast::EntryExpr::StructField(f) = &entry.expr {
                    visit(&f.value);
                }
            }
        }
        Expr::Select(select) => visit(&select.operand),
        Expr::Ident(_) | Expr::Literal(_) | Expr::Unspecified => {}
    }
}

fn rewrite(expr: &mut IdedExpr, next_id: &mut u64) {
    match &mut expr.expr {
        Expr::Call(call) => {
            if let Some(target) = &mut call.target {
                rewrite(target, next_id);
            }
            for arg in &mut call.args {
                rewrite(arg, next_id);
            }
        }
        Expr::Comprehension(c) => {
            for e in [
                &mut c.iter_range,
                &mut c.accu_init,
                &mut c.loop_cond,
                &mut c.loop_step,
                &mut c.result,
            ] {
                rewrite(e, next_id);
            }
            charge_each_step(c, next_id);
        }
        Expr::List(list) => {
            for e in &mut list.elements {
                rewrite(e, next_id);
            }
        }
        Expr::Map(map) => {
            for entry in &mut map.entries {
                if let cel::common::ast::EntryExpr::MapEntry(e) = &mut entry.expr {
                    rewrite(&mut e.key, next_id);
                    rewrite(&mut e.value, next_id);
                }
            }
        }
        Expr::Struct(s) => {
            for entry in &mut s.entries {
                if let cel::common::ast::EntryExpr::StructField(f) = &mut entry.expr {
                    rewrite(&mut f.value, next_id);
                }
            }
        }
        Expr::Select(select) => rewrite(&mut select.operand, next_id),
        Expr::Ident(_) | Expr::Literal(_) | Expr::Unspecified => {}
    }
}

fn node(expr: Expr, next_id: &mut u64) -> IdedExpr {
    *next_id += 1;
    IdedExpr { id: *next_id, expr }
}

fn call(name: &str, args: Vec<IdedExpr>, next_id: &mut u64) -> IdedExpr {
    node(
        Expr::Call(CallExpr {
            func_name: name.to_string(),
            target: None,
            args,
        }),
        next_id,
    )
}

fn is_accumulator(expr: &IdedExpr, c: &ComprehensionExpr) -> bool {
    matches!(&expr.expr, Expr::Ident(name) if *name == c.accu_var)
}

/// Whether `step` is `@result + [..]`, the append of `map` and `filter`.
fn is_append(step: &IdedExpr, c: &ComprehensionExpr) -> bool {
    matches!(&step.expr, Expr::Call(call)
        if call.func_name == operators::ADD
            && call.target.is_none()
            && matches!(call.args.as_slice(), [lhs, rhs]
                if is_accumulator(lhs, c) && matches!(rhs.expr, Expr::List(_))))
}

fn charge_each_step(c: &mut ComprehensionExpr, next_id: &mut u64) {
    let step = call(STEP_FUNCTION, Vec::new(), next_id);
    let literal_condition = matches!(c.loop_cond.expr, Expr::Literal(_));
    if literal_condition && is_accumulator(&c.result, c) {
        // `map`: `@result + [f]` becomes `step() ? @result + [f] : @result`;
        // `filter` and `map(x, p, f)`: `p ? … : @result` becomes
        // `step() && p ? … : @result`.
        if is_append(&c.loop_step, c) {
            let append = std::mem::take(&mut c.loop_step);
            let accumulator = node(Expr::Ident(c.accu_var.clone()), next_id);
            c.loop_step = call(
                operators::CONDITIONAL,
                vec![step, append, accumulator],
                next_id,
            );
            return;
        }
        if let Expr::Call(conditional) = &mut c.loop_step.expr {
            if conditional.func_name == operators::CONDITIONAL && conditional.args.len() == 3 {
                let guard = std::mem::take(&mut conditional.args[0]);
                conditional.args[0] = call(operators::LOGICAL_AND, vec![step, guard], next_id);
                return;
            }
        }
    }
    // Every other loop: the condition becomes `condition && step()`, so the
    // step is charged only while the loop goes on.
    let condition = std::mem::take(&mut c.loop_cond);
    c.loop_cond = call(operators::LOGICAL_AND, vec![condition, step], next_id);
}
