//! Fair selection over channel operations: `select!` and [`Select`].

pub(crate) mod driver;
pub(crate) mod random;
