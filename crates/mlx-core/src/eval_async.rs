//! Asynchronous evaluation: [`eval_async`] hands arrays to a dedicated
//! evaluation worker thread and returns an [`EvalFuture`] that resolves when
//! they are materialised.
//!
//! The future is runtime-agnostic: a plain [`Future`] woken through the
//! [`Waker`] it was last polled with, so any executor (or the blocking
//! [`EvalFuture::wait`]) drives it. The worker runs requests one at a time, in
//! the order they were made, with the same [`crate::eval`] as the blocking
//! path; the caller's thread may keep building graphs meanwhile.

use crate::{Array, Error, Result};
use parking_lot::Mutex;
use std::future::Future;
use std::pin::Pin;
use std::sync::mpsc::{channel, Sender};
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll, Waker};

#[derive(Default)]
struct State {
    result: Option<Result<()>>,
    waker: Option<Waker>,
    taken: bool,
}

#[derive(Default)]
struct Shared {
    state: Mutex<State>,
    done: std::sync::Condvar,
    done_lock: std::sync::Mutex<bool>,
}

impl Shared {
    fn complete(&self, r: Result<()>) {
        let waker = {
            let mut s = self.state.lock();
            s.result = Some(r);
            s.waker.take()
        };
        if let Ok(mut d) = self.done_lock.lock() {
            *d = true;
        }
        self.done.notify_all();
        if let Some(w) = waker {
            w.wake();
        }
    }
}

struct Job {
    arrays: Vec<Array>,
    shared: Arc<Shared>,
}

fn worker() -> Option<&'static Mutex<Sender<Job>>> {
    static WORKER: OnceLock<Option<Mutex<Sender<Job>>>> = OnceLock::new();
    WORKER
        .get_or_init(|| {
            let (tx, rx) = channel::<Job>();
            let spawned = std::thread::Builder::new()
                .name("mlx-eval".into())
                .spawn(move || {
                    for job in rx {
                        let refs: Vec<&Array> = job.arrays.iter().collect();
                        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                            crate::eval(&refs)
                        }))
                        .unwrap_or_else(|_| {
                            Err(Error::invalid("eval_async", "the evaluation panicked"))
                        });
                        drop(refs);
                        drop(job.arrays);
                        job.shared.complete(r);
                    }
                });
            spawned.ok().map(|_| Mutex::new(tx))
        })
        .as_ref()
}

/// Starts evaluating `outputs` (and everything they depend on) on the
/// evaluation worker thread and returns at once. The returned future
/// resolves to the evaluation's result; requests run in the order they were
/// made, so awaiting a later one also means the earlier ones ran.
///
/// ```
/// use mlx_core::{eval_async, Array};
/// use std::future::Future;
/// use std::sync::Arc;
/// use std::task::{Context, Poll, Wake};
///
/// // A minimal executor: poll, park until woken, poll again.
/// struct Unpark(std::thread::Thread);
/// impl Wake for Unpark {
///     fn wake(self: Arc<Self>) { self.0.unpark() }
/// }
/// fn block_on<F: Future>(f: F) -> F::Output {
///     let waker = Arc::new(Unpark(std::thread::current())).into();
///     let mut cx = Context::from_waker(&waker);
///     let mut f = std::pin::pin!(f);
///     loop {
///         match f.as_mut().poll(&mut cx) {
///             Poll::Ready(v) => return v,
///             Poll::Pending => std::thread::park(),
///         }
///     }
/// }
///
/// let a = Array::scalar(1.0f32);
/// block_on(eval_async(&[&a])).unwrap();
/// assert!(a.is_evaluated());
/// ```
pub fn eval_async(outputs: &[&Array]) -> EvalFuture {
    let shared = Arc::new(Shared::default());
    let job = Job {
        arrays: outputs.iter().map(|a| (*a).clone()).collect(),
        shared: shared.clone(),
    };
    let sent = match worker() {
        Some(tx) => tx.lock().send(job).is_ok(),
        None => false,
    };
    if !sent {
        shared.complete(Err(Error::invalid(
            "eval_async",
            "the evaluation worker thread is not running",
        )));
    }
    EvalFuture { shared }
}

/// The pending result of [`eval_async`]: a [`Future`] resolving to the
/// evaluation's `Result<()>`.
///
/// ```
/// let a = mlx_core::Array::scalar(2.0f32);
/// mlx_core::eval_async(&[&a]).wait().unwrap();
/// ```
#[must_use = "the evaluation runs anyway; await the future to see its result"]
pub struct EvalFuture {
    shared: Arc<Shared>,
}

impl EvalFuture {
    /// True once the evaluation has finished (successfully or not).
    ///
    /// ```
    /// let a = mlx_core::Array::scalar(2.0f32);
    /// let f = mlx_core::eval_async(&[&a]);
    /// let _maybe = f.is_done();
    /// f.wait().unwrap();
    /// ```
    pub fn is_done(&self) -> bool {
        let s = self.shared.state.lock();
        s.result.is_some() || s.taken
    }

    /// Blocks the calling thread until the evaluation has finished and
    /// answers its result (for code without an executor).
    ///
    /// ```
    /// let a = mlx_core::Array::scalar(2.0f32);
    /// assert!(mlx_core::eval_async(&[&a]).wait().is_ok());
    /// ```
    pub fn wait(self) -> Result<()> {
        let mut done = self
            .shared
            .done_lock
            .lock()
            .map_err(|_| Error::invalid("eval_async", "the completion lock is poisoned"))?;
        while !*done {
            done = self
                .shared
                .done
                .wait(done)
                .map_err(|_| Error::invalid("eval_async", "the completion lock is poisoned"))?;
        }
        drop(done);
        self.take()
    }

    fn take(&self) -> Result<()> {
        let mut s = self.shared.state.lock();
        match s.result.take() {
            Some(r) => {
                s.taken = true;
                r
            }
            None => Err(Error::invalid(
                "eval_async",
                "the result was already taken (future polled after completion)",
            )),
        }
    }
}

impl Future for EvalFuture {
    type Output = Result<()>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<()>> {
        let mut s = self.shared.state.lock();
        if let Some(r) = s.result.take() {
            s.taken = true;
            return Poll::Ready(r);
        }
        if s.taken {
            return Poll::Ready(Err(Error::invalid(
                "eval_async",
                "the future was polled after completion",
            )));
        }
        match &s.waker {
            Some(w) if w.will_wake(cx.waker()) => {}
            _ => s.waker = Some(cx.waker().clone()),
        }
        Poll::Pending
    }
}

impl std::fmt::Debug for EvalFuture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "EvalFuture(done: {})", self.is_done())
    }
}
