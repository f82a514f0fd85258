//! The JavaScript host: one QuickJS runtime per runner thread, each trigger
//! compiled once into a function, each run bounded in time and memory.
//!
//! QuickJS (through `rquickjs`) was chosen over V8 (`deno_core`) because it
//! builds from C here in seconds with no download, has a per-runtime memory
//! limit and an interrupt hook for time budgets, and starts a context in
//! microseconds; trigger scripts are small and short, where QuickJS's
//! interpreter is fast enough (see bench/triggers.sh).

use crate::repair::repair_wrapped_strings;
use rquickjs::context::EvalOptions;
use rquickjs::{CaughtError, Context, Ctx, Function, Object, Persistent, Runtime, Value};
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;
use std::time::{Duration, Instant};
use wirewatch_model::detection::NewDetection;
use wirewatch_model::ods::{Message, TargetKind};

/// Budgets of one engine.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Longest a single run may take before it is stopped.
    pub run_time: Duration,
    /// Memory the whole JavaScript heap may use.
    pub memory: usize,
    /// Detections one run may commit; beyond it `commitDetection` returns
    /// false and the detection is dropped (counted, logged).
    pub detections: usize,
    /// Remote messages one run may send; beyond it a send returns false and
    /// the message is dropped (counted, logged).
    pub messages: usize,
    /// Debug-log lines one run may write; beyond it lines are dropped (counted).
    pub log_lines: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            run_time: Duration::from_millis(100),
            memory: 64 * 1024 * 1024,
            detections: 1_000,
            messages: 10_000,
            log_lines: 1_000,
        }
    }
}

/// What one run produced beyond its caps, dropped.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Dropped {
    pub detections: u64,
    pub messages: u64,
    pub log_lines: u64,
}

impl Dropped {
    pub fn total(&self) -> u64 {
        self.detections + self.messages + self.log_lines
    }
}

/// A script that does not compile, located.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column {column}: {message}")]
pub struct ScriptError {
    pub message: String,
    pub line: u32,
    pub column: u32,
}

/// What a script sent or asked for during one run.
#[derive(Debug, Default)]
pub struct RunOutput {
    /// (target kind, target name, message)
    pub messages: Vec<(TargetKind, String, Message)>,
    /// (level, text): `debug` lines only when the trigger has `debug` on.
    pub log: Vec<(&'static str, String)>,
    pub detections: Vec<NewDetection>,
    /// What the run produced beyond its caps.
    pub dropped: Dropped,
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunEnd {
    Ok,
    /// An exception the script did not catch.
    Exception(String),
    /// Stopped: it ran past its time budget or its memory limit.
    BudgetExceeded(String),
}

/// Why a detection a script raises is refused; the message is thrown into the script.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DetectionRefused {
    #[error("the trigger's owner no longer exists or is disabled")]
    NoOwner,
    /// The owner may not create it (the reason given).
    #[error("{0} (the trigger runs as its owner)")]
    NotAllowed(String),
    /// The detection is not valid (the reason given).
    #[error("{0}")]
    Invalid(String),
}

/// Why the engine could not start.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("{0}")]
    Js(#[from] rquickjs::Error),
    #[error("the trigger prelude: {0}")]
    Prelude(#[source] ScriptError),
}

/// Checks a detection a script raises; the error is thrown into the script.
pub type DetectionCheck = Box<dyn Fn(&NewDetection) -> Result<(), DetectionRefused>>;
/// Whether an ODS target exists (a send to an unknown one returns false).
pub type TargetCheck = Box<dyn Fn(TargetKind, &str) -> bool>;

#[derive(Default)]
struct Shared {
    out: RunOutput,
    debug: bool,
}

struct Compiled {
    source: String,
    func: Persistent<Function<'static>>,
}

/// One JavaScript engine; not `Send` (QuickJS runtimes stay on their thread).
pub struct Engine {
    // Field order is drop order: compiled functions, then the context, then the runtime.
    compiled: HashMap<u64, Compiled>,
    ctx: Context,
    rt: Runtime,
    limits: Limits,
    shared: Rc<RefCell<Shared>>,
    deadline: Rc<Cell<Option<Instant>>>,
}

const PRELUDE: &str = include_str!("prelude.js");
/// Scripts run as the body of a function (so a top-level `return` works, as
/// in ExtraHop triggers); the wrapper adds nothing before line 1's text but this.
const WRAP_HEAD: &str = "(function () {";

fn located(ctx: &Ctx<'_>, err: rquickjs::Error) -> ScriptError {
    match CaughtError::from_error(ctx, err) {
        CaughtError::Exception(e) => {
            let message = e.message().unwrap_or_else(|| "syntax error".into());
            let line = e.get::<_, Option<u32>>("lineNumber").ok().flatten();
            let column = e.get::<_, Option<u32>>("columnNumber").ok().flatten();
            let (line, column) = match (line, column) {
                (Some(l), Some(c)) => (l, c),
                _ => stack_position(e.stack().as_deref().unwrap_or("")),
            };
            // Columns of line 1 include the wrapper's head.
            let column = if line == 1 {
                column.saturating_sub(WRAP_HEAD.len() as u32)
            } else {
                column
            };
            ScriptError {
                message,
                line,
                column,
            }
        }
        other => ScriptError {
            message: other.to_string(),
            line: 0,
            column: 0,
        },
    }
}

/// `at trigger.js:3:14` → (3, 14).
fn stack_position(stack: &str) -> (u32, u32) {
    for part in stack.split("trigger.js:").skip(1) {
        let mut it = part
            .split(|c: char| !c.is_ascii_digit())
            .filter(|s| !s.is_empty());
        if let (Some(l), Some(c)) = (it.next(), it.next()) {
            if let (Ok(l), Ok(c)) = (l.parse(), c.parse()) {
                return (l, c);
            }
        }
    }
    (0, 0)
}

fn compile<'js>(ctx: &Ctx<'js>, script: &str) -> Result<Function<'js>, ScriptError> {
    let src = format!("{WRAP_HEAD}{script}\n}})");
    let mut opts = EvalOptions::default();
    opts.strict = false;
    opts.filename = Some("trigger.js".into());
    ctx.eval_with_options::<Function, _>(src, opts)
        .map_err(|e| located(ctx, e))
}

/// Compile `script` the way a trigger run would, repairing string literals
/// that a PDF or e-mail wrapped across lines. Returns the source that
/// compiles and a warning when a repair was needed.
fn compile_or_repair<'js>(
    ctx: &Ctx<'js>,
    script: &str,
) -> Result<(Function<'js>, Option<String>), ScriptError> {
    match compile(ctx, script) {
        Ok(f) => Ok((f, None)),
        Err(first) => {
            let Some(fixed) = repair_wrapped_strings(script) else {
                return Err(first);
            };
            match compile(ctx, &fixed.source) {
                Ok(f) => Ok((
                    f,
                    Some(format!(
                        "the script has string literals broken across lines (line {}); they were joined with a space ({first})",
                        fixed.lines.iter().map(|l| l.to_string()).collect::<Vec<_>>().join(", ")
                    )),
                )),
                Err(_) => Err(first),
            }
        }
    }
}

impl Engine {
    /// A fresh engine with the trigger API installed.
    pub fn new(
        limits: Limits,
        check_detection: DetectionCheck,
        target_exists: TargetCheck,
    ) -> Result<Engine, EngineError> {
        let rt = Runtime::new()?;
        rt.set_memory_limit(limits.memory);
        rt.set_max_stack_size(1024 * 1024);
        let deadline: Rc<Cell<Option<Instant>>> = Rc::default();
        {
            let deadline = deadline.clone();
            let mut tick = 0u32;
            rt.set_interrupt_handler(Some(Box::new(move || {
                tick = tick.wrapping_add(1);
                // Reading the clock on every callback is cheap enough, but not needed.
                if !tick.is_multiple_of(8) {
                    return false;
                }
                deadline.get().is_some_and(|d| Instant::now() >= d)
            })));
        }
        let ctx = Context::full(&rt)?;
        let shared: Rc<RefCell<Shared>> = Rc::default();
        let check_detection = Rc::new(check_detection);
        let target_exists = Rc::new(target_exists);
        ctx.with(|ctx| -> Result<(), EngineError> {
            let g = ctx.globals();
            let s = shared.clone();
            let exists = target_exists.clone();
            let send = Function::new(
                ctx.clone(),
                move |ctx: Ctx<'_>, kind: String, name: String, json: String| -> rquickjs::Result<bool> {
                    let Some(kind) = TargetKind::parse(&kind) else {
                        return Err(rquickjs::Exception::throw_type(&ctx, "unknown target kind"));
                    };
                    let msg: Message = serde_json::from_str(&json).map_err(|e| {
                        rquickjs::Exception::throw_type(&ctx, &format!("Remote.{kind}: {e}"))
                    })?;
                    if s.borrow().out.messages.len() >= limits.messages {
                        s.borrow_mut().out.dropped.messages += 1;
                        return Ok(false);
                    }
                    let known = exists(kind, &name);
                    if !known {
                        s.borrow_mut().out.log.push((
                            "warning",
                            format!(
                                "ODS {kind} target {name:?} does not exist: the message is kept as a dead letter (create the target, then replay it)"
                            ),
                        ));
                    }
                    s.borrow_mut().out.messages.push((kind, name, msg));
                    Ok(known)
                },
            )
            ?;
            g.set("__ww_send", send)?;
            let s = shared.clone();
            let note = Function::new(ctx.clone(), move |level: String, text: String| {
                let mut sh = s.borrow_mut();
                if sh.out.log.len() >= limits.log_lines {
                    sh.out.dropped.log_lines += 1;
                    return;
                }
                match level.as_str() {
                    "debug" if sh.debug => sh.out.log.push(("debug", text)),
                    "debug" => {}
                    _ => sh.out.log.push(("log", text)),
                }
            })
            ?;
            g.set("__ww_log", note)?;
            let s = shared.clone();
            let check = check_detection.clone();
            let commit = Function::new(
                ctx.clone(),
                move |ctx: Ctx<'_>, json: String| -> rquickjs::Result<bool> {
                    let new: NewDetection = serde_json::from_str(&json).map_err(|e| {
                        rquickjs::Exception::throw_type(&ctx, &format!("commitDetection: {e}"))
                    })?;
                    if s.borrow().out.detections.len() >= limits.detections {
                        s.borrow_mut().out.dropped.detections += 1;
                        return Ok(false);
                    }
                    check(&new).map_err(|e| {
                        rquickjs::Exception::throw_type(&ctx, &format!("commitDetection: {e}"))
                    })?;
                    s.borrow_mut().out.detections.push(new);
                    Ok(true)
                },
            )
            ?;
            g.set("__ww_commit", commit)?;
            ctx.eval::<(), _>(PRELUDE)
                .map_err(|e| EngineError::Prelude(located(&ctx, e)))?;
            Ok(())
        })?;
        Ok(Engine {
            rt,
            ctx,
            limits,
            shared,
            deadline,
            compiled: HashMap::new(),
        })
    }

    /// Compile (or reuse) trigger `id`'s script; a warning when it needed repair.
    pub fn prepare(&mut self, id: u64, script: &str) -> Result<Option<String>, ScriptError> {
        if self.compiled.get(&id).is_some_and(|c| c.source == script) {
            return Ok(None);
        }
        self.deadline
            .set(Some(Instant::now() + self.limits.run_time));
        let out = self.ctx.with(|ctx| {
            compile_or_repair(&ctx, script).map(|(f, warn)| (Persistent::save(&ctx, f), warn))
        });
        self.deadline.set(None);
        let (func, warning) = out?;
        self.compiled.insert(
            id,
            Compiled {
                source: script.to_string(),
                func,
            },
        );
        Ok(warning)
    }

    /// Forget triggers not in `keep`.
    pub fn retain(&mut self, keep: &[u64]) {
        self.compiled.retain(|id, _| keep.contains(id));
    }

    /// Run trigger `id` (already prepared) with `globals` (name → JSON text)
    /// set for the run; `debug` enables `debug()` output.
    pub fn run(&mut self, id: u64, globals: &[(&str, &str)], debug: bool) -> (RunEnd, RunOutput) {
        let Some(c) = self.compiled.get(&id) else {
            return (
                RunEnd::Exception("trigger not compiled".into()),
                RunOutput::default(),
            );
        };
        let func = c.func.clone();
        {
            let mut sh = self.shared.borrow_mut();
            sh.out = RunOutput::default();
            sh.debug = debug;
        }
        self.deadline
            .set(Some(Instant::now() + self.limits.run_time));
        let limits = self.limits;
        let end = self.ctx.with(|ctx| {
            let g: Object = ctx.globals();
            for (name, json) in globals {
                let v: Value = match ctx.json_parse(*json) {
                    Ok(v) => v,
                    Err(e) => return RunEnd::Exception(format!("{name}: {e}")),
                };
                if let Err(e) = g.set(*name, v) {
                    return RunEnd::Exception(e.to_string());
                }
            }
            let f = match func.restore(&ctx) {
                Ok(f) => f,
                Err(e) => return RunEnd::Exception(e.to_string()),
            };
            let r = f.call::<_, ()>(());
            for (name, _) in globals {
                let _ = g.remove(*name);
            }
            match r {
                Ok(()) => RunEnd::Ok,
                Err(e) => {
                    let caught = CaughtError::from_error(&ctx, e);
                    let text = match &caught {
                        CaughtError::Exception(ex) => {
                            let msg = ex.message().unwrap_or_default();
                            let stack = ex.stack().unwrap_or_default();
                            format!("{msg}\n{stack}").trim_end().to_string()
                        }
                        other => other.to_string(),
                    };
                    let lower = text.to_ascii_lowercase();
                    if lower.contains("interrupted") {
                        RunEnd::BudgetExceeded(format!(
                            "stopped after {} ms (the run-time budget): {text}",
                            limits.run_time.as_millis()
                        ))
                    } else if lower.contains("out of memory") {
                        RunEnd::BudgetExceeded(format!(
                            "stopped: out of memory (the limit is {} MiB)",
                            limits.memory / (1024 * 1024)
                        ))
                    } else {
                        RunEnd::Exception(text)
                    }
                }
            }
        });
        self.deadline.set(None);
        if matches!(end, RunEnd::BudgetExceeded(_)) {
            self.rt.run_gc();
        }
        let out = std::mem::take(&mut self.shared.borrow_mut().out);
        (end, out)
    }
}

/// Check that `script` compiles; `Ok(Some(warning))` when it needed the
/// wrapped-string repair.
pub fn check_script(script: &str) -> Result<Option<String>, ScriptError> {
    let rt = Runtime::new().map_err(|e| ScriptError {
        message: e.to_string(),
        line: 0,
        column: 0,
    })?;
    rt.set_memory_limit(64 * 1024 * 1024);
    let ctx = Context::full(&rt).map_err(|e| ScriptError {
        message: e.to_string(),
        line: 0,
        column: 0,
    })?;
    ctx.with(|ctx| compile_or_repair(&ctx, script).map(|(_, w)| w))
}
