//! The seam between the parts and a *host* that drives or watches them.
//!
//! Channels, selections, timers, `JoinHandle`s and `spawn` report a few
//! facts through the functions of this module: a new channel needs a
//! number, the process being polled waits on something (described in
//! words), a channel is waking a waiter, a process is being spawned, the
//! process being polled touched a channel or a `JoinHandle` (for the
//! simulation's partial-order reduction). A
//! host installed on the current thread hears them and may take over the
//! spawn; without one, each hook is one thread-local look-up that finds
//! nothing, and the parts behave as on a plain runtime.
//!
//! The deterministic simulation is such a host: it implements [`Host`]
//! and installs itself for the length of a run. The parts never name the
//! simulation; it plugs in here and through two more traits the parts
//! define (`time::clock::Clock` for virtual time, `chan::choice::Source`
//! for seeded choices), and the task harness reports to it through
//! [`Supervisor`](super::task::Supervisor).
//!
//! Who may call what: the parts call the free functions below; only a
//! host calls [`install`]. Hosts are per thread and never nest.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::rc::Rc;
use std::task::Waker;

use super::dump::Dump;
use super::task::{self, JoinHandle, Notified, Origin, Owner, Task};
use super::wait::{self, Wait};
use crate::sync::{thread_local, ProcessCounter};

/// What a host hears of, and decides, on its thread.
pub(crate) trait Host {
    /// A number for a new channel, unique within the host.
    fn next_channel_id(&self) -> u64;
    /// The process being polled now waits on what `describe` says (in the
    /// lowercase words of deadlock reports: `recv on channel #3 ...`), to
    /// be woken through `waker` (the simulation may call it spuriously).
    fn note_waiting(&self, waker: &Waker, describe: &dyn Fn() -> String);
    /// A process is being spawned from `origin` (its site and name): the
    /// owner that will schedule it, and its number.
    fn admit(&self, origin: &Origin) -> (Owner, u64);
    /// Starts the process `admit` numbered: keeps `live` in the host's
    /// list of live processes and queues `notified` to run.
    fn start(&self, live: Task, notified: Notified);
    /// A dump of the host's live processes (`hoare::runtime::dump`).
    fn dump(&self) -> Dump;
    /// The process being polled read or changed `object` (the simulation's
    /// exploration orders only steps that touch a common object). Hosts
    /// that do not explore ignore it.
    fn touch(&self, _object: Touched) {}
}

/// What a step can touch that another step may also touch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Touched {
    /// A channel, by its number: any operation, close, or a snapshot of
    /// its state (`len`, `is_closed`).
    Channel(u64),
    /// A process's `JoinHandle`, by the process's number: awaiting it,
    /// `is_finished`, `abort`, dropping it.
    Join(u64),
}

thread_local! {
    /// The host installed on this thread, if any.
    static HOST: RefCell<Option<Rc<dyn Host>>> = RefCell::new(None);
    /// The channel whose operation is waking a waiter on this thread (0:
    /// none), so a host can name it when the wake reaches a process it
    /// does not expect.
    static WAKING_CHANNEL: Cell<u64> = Cell::new(0);
    /// Whether a host is installed: [`touch`], on every channel operation,
    /// looks at this flag alone when none is.
    static LISTENING: Cell<bool> = Cell::new(false);
    /// The installed host's number (0: none); see [`domain`].
    static DOMAIN: Cell<u64> = Cell::new(0);
}

/// Keeps a host installed on this thread; uninstalls it on drop.
pub(crate) struct Installed(());

impl Drop for Installed {
    fn drop(&mut self) {
        let host = HOST.with(|slot| slot.borrow_mut().take());
        LISTENING.with(|listening| listening.set(false));
        DOMAIN.with(|domain| domain.set(0));
        drop(host);
    }
}

/// Installs `host` on this thread, or gives it back if one already is.
pub(crate) fn install(host: Rc<dyn Host>) -> Result<Installed, Rc<dyn Host>> {
    HOST.with(|slot| {
        let mut slot = slot.borrow_mut();
        if slot.is_some() {
            return Err(host);
        }
        *slot = Some(host);
        LISTENING.with(|listening| listening.set(true));
        /// Host numbers, process-wide.
        static NEXT_DOMAIN: ProcessCounter = ProcessCounter::new();
        DOMAIN.with(|domain| domain.set(NEXT_DOMAIN.next()));
        Ok(Installed(()))
    })
}

/// Runs `f` with the host, if any. Shared borrow: a host's method may call
/// back into the hooks, but never [`install`].
fn with_host<R>(f: impl FnOnce(Option<&dyn Host>) -> R) -> R {
    HOST.with(|slot| f(slot.borrow().as_deref()))
}

/// The numbering channel ids on this thread belong to: 0 outside a host
/// (ids unique in the process), else a number of the installed host,
/// distinct from every other host's (its channels are numbered from 1).
/// Dumps match channels by id within one domain.
pub(crate) fn domain() -> u64 {
    DOMAIN.with(Cell::get)
}

/// A number for a new channel: the host's numbering inside a host, else
/// unique within the process (shown in `Debug` and in reports).
pub(crate) fn next_channel_id() -> u64 {
    /// Channel numbers outside a host.
    static NEXT: ProcessCounter = ProcessCounter::new();
    if !LISTENING.with(Cell::get) {
        return NEXT.next();
    }
    with_host(|host| match host {
        Some(host) => host.next_channel_id(),
        None => NEXT.next(),
    })
}

/// Records that the process being polled (the one `waker` wakes) waits
/// on what `waits` gives, one `Wait` per operation: in the process's task
/// header for dumps (a store of a few facts, no text), and, when a host
/// listens, in the host's words. `waits` is called once, or twice with a
/// host, and only copies facts.
#[inline]
pub(crate) fn note_waiting<W>(waker: &Waker, waits: impl Fn() -> W)
where
    W: IntoIterator<Item = Wait>,
{
    task::note_waiting(waker, waits());
    tell_host_waiting(waker, || wait::describe_for_host(waits().into_iter()));
}

/// [`note_waiting`] of one channel operation whose wait-slot word is
/// `word` (`None` if the channel's facts do not pack): a process records
/// it with one store and no [`Wait`] made. `wait` gives the facts for
/// everything else.
#[inline]
pub(crate) fn note_channel_waiting(waker: &Waker, word: Option<*mut ()>, wait: impl Fn() -> Wait) {
    task::note_channel_waiting(waker, word, &wait);
    tell_host_waiting(waker, || wait::describe_for_host(std::iter::once(wait())));
}

/// Tells a listening host what the process being polled waits on.
#[inline]
fn tell_host_waiting(waker: &Waker, describe: impl Fn() -> String) {
    if !LISTENING.with(Cell::get) {
        return;
    }
    with_host(|host| {
        if let Some(host) = host {
            host.note_waiting(waker, &describe);
        }
    });
}

/// A dump of the host's processes, if a host is installed on this thread.
pub(crate) fn dump() -> Option<Dump> {
    with_host(|host| host.map(|host| host.dump()))
}

/// Notes that the process being polled touched `object`: one thread-local
/// flag read, inline, when no host listens (channel operations call this
/// on their fast paths).
#[inline(always)]
pub(crate) fn touch(object: Touched) {
    if LISTENING.with(Cell::get) {
        touch_listening(object);
    }
}

/// [`touch`] while a host listens, out of the callers' fast paths.
#[cold]
#[inline(never)]
fn touch_listening(object: Touched) {
    with_host(|host| {
        if let Some(host) = host {
            host.touch(object);
        }
    });
}

/// Runs `wake` while noting that channel `channel` is the one waking.
#[inline]
pub(crate) fn waking_from_channel(channel: u64, wake: impl FnOnce()) {
    touch(Touched::Channel(channel));
    let previous = WAKING_CHANNEL.with(|cell| cell.replace(channel));
    wake();
    WAKING_CHANNEL.with(|cell| cell.set(previous));
}

/// The channel waking a waiter on this thread now (0: none).
pub(crate) fn waking_channel() -> u64 {
    WAKING_CHANNEL.with(|cell| cell.get())
}

/// Spawns `future` as a process of the host on this thread, or gives it
/// back (with its origin) if there is none.
pub(crate) fn try_spawn<F>(future: F, origin: Origin) -> Result<JoinHandle<F::Output>, (F, Origin)>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    // The flag first: no borrow and no `Rc` clone on a runtime's spawns.
    if !LISTENING.with(Cell::get) {
        return Err((future, origin));
    }
    let Some(host) = HOST.with(|slot| slot.borrow().clone()) else {
        return Err((future, origin));
    };
    let (owner, id) = host.admit(&origin);
    let (live, notified, join) = task::allocate(future, owner, id, origin);
    host.start(live, notified);
    Ok(join)
}
