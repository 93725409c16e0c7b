//! Processes and the runtime that runs them.

pub(crate) mod block_on;
pub(crate) mod budget;
pub(crate) mod context;
pub(crate) mod park;

pub use block_on::block_on;
