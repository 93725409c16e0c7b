//! Typed channels.

mod error;

pub use error::{RecvError, SendError, TryRecvError, TrySendError};
