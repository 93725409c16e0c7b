//! The seeded form of a token: the seeded run that makes the choices,
//! instead of the choices.
//!
//! # Why a second form
//!
//! The explicit form (`v1.`) spends about four characters on each
//! deviation. A seeded run with two or three runnable processes most of
//! the time deviates at most of its choice points: a million-step random
//! run of three yielding processes deviates about 915,000 times and its
//! explicit token is 3.7 MB; PCT's, where each yield demotes the yielder,
//! 4.0 MB. An environment string may hold at most 128 KiB on Linux
//! (`MAX_ARG_STRLEN`). No denser spelling of the choices can close that
//! gap: a uniform choice between two processes carries one bit, so a
//! million of them need a million bits, about 167,000 characters of a
//! 64-character alphabet, more than the limit. What does fit is what
//! made those choices: the strategy, its parameters and the seed.
//!
//! # The form
//!
//! `v2.<mode>.<strategy>.<seed>.<choices>.<fingerprint>`, for example
//! `v2.s.random.7.1538861.38f7461c9055934c`: the run's mode (`s` or `sf`,
//! as in the explicit form; a seeded run always switches at every channel
//! operation), the strategy (`random`, or `pct<depth>`), the seed, the
//! number of choice points the run made, and its trace fingerprint in 16
//! hex digits. A token of this form replays by running the seeded strategy
//! again, held to the token's count of choice points (`strategy::rerun`);
//! when the run is over, its fingerprint must equal the token's. A run that
//! makes more or fewer choices, or ends with another fingerprint (the
//! program changed, or the seeded strategies of another version of hoare
//! choose otherwise), fails with `SimError::ReplayMismatch`, as an explicit
//! token that does not fit does. The check comes at the end of the run
//! for a fingerprint mismatch, at the first choice too many for a count
//! that runs out.
//!
//! # When it is used
//!
//! A seeded run (`check`'s seeds, `Builder::seed` with either strategy)
//! whose explicit token would be longer than [`EXPLICIT_LIMIT`] characters
//! gets the seeded form; a run replayed from a seeded token gets it too
//! (so a replay's own token is the token replayed: the form is
//! canonical). Every other run (shorter seeded runs, `explore`, explicit
//! replays, shrunk schedules) keeps the explicit form, which replays
//! without rerunning any strategy and which shrinking and `explore` read
//! and write. The explicit form is kept below the limit rather than packed
//! denser: up to 16 KiB it fits an environment variable with room to
//! spare, and beyond it only the seeded form fits anyway.

use std::fmt;

use super::Mode;
use crate::sim::strategy::Strategy;

/// The longest explicit token a seeded run reports; a longer one is
/// replaced by the seeded form.
pub(crate) const EXPLICIT_LIMIT: usize = 16 * 1024;

/// The version tag of the seeded form.
pub(crate) const VERSION: &str = "v2";

/// A seeded run, as its token names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct SeededRun {
    pub(crate) mode: Mode,
    pub(crate) strategy: Strategy,
    pub(crate) seed: u64,
    /// How many choice points the run made.
    pub(crate) total: u64,
    /// The run's trace fingerprint.
    pub(crate) fingerprint: u64,
}

impl SeededRun {
    /// Parses a token of the seeded form; the error says what is wrong.
    pub(crate) fn parse(token: &str) -> Result<SeededRun, String> {
        let items: Vec<&str> = token.split('.').collect();
        let [tag, mode, strategy, seed, total, fingerprint] = items[..] else {
            return Err(format!(
                "a {VERSION} token has six items, `{VERSION}.<mode>.<strategy>.<seed>.<choices>.\
                 <fingerprint>`; it has {}",
                items.len()
            ));
        };
        if tag != VERSION {
            return Err(format!(
                "it does not start with the version tag `{VERSION}.`"
            ));
        }
        let mode = match Mode::from_item(mode) {
            Some(mode) if mode.fine => mode,
            _ => return Err(format!("{mode:?} is not a seeded run's mode (`s` or `sf`)")),
        };
        let strategy = match strategy {
            "random" => Strategy::Random,
            _ => match strategy.strip_prefix("pct").map(decimal) {
                Some(Ok(depth)) if depth >= 1 => Strategy::Pct {
                    depth: usize::try_from(depth)
                        .map_err(|_| format!("PCT depth {depth} is too large"))?,
                },
                _ => {
                    return Err(format!(
                        "{strategy:?} is not a strategy (`random`, or `pct<depth>` with a depth \
                         of 1 or more)"
                    ))
                }
            },
        };
        if fingerprint.len() != 16
            || !fingerprint
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            return Err(format!(
                "{fingerprint:?} is not a fingerprint (16 lowercase hex digits)"
            ));
        }
        Ok(SeededRun {
            mode,
            strategy,
            seed: decimal(seed)?,
            total: decimal(total)?,
            fingerprint: u64::from_str_radix(fingerprint, 16)
                .map_err(|_| format!("{fingerprint:?} is not a fingerprint"))?,
        })
    }

    /// The token.
    pub(crate) fn token(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for SeededRun {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mode = self.mode.item().unwrap_or("s");
        write!(f, "{VERSION}.{mode}.")?;
        match self.strategy {
            Strategy::Random => f.write_str("random")?,
            Strategy::Pct { depth } => write!(f, "pct{depth}")?,
        }
        write!(f, ".{}.{}.{:016x}", self.seed, self.total, self.fingerprint)
    }
}

/// A decimal number of plain digits.
fn decimal(text: &str) -> Result<u64, String> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("{text:?} is not a number"));
    }
    text.parse().map_err(|_| format!("{text:?} is too large"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parsing_then_printing_gives_a_seeded_token_back() {
        for token in [
            "v2.s.random.7.915669.1f0e6bd3c82a4457",
            "v2.sf.pct3.0.12.0000000000000000",
            "v2.s.pct1.18446744073709551615.0.ffffffffffffffff",
        ] {
            assert_eq!(SeededRun::parse(token).unwrap().token(), token);
        }
        let run = SeededRun::parse("v2.sf.pct3.9.12.00000000000000ff").unwrap();
        assert_eq!(run.strategy, Strategy::Pct { depth: 3 });
        assert!(run.mode.faults && run.mode.fine);
        assert_eq!((run.seed, run.total, run.fingerprint), (9, 12, 255));
    }

    #[test]
    fn malformed_seeded_tokens_are_refused_with_a_reason() {
        for token in [
            "v2",
            "v2.s.random.7.9",
            "v2.s.random.7.9.1f0e6bd3c82a4457.3",
            "v1.s.random.7.9.1f0e6bd3c82a4457",
            "v2.f.random.7.9.1f0e6bd3c82a4457",
            "v2..random.7.9.1f0e6bd3c82a4457",
            "v2.s.dfs.7.9.1f0e6bd3c82a4457",
            "v2.s.pct0.7.9.1f0e6bd3c82a4457",
            "v2.s.pct.7.9.1f0e6bd3c82a4457",
            "v2.s.random.-7.9.1f0e6bd3c82a4457",
            "v2.s.random.7.9.1F0E6BD3C82A4457",
            "v2.s.random.7.9.1f0e6bd3c82a445",
            "v2.s.random.7.99999999999999999999.1f0e6bd3c82a4457",
        ] {
            assert!(SeededRun::parse(token).is_err(), "{token:?} was accepted");
        }
    }
}
