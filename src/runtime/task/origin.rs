//! Where a process comes from: its spawn site, and its name if it has one.
//!
//! One pointer in the task header. Most processes have no name, and their
//! origin is just the `&'static Location` of their spawn call; a named
//! process (`runtime::ProcessBuilder`) has a small box holding both. The
//! low bit of the pointer says which: both targets are at least 4-aligned,
//! so it is free. An origin never changes after the spawn, so reading it
//! from any thread needs no synchronisation beyond what made the header
//! reachable.

use std::panic::Location;
use std::ptr::NonNull;

/// The tag bit of a boxed [`Named`] origin.
const NAMED: usize = 1;

/// A named process's origin.
struct Named {
    location: &'static Location<'static>,
    name: Box<str>,
}

/// A spawn site, and a name for a named process (module docs).
pub(crate) struct Origin(NonNull<()>);

// SAFETY: an origin is immutable after construction and owns only a
// `&'static Location` or a `Box<Named>`, both `Send + Sync`.
unsafe impl Send for Origin {}
// SAFETY: as above; `&Origin` only reads.
unsafe impl Sync for Origin {}

impl Origin {
    /// The origin of a process spawned at `location`, named `name`.
    pub(crate) fn new(location: &'static Location<'static>, name: Option<&str>) -> Origin {
        match name {
            None => Origin(NonNull::from(location).cast()),
            Some(name) => {
                let named = Box::new(Named {
                    location,
                    name: name.into(),
                });
                let named = Box::into_raw(named).cast::<()>();
                let tagged = NonNull::new(named.map_addr(|addr| addr | NAMED));
                Origin(tagged.expect("a box pointer is not null"))
            }
        }
    }

    /// The boxed origin, if the process is named.
    fn named(&self) -> Option<&Named> {
        let named = self.named_ptr()?;
        // SAFETY: a tagged pointer was made from a `Box<Named>` in `new`,
        // freed only when the origin drops.
        Some(unsafe { &*named })
    }

    /// The untagged pointer to the boxed origin, if the process is named.
    fn named_ptr(&self) -> Option<*mut Named> {
        let ptr = self.0.as_ptr();
        (ptr.addr() & NAMED != 0).then(|| ptr.map_addr(|addr| addr & !NAMED).cast::<Named>())
    }

    /// Where the process was spawned.
    pub(crate) fn location(&self) -> &'static Location<'static> {
        match self.named() {
            Some(named) => named.location,
            // SAFETY: an untagged pointer is a `&'static Location` (`new`).
            None => unsafe { self.0.cast::<Location<'static>>().as_ref() },
        }
    }

    /// The process's name, if it was given one.
    pub(crate) fn name(&self) -> Option<&str> {
        self.named().map(|named| &*named.name)
    }
}

impl Drop for Origin {
    fn drop(&mut self) {
        if let Some(named) = self.named_ptr() {
            // SAFETY: made by `Box::into_raw` in `new` and owned by this
            // origin, which is dropped once.
            drop(unsafe { Box::from_raw(named) });
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn an_origin_gives_back_its_site_and_name() {
        let here = Location::caller();
        let plain = Origin::new(here, None);
        assert_eq!((plain.location(), plain.name()), (here, None));
        let named = Origin::new(here, Some("fetcher"));
        assert_eq!((named.location(), named.name()), (here, Some("fetcher")));
    }
}
