//! The text of a dump, for a person: one block per process and per
//! blocked thread, then one line per channel waited on (see [`Dump`]).

use std::fmt;
use std::thread::ThreadId;
use std::time::Duration;

use super::{ChannelInfo, Dump, Party, ProcessInfo, ThreadInfo};

impl fmt::Display for Dump {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let blocked = self.processes.iter().filter(|p| p.blocked).count();
        match self.processes.len() {
            0 => writeln!(f, "no live processes")?,
            1 => writeln!(f, "1 live process, {blocked} blocked")?,
            n => writeln!(f, "{n} live processes, {blocked} blocked")?,
        }
        for process in &self.processes {
            write!(f, "{process}")?;
        }
        match self.threads.len() {
            0 => {}
            1 => writeln!(f, "1 OS thread blocked in hoare")?,
            n => writeln!(f, "{n} OS threads blocked in hoare")?,
        }
        for thread in &self.threads {
            write!(f, "{thread}")?;
        }
        if !self.channels.is_empty() {
            writeln!(f, "channels waited on:")?;
        }
        for channel in &self.channels {
            write!(f, "{channel}")?;
        }
        Ok(())
    }
}

/// A duration as a report shows it: to the millisecond.
struct Rounded(Duration);

impl fmt::Display for Rounded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.as_millis() {
            0 => f.write_str("<1ms"),
            ms => write!(f, "{:?}", Duration::from_millis(ms as u64)),
        }
    }
}

/// One indented line per wait.
fn write_waits(f: &mut fmt::Formatter<'_>, waits: &[String]) -> fmt::Result {
    for wait in waits {
        writeln!(f, "    {wait}")?;
    }
    Ok(())
}

/// `p3 "fetcher", spawned at src/main.rs:12, blocked for 1.5s on` and one
/// indented line per wait; or `..., running` (being polled), or
/// `..., runnable`.
impl fmt::Display for ProcessInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "p{}", self.id)?;
        if let Some(name) = &self.name {
            write!(f, " {name:?}")?;
        }
        let at = self.spawned_at;
        write!(f, ", spawned at {}:{}, ", at.file(), at.line())?;
        let Some(blocked_for) = self.blocked_for.filter(|_| self.blocked) else {
            let state = if self.running { "running" } else { "runnable" };
            return writeln!(f, "{state}");
        };
        writeln!(f, "blocked for {} on", Rounded(blocked_for))?;
        write_waits(f, &self.waits_on)
    }
}

/// `thread "feeder", blocked for 20ms on` and one indented line per wait.
impl fmt::Display for ThreadInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let blocked_for = Rounded(self.blocked_for);
        write_thread(f, self.id, self.name.as_deref())?;
        writeln!(f, ", blocked for {blocked_for} on")?;
        write_waits(f, &self.waits_on)
    }
}

/// `thread "feeder"`, or `thread ThreadId(7)` for one without a name.
fn write_thread(f: &mut fmt::Formatter<'_>, id: ThreadId, name: Option<&str>) -> fmt::Result {
    match name {
        Some(name) => write!(f, "thread {name:?}"),
        None => write!(f, "thread {id:?}"),
    }
}

/// `p3`, or `thread "feeder"`.
impl fmt::Display for Party {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Party::Process(id) => write!(f, "p{id}"),
            Party::Thread { id, name } => write_thread(f, *id, name.as_deref()),
        }
    }
}

/// `channel #4 (bounded(2)), 2 of 2 buffered; receivers waiting: none;
/// senders waiting: p3, thread "feeder"`.
impl fmt::Display for ChannelInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "channel #{} ({}), ", self.id, self.kind)?;
        match (self.len, self.capacity()) {
            (None, _) => write!(f, "length unknown")?,
            (Some(len), Some(capacity)) if capacity > 0 => {
                write!(f, "{len} of {capacity} buffered")?
            }
            (Some(len), _) => write!(f, "{len} buffered")?,
        }
        for (side, parties) in [("receivers", &self.receivers), ("senders", &self.senders)] {
            write!(f, "; {side} waiting: ")?;
            if parties.is_empty() {
                f.write_str("none")?;
            }
            for (index, party) in parties.iter().enumerate() {
                let comma = if index > 0 { ", " } else { "" };
                write!(f, "{comma}{party}")?;
            }
        }
        writeln!(f)
    }
}
