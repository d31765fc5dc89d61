//! The wasm side of the host loop. An operation started here (`getToken`,
//! `revoke`, a renewal after a rejection …) runs in `pkg/host.js`: the JS
//! host calls [`step`] with the outcome of the last effect, performs the
//! effect it gets back (a request, a store call, a lock, a timer, the
//! realm's single flight) and calls again, until the operation's value or
//! error. Everything here converts: effects to plain JS objects, and the
//! host's answers back to outcomes, naming failures without secrets.

use crate::core::client::{Client, Op};
use crate::core::coordinator::{remote_error, Answer};
use crate::core::error::{json_strings, AuthError, ErrorCode};
use crate::core::fx::{self, Effect, Journal, Outcome, Renewal, Step, Stop};
use crate::core::json::{self, object, Value};
use crate::core::store::StoreError;
use crate::web::convert::{describe_scrubbed, field, set};
use crate::web::error::to_js;
use crate::web::fetch::{answer_from_js, request_to_js};
use js_sys::{Array, Object, Promise};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

#[wasm_bindgen(module = "/pkg/host.js")]
extern "C" {
    /// Runs operation `id` to its end; resolves to its value.
    #[wasm_bindgen(js_name = hostRun)]
    fn host_run(host: &JsValue, id: u32) -> Promise;
    /// The realm memory store's generation moved (see `pkg/setup.js`'s memo).
    #[wasm_bindgen(js_name = generationMoved)]
    fn generation_moved(generation: u32);
}

/// From now on the host is told each move of the realm memory store's
/// generation, which its `getToken` memo compares without entering the wasm.
pub fn publish_generation() {
    thread_local! {
        static DONE: Cell<bool> = const { Cell::new(false) };
    }
    if !DONE.replace(true) {
        generation_moved(crate::core::store::MemoryStore::shared().generation());
        crate::core::store::MemoryStore::on_move(Some(Box::new(generation_moved)));
    }
}

/// An operation's body: run again from the start at every step.
type Body = Box<dyn FnMut(&Client) -> Step<JsValue>>;

struct Running {
    client: Rc<Client>,
    journal: Option<Journal>,
    run: Body,
    /// The effect the host is performing, to read its answer by.
    effect: Option<Effect>,
}

thread_local! {
    static RUNNING: RefCell<Vec<(u32, Running)>> = const { RefCell::new(Vec::new()) };
    static NEXT: Cell<u32> = const { Cell::new(0) };
    /// [`step`] as a JS function, handed to the host with each client.
    static STEP: JsValue = Closure::<dyn Fn(u32, JsValue, f64, f64) -> JsValue>::new(step)
        .into_js_value();
}

/// The JS function the host calls to step an operation.
pub fn step_function() -> JsValue {
    STEP.with(Clone::clone)
}

/// Starts an operation of `client` in the host described by `host`.
pub fn run(
    client: &Rc<Client>,
    host: &JsValue,
    run: impl FnMut(&Client) -> Step<JsValue> + 'static,
) -> Promise {
    let id = NEXT.with(|n| {
        n.set(n.get().wrapping_add(1));
        n.get()
    });
    let running = Running {
        client: client.clone(),
        journal: None,
        run: Box::new(run),
        effect: None,
    };
    RUNNING.with_borrow_mut(|all| all.push((id, running)));
    host_run(host, id)
}

/// A promise rejected with `error` (an argument the operation refused
/// before it started).
pub fn rejected(error: AuthError) -> Promise {
    Promise::reject(&to_js(&error))
}

/// One step of `op`, inside an operation's `run`.
pub fn within<T>(mut op: Op<'_, T>) -> Step<T> {
    (op.run)()
}

/// `{ kind: "done", value }` or `{ kind: "fail", value: error }`.
fn ended(kind: &str, value: &JsValue) -> JsValue {
    let object = Object::new();
    set(&object, "kind", &kind.into());
    set(&object, "value", value);
    object.into()
}

/// Steps operation `id`: `outcome` answers the effect of its last step
/// (`undefined` on the first), `now` and `random` are the host's clock and
/// a draw. Returns the next effect, or how the operation [`ended`].
fn step(id: u32, outcome: JsValue, now: f64, random: f64) -> JsValue {
    let taken = RUNNING.with_borrow_mut(|all| {
        let at = all.iter().position(|(i, _)| *i == id)?;
        Some(all.swap_remove(at).1)
    });
    let Some(mut running) = taken else {
        return ended("fail", &to_js(&fx::replay_error()));
    };
    let now = now as i64;
    let journal = match running.journal.as_mut() {
        None => running.journal.insert(Journal::new(now, random)),
        Some(journal) => {
            let effect = running.effect.take();
            journal.record(outcome_of(effect, &outcome, &running.client), now, random);
            journal
        }
    };
    let client = running.client.clone();
    let run = &mut running.run;
    match fx::step(journal, || run(&client)) {
        Ok(value) => ended("done", &value),
        Err(Stop::Fail(error)) => ended("fail", &to_js(&error)),
        Err(Stop::Suspend) => match journal.take_effect() {
            Some(effect) => {
                let js = effect_to_js(&effect);
                running.effect = Some(effect);
                RUNNING.with_borrow_mut(|all| all.push((id, running)));
                js
            }
            None => ended("fail", &to_js(&fx::replay_error())),
        },
    }
}

/// Forgets operation `id` (the host ended it early). Not part of the
/// public API.
#[wasm_bindgen(js_name = __endOperation, skip_typescript)]
pub fn end(id: u32) {
    RUNNING.with_borrow_mut(|all| all.retain(|(i, _)| *i != id));
}

fn effect_to_js(effect: &Effect) -> JsValue {
    let object = Object::new();
    let kind = |name: &str| set(&object, "kind", &name.into());
    let text = |name: &str, value: &str| set(&object, name, &value.into());
    let number = |name: &str, value: f64| set(&object, name, &value.into());
    let ttl = |value: &Option<u64>| {
        if let Some(ttl) = value {
            set(&object, "ttl", &(*ttl as f64).into());
        }
    };
    let bound = |max_wait_ms: &Option<i64>| {
        if let Some(ms) = max_wait_ms {
            set(&object, "maxWaitMs", &(*ms as f64).into());
        }
    };
    match effect {
        Effect::Send(request) => {
            kind("send");
            set(&object, "request", &request_to_js(request));
        }
        Effect::Get(key) => {
            kind("get");
            text("key", key);
        }
        Effect::Put { key, value, ttl: t } => {
            kind("put");
            text("key", key);
            text("value", value);
            ttl(t);
        }
        Effect::Delete(key) => {
            kind("delete");
            text("key", key);
        }
        Effect::Add { key, value, ttl: t } => {
            kind("add");
            text("key", key);
            text("value", value);
            ttl(t);
        }
        Effect::DeleteIf { key, value } => {
            kind("deleteIf");
            text("key", key);
            text("value", value);
        }
        Effect::Watch(key) => {
            kind("watch");
            text("key", key);
        }
        Effect::Take(id) => {
            kind("take");
            number("id", f64::from(*id));
        }
        Effect::Lock(name) => {
            kind("lock");
            text("name", name);
        }
        Effect::Unlock(id) => {
            kind("unlock");
            number("id", f64::from(*id));
        }
        Effect::Sleep(ms) => {
            kind("sleep");
            number("ms", *ms as f64);
        }
        Effect::Ask { key, ask } => {
            kind("ask");
            text("key", key);
            let (name, token) = ask.parts();
            let body = object! {
                "kind": name,
                "token": token.map(|t| t.expose()),
            };
            text("ask", &body.encode());
        }
        Effect::Flight { key, max_wait_ms } => {
            kind("flight");
            text("key", key);
            bound(max_wait_ms);
        }
        Effect::Land { key, outcome } => {
            kind("land");
            text("key", key);
            set(&object, "landed", &renewal_to_js(outcome));
        }
        Effect::Settled { key, max_wait_ms } => {
            kind("settled");
            text("key", key);
            bound(max_wait_ms);
        }
        Effect::Derive {
            password,
            salt,
            rounds,
        } => {
            kind("derive");
            set(
                &object,
                "password",
                &js_sys::Uint8Array::from(password.as_slice()),
            );
            set(&object, "salt", &js_sys::Uint8Array::from(salt.as_slice()));
            number("rounds", f64::from(*rounds));
        }
    }
    object.into()
}

/// A store's answer `{ value }` or `{ error }`, its error text without
/// `secrets`.
fn stored(answer: &JsValue, secrets: &[&str]) -> Result<JsValue, StoreError> {
    let error = field(answer, "error");
    if error.is_undefined() {
        Ok(field(answer, "value"))
    } else {
        Err(StoreError(describe_scrubbed(&error, secrets)))
    }
}

/// `add` and `deleteIf` resolve to whether they did it.
fn flag(answer: &JsValue, name: &str) -> Option<Result<bool, StoreError>> {
    if field(answer, "missing").is_truthy() {
        return None;
    }
    Some(stored(answer, &[]).and_then(|v| {
        v.as_bool().ok_or_else(|| {
            StoreError(format!(
                "options.store.{name} must resolve to true (done) or false (not done)"
            ))
        })
    }))
}

fn id_of(answer: &JsValue) -> Option<u32> {
    field(answer, "id").as_f64().map(|id| id as u32)
}

fn outcome_of(effect: Option<Effect>, answer: &JsValue, client: &Client) -> Outcome {
    let done = Outcome::Done(Ok(()));
    let Some(effect) = effect else {
        return done;
    };
    match effect {
        Effect::Send(request) => Outcome::Sent(answer_from_js(&request, answer)),
        Effect::Get(_) => Outcome::Got(stored(answer, &[]).map(|v| v.as_string())),
        Effect::Put { value, .. } => {
            // A store failing on a put may echo the entry, with its token.
            let mut secrets = json_strings(&value);
            secrets.push(value);
            let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
            Outcome::Done(stored(answer, &secrets).map(drop))
        }
        Effect::Delete(_) => Outcome::Done(stored(answer, &[]).map(drop)),
        Effect::Add { .. } => Outcome::Added(flag(answer, "add")),
        Effect::DeleteIf { .. } => Outcome::Added(flag(answer, "deleteIf")),
        Effect::Watch(_) => Outcome::Watching(id_of(answer)),
        Effect::Take(_) => Outcome::Seen(match field(answer, "values").dyn_into::<Array>() {
            Ok(values) => values.iter().map(|v| v.as_string()).collect(),
            Err(_) => Vec::new(),
        }),
        Effect::Lock(_) => Outcome::Locked(id_of(answer)),
        Effect::Ask { .. } => Outcome::Answered(asked(answer)),
        Effect::Flight { .. } => {
            let landed = field(answer, "landed");
            Outcome::Turn((!landed.is_undefined()).then(|| renewal_from_js(&landed, client)))
        }
        Effect::Derive { .. } => Outcome::Derived(derived(answer)),
        Effect::Unlock(_) | Effect::Sleep(_) | Effect::Land { .. } | Effect::Settled { .. } => done,
    }
}

/// The 16 bytes the host derived, if it could.
fn derived(answer: &JsValue) -> Option<[u8; 16]> {
    let bytes = field(answer, "bytes")
        .dyn_into::<js_sys::Uint8Array>()
        .ok()?;
    let mut out = [0u8; 16];
    (bytes.length() == 16).then(|| bytes.copy_to(&mut out))?;
    Some(out)
}

/// A renewal's outcome as the realm's waiters get it through the host.
fn renewal_to_js(renewal: &Renewal) -> JsValue {
    let object = Object::new();
    match renewal {
        Ok((entry, from_cache)) => {
            set(&object, "entry", &entry.encode(true).into());
            set(&object, "fromCache", &JsValue::from_bool(*from_cache));
        }
        Err(error) => {
            let plain = Object::new();
            set(&plain, "code", &error.code.as_str().into());
            set(&plain, "message", &error.message.as_str().into());
            if let Some(vendor) = error.vendor {
                set(&plain, "vendor", &vendor.as_str().into());
            }
            if let Some(status) = error.status {
                set(&plain, "status", &status.into());
            }
            if let Some(retry) = error.retry_after_seconds {
                set(&plain, "retryAfterSeconds", &(retry as f64).into());
            }
            set(&object, "error", &plain);
        }
    }
    object.into()
}

fn renewal_from_js(landed: &JsValue, client: &Client) -> Renewal {
    let error = field(landed, "error");
    if !error.is_undefined() {
        let text = |name: &str| field(&error, name).as_string();
        let number = |name: &str| field(&error, name).as_f64();
        return Err(remote_error(
            &text("code").unwrap_or_default(),
            &text("message").unwrap_or_default(),
            text("vendor").as_deref(),
            number("status").map(|s| s as u16),
            number("retryAfterSeconds").map(|s| s as u64),
        ));
    }
    let entry = field(landed, "entry").as_string().unwrap_or_default();
    let from_cache = field(landed, "fromCache").is_truthy();
    client
        .decode_entry(&entry)
        .map(|entry| (entry, from_cache))
        .ok_or_else(|| {
            AuthError::new(
                ErrorCode::Storage,
                "the renewal this call waited for ended with an entry it cannot read",
            )
        })
}

fn unreachable(why: &str) -> AuthError {
    AuthError::new(
        ErrorCode::Network,
        format!("the token coordinator (Durable Object) could not be asked: {why}"),
    )
}

/// The coordinator's answer, as the host got it: `{ status, text }`,
/// `{ unreachable }` or `{ thrown }`.
fn asked(answer: &JsValue) -> Result<Answer, AuthError> {
    if let Some(why) = field(answer, "unreachable").as_string() {
        return Err(unreachable(&why));
    }
    let thrown = field(answer, "thrown");
    if !thrown.is_undefined() {
        return Err(unreachable(&describe_scrubbed(&thrown, &[])));
    }
    // An integer: formatting an f64 would pull float printing into the wasm.
    let status = field(answer, "status").as_f64().unwrap_or(0.0) as u16;
    let text = field(answer, "text").as_string().unwrap_or_default();
    let answer: Value = json::parse(&text)
        .ok_or_else(|| unreachable(&format!("it answered HTTP {status} without JSON")))?;
    if let Some(error) = answer.get("error") {
        let text = |name: &str| error.get(name).and_then(Value::as_str);
        return Err(remote_error(
            text("code").unwrap_or("VENDOR_ERROR"),
            text("message").unwrap_or("the token coordinator failed"),
            text("vendor"),
            error
                .get("status")
                .and_then(Value::as_u64)
                .and_then(|s| u16::try_from(s).ok()),
            error.get("retryAfterSeconds").and_then(Value::as_u64),
        ));
    }
    match (
        answer.get("entry").and_then(Value::as_str),
        answer.get("fromCache"),
    ) {
        (Some(entry), from_cache) => Ok(Answer {
            entry: entry.to_string(),
            from_cache: from_cache.and_then(Value::as_bool).unwrap_or(false),
        }),
        _ => Err(unreachable("its answer has no entry")),
    }
}
