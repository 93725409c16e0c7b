//! A run as data: its choice points, and the replay token that names them.
//!
//! # Choices
//!
//! Every choice a simulation run makes goes through one [`Recorder`]:
//! which runnable process is polled next, the order in which a `select!`
//! tries its arms, which of the timers due at the same instant fires next,
//! whether a `buggify!` site is enabled for the run and what each draw of
//! an enabled site gives. Each choice has a *default*:
//!
//! | kind | options | default |
//! | --- | --- | --- |
//! | process (`p`) | the runnable processes' numbers | the process polled last if it is still runnable, else the lowest-numbered runnable one |
//! | arm (`a`) | `0..k`: which of the `k` arms of a select not yet placed in its order comes next (one choice per position but the last) | `0`, written order |
//! | timer (`t`) | `0..k`: which of the `k` timers still due at this instant fires next, in registration order | `0`, registration order |
//! | buggify site (`e`) | `0` disabled, `1` enabled | `0` |
//! | buggify draw (`b`) | `0` false, `1` true | `0` |
//! | spurious wake (`w`, faults only) | `0` none, `p + 1`: wake waiting process `p` | `0` |
//! | hold (`h`, faults only) | `0` none, `p + 1`: keep runnable process `p` unpolled for a while | `0` |
//! | jitter (`j`, faults only) | `0..=4`: fire the next timers that many quarter-milliseconds late | `0` |
//!
//! A choice with a single option is not a choice point: nothing is
//! recorded and nothing is counted. A *deviation* is a choice point whose
//! taken option is not its default; switching away from a process that is
//! still runnable (a preemption) is one.
//!
//! # Tokens
//!
//! A token is `v1.` followed by dot-separated items: each deviation as
//! `<gap><kind><value>`, where `<gap>` counts the default choices before it
//! (the run-length encoding of the defaults), and a last item `<gap>` that
//! counts the default choices after the last deviation. So a run of a
//! million steps with three preemptions is a token of a few dozen
//! characters, only `[A-Za-z0-9.]` appear, and the token is canonical: a
//! run replayed from a token records the same choice points and so has the
//! same token. `v1.4p2.0a1.7`: four defaults, process 2, at once arm 1
//! first, seven defaults, end.
//!
//! That is the *explicit* form, about four characters per deviation. A
//! long seeded run deviates at most of its choice points (a million-step
//! random run of three busy processes, about 900,000 times: 3.7 MB), too
//! much for an environment variable; when a seeded run's explicit token
//! would be longer than 16 KiB, its token is of the *seeded* form, `v2.`,
//! which names the strategy, the seed, the number of choice points and the
//! trace fingerprint instead of the choices, and replays by running the
//! seeded strategy again ([`seeded`] says why, and when each form is
//! used). [`Token`] reads either; a token with another version tag is
//! refused as one of another version of hoare.
//!
//! # Modes
//!
//! Two settings change which choice points a run has, so a token names
//! them (as a [`Mode`] item right after the version tag, left out when
//! both are off): `s`, the run switches at every channel operation (each
//! poll completes at most one; seeded runs), and `f`, faults are injected
//! (`Builder::faults`). `v1.sf.12p1.40` replays a seeded run with faults;
//! a token without the item replays at `explore`'s granularity, where a
//! poll runs until its process waits.

mod seeded;

use std::fmt;

use super::strategy::{Request, Scheduler};

pub(crate) use seeded::{SeededRun, EXPLICIT_LIMIT};

/// What a choice point chooses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Kind {
    /// The next process to poll (options are process numbers).
    Process,
    /// Which of a `select!`'s arms not yet placed in its order comes
    /// next (0: the first of them in written order).
    Arm,
    /// The next of the timers due at one instant.
    Timer,
    /// Whether a `buggify!` site is enabled for the run.
    BuggifySite,
    /// The answer of one draw of an enabled `buggify!` site.
    BuggifyDraw,
    /// A spurious wake of a waiting process (0: none; `p + 1`: process `p`).
    Wake,
    /// A runnable process held back for a while (0: none; `p + 1`: `p`).
    Hold,
    /// How many quarter-milliseconds late the next timers fire.
    Jitter,
}

impl Kind {
    fn letter(self) -> char {
        match self {
            Kind::Process => 'p',
            Kind::Arm => 'a',
            Kind::Timer => 't',
            Kind::BuggifySite => 'e',
            Kind::BuggifyDraw => 'b',
            Kind::Wake => 'w',
            Kind::Hold => 'h',
            Kind::Jitter => 'j',
        }
    }

    fn from_letter(letter: char) -> Option<Kind> {
        Some(match letter {
            'p' => Kind::Process,
            'a' => Kind::Arm,
            't' => Kind::Timer,
            'e' => Kind::BuggifySite,
            'b' => Kind::BuggifyDraw,
            'w' => Kind::Wake,
            'h' => Kind::Hold,
            'j' => Kind::Jitter,
            _ => return None,
        })
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::Process => "the next process",
            Kind::Arm => "a select's next arm",
            Kind::Timer => "the next same-instant timer",
            Kind::BuggifySite => "a buggify! site's enablement",
            Kind::BuggifyDraw => "a buggify! draw",
            Kind::Wake => "a spurious wake (faults)",
            Kind::Hold => "a process held back (faults)",
            Kind::Jitter => "a timer's jitter (faults)",
        })
    }
}

/// One choice a run made, with everything it could have done instead.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ChoicePoint {
    pub(crate) kind: Kind,
    /// The step during which (or before which, for a process) it was made.
    pub(crate) step: u64,
    /// The options, in the order they were offered (at least two).
    pub(crate) options: Vec<u64>,
    pub(crate) default: u64,
    pub(crate) taken: u64,
    /// Every option gives the same run (a select's order that could not
    /// change its outcome): `explore` tries no other.
    pub(crate) inert: bool,
}

impl ChoicePoint {
    pub(crate) fn is_deviation(&self) -> bool {
        self.taken != self.default
    }
}

/// A deviation as a token holds it: the index of its choice point among
/// all of the run's choice points, its kind and the option taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Deviation {
    pub(crate) index: u64,
    pub(crate) kind: Kind,
    pub(crate) value: u64,
}

/// How a run is simulated beyond its choices: what a token's mode item
/// (`s`, `f`, `sf`, or none) says.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Mode {
    /// Each poll completes at most one channel operation, so the schedule
    /// can switch processes at every one (seeded runs).
    pub(crate) fine: bool,
    /// Faults are injected (`Builder::faults`).
    pub(crate) faults: bool,
}

impl Mode {
    fn item(self) -> Option<&'static str> {
        match (self.fine, self.faults) {
            (false, false) => None,
            (true, false) => Some("s"),
            (false, true) => Some("f"),
            (true, true) => Some("sf"),
        }
    }

    fn from_item(item: &str) -> Option<Mode> {
        Some(match item {
            "s" => Mode {
                fine: true,
                faults: false,
            },
            "f" => Mode {
                fine: false,
                faults: true,
            },
            "sf" => Mode {
                fine: true,
                faults: true,
            },
            _ => return None,
        })
    }
}

/// A parsed token: the run's mode, the deviations, and how many choice
/// points the run made in all.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Schedule {
    pub(crate) mode: Mode,
    pub(crate) deviations: Vec<Deviation>,
    pub(crate) total: u64,
}

/// The version tag every token starts with.
const VERSION: &str = "v1";

impl Schedule {
    /// The schedule of a run that made `points`.
    pub(crate) fn of(points: &[ChoicePoint]) -> Schedule {
        let deviations = points
            .iter()
            .enumerate()
            .filter(|(_, point)| point.is_deviation())
            .map(|(index, point)| Deviation {
                index: index as u64,
                kind: point.kind,
                value: point.taken,
            })
            .collect();
        Schedule {
            mode: Mode::default(),
            deviations,
            total: points.len() as u64,
        }
    }

    /// Parses a token; the error says what is wrong with it.
    pub(crate) fn parse(token: &str) -> Result<Schedule, String> {
        let mut items = token.split('.');
        if items.next() != Some(VERSION) {
            return Err(format!(
                "it does not start with the version tag `{VERSION}.`"
            ));
        }
        let mut items: Vec<&str> = items.collect();
        let mut mode = Mode::default();
        if items.len() > 1 {
            if let Some(parsed) = Mode::from_item(items[0]) {
                mode = parsed;
                items.remove(0);
            }
        }
        let Some((last, deviations)) = items.split_last() else {
            return Err("it has no items after the version tag".into());
        };
        let number = |text: &str| -> Result<u64, String> {
            if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
                return Err(format!("{text:?} is not a number"));
            }
            text.parse().map_err(|_| format!("{text:?} is too large"))
        };
        let mut schedule = Schedule {
            mode,
            deviations: Vec::with_capacity(deviations.len()),
            total: 0,
        };
        let mut index = 0u64;
        for item in deviations {
            let Some(at) = item.find(|c: char| c.is_ascii_alphabetic()) else {
                return Err(format!("item {item:?} has no kind letter"));
            };
            let gap = number(&item[..at])?;
            let letter = item[at..].chars().next().unwrap_or('?');
            let Some(kind) = Kind::from_letter(letter) else {
                return Err(format!("item {item:?} has the unknown kind {letter:?}"));
            };
            let value = number(&item[at + 1..])?;
            index = index
                .checked_add(gap)
                .ok_or_else(|| format!("item {item:?} overflows"))?;
            schedule.deviations.push(Deviation { index, kind, value });
            index += 1;
        }
        schedule.total = index
            .checked_add(number(last)?)
            .ok_or_else(|| "the last item overflows".to_string())?;
        Ok(schedule)
    }

    /// The token.
    pub(crate) fn token(&self) -> String {
        let mut token = String::from(VERSION);
        if let Some(item) = self.mode.item() {
            token.push('.');
            token.push_str(item);
        }
        let mut next = 0;
        for deviation in &self.deviations {
            let gap = deviation.index - next;
            token.push_str(&format!(
                ".{gap}{}{}",
                deviation.kind.letter(),
                deviation.value
            ));
            next = deviation.index + 1;
        }
        token.push_str(&format!(".{}", self.total - next));
        token
    }
}

/// What a token names: the choices themselves (`v1.`), or the seeded run
/// that makes them (`v2.`, see [`seeded`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Token {
    Explicit(Schedule),
    Seeded(SeededRun),
}

impl Token {
    /// Parses a token of either form; the error says what is wrong with it.
    pub(crate) fn parse(token: &str) -> Result<Token, String> {
        let tag = token.split('.').next().unwrap_or_default();
        match tag {
            VERSION => Schedule::parse(token).map(Token::Explicit),
            seeded::VERSION => SeededRun::parse(token).map(Token::Seeded),
            _ if tag.len() > 1
                && tag.starts_with('v')
                && tag[1..].bytes().all(|b| b.is_ascii_digit()) =>
            {
                Err(format!(
                    "it is a token of another version of hoare (version tag `{tag}`); this \
                     version reads `{VERSION}.` and `{}.` tokens: make the token again with this \
                     version (rerun the seed or the search that found it)",
                    seeded::VERSION
                ))
            }
            _ => Err(format!(
                "it does not start with a version tag (`{VERSION}.` or `{}.`)",
                seeded::VERSION
            )),
        }
    }

    /// The mode the token's run is made in.
    pub(crate) fn mode(&self) -> Mode {
        match self {
            Token::Explicit(schedule) => schedule.mode,
            Token::Seeded(run) => run.mode,
        }
    }
}

/// Every choice of a run goes through here: the scheduler decides, the
/// recorder keeps the choice points and the first mismatch with a
/// replayed schedule.
pub(crate) struct Recorder {
    scheduler: Box<dyn Scheduler>,
    points: Vec<ChoicePoint>,
    mismatch: Option<(u64, String)>,
}

impl Recorder {
    pub(crate) fn new(scheduler: Box<dyn Scheduler>) -> Self {
        Recorder {
            scheduler,
            points: Vec::new(),
            mismatch: None,
        }
    }

    /// Makes a choice among `options` (not empty) whose default is
    /// `default`, at `step`.
    pub(crate) fn choose(&mut self, kind: Kind, options: &[u64], default: u64, step: u64) -> u64 {
        debug_assert!(options.contains(&default));
        let index = (options.len() > 1).then_some(self.points.len() as u64);
        let request = Request {
            kind,
            options,
            default,
            step,
            index,
        };
        let taken = match self.scheduler.choose(&request) {
            Ok(taken) if options.contains(&taken) => taken,
            Ok(taken) => {
                self.note_mismatch(
                    step,
                    format!("{kind} was {taken}, which is not one of the options {options:?}"),
                );
                default
            }
            Err(reason) => {
                self.note_mismatch(step, reason);
                default
            }
        };
        if index.is_some() {
            self.points.push(ChoicePoint {
                kind,
                step,
                options: options.to_vec(),
                default,
                taken,
                inert: false,
            });
        }
        taken
    }

    /// How many choice points the run has made so far.
    pub(crate) fn point_count(&self) -> usize {
        self.points.len()
    }

    /// Marks the choice points from index `first` on as inert (every
    /// option gives the same run).
    pub(crate) fn mark_inert(&mut self, first: usize) {
        for point in self.points.iter_mut().skip(first) {
            point.inert = true;
        }
    }

    fn note_mismatch(&mut self, step: u64, reason: String) {
        self.mismatch.get_or_insert((step, reason));
    }

    /// The first mismatch with the schedule being replayed: its step and
    /// what did not fit.
    pub(crate) fn mismatch(&self) -> Option<&(u64, String)> {
        self.mismatch.as_ref()
    }

    /// The run is over: a replayed schedule with choices left over is a
    /// mismatch too.
    pub(crate) fn finish(&mut self, step: u64) {
        if let Err(reason) = self.scheduler.finish(self.points.len() as u64) {
            self.note_mismatch(step, reason);
        }
    }

    pub(crate) fn on_spawn(&mut self, process: u64) {
        self.scheduler.on_spawn(process);
    }

    pub(crate) fn on_yield(&mut self, process: u64) {
        self.scheduler.on_yield(process);
    }

    pub(crate) fn into_points(self) -> Vec<ChoicePoint> {
        self.points
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(kind: Kind, default: u64, taken: u64) -> ChoicePoint {
        ChoicePoint {
            kind,
            step: 1,
            options: vec![0, 1, 2, 3],
            default,
            taken,
            inert: false,
        }
    }

    #[test]
    fn a_token_records_only_deviations_run_length_encoded() {
        let mut points = vec![point(Kind::Process, 0, 0); 4];
        points.push(point(Kind::Process, 0, 2));
        points.push(point(Kind::Arm, 0, 1));
        points.extend(vec![point(Kind::Timer, 0, 0); 7]);
        let schedule = Schedule::of(&points);
        assert_eq!(schedule.token(), "v1.4p2.0a1.7");
        assert_eq!(Schedule::parse("v1.4p2.0a1.7"), Ok(schedule));
    }

    #[test]
    fn a_run_without_deviations_is_its_length_alone() {
        let schedule = Schedule::of(&vec![point(Kind::Process, 1, 1); 1_000_000]);
        assert_eq!(schedule.token(), "v1.1000000");
    }

    #[test]
    fn parsing_then_printing_gives_the_token_back() {
        for token in [
            "v1.0",
            "v1.0e1.3b1.0p12.5",
            "v1.9t2.0",
            "v1.s.4p2.0",
            "v1.sf.0w3.2h1.1j2.0",
            "v1.f.7",
        ] {
            assert_eq!(Schedule::parse(token).unwrap().token(), token);
        }
    }

    #[test]
    fn malformed_tokens_are_refused_with_a_reason() {
        for token in [
            "", "v2.3", "v1", "v1.", "v1.3x1.0", "v1.p1.0", "v1.3p.0", "v1.3p1.x", "v1.s",
            "v1.fs.3", "v1.s.s.3",
        ] {
            assert!(Schedule::parse(token).is_err(), "{token:?} was accepted");
        }
    }

    #[test]
    fn a_token_is_read_by_its_version_tag() {
        assert!(matches!(Token::parse("v1.s.4p2.0"), Ok(Token::Explicit(_))));
        assert!(matches!(
            Token::parse("v2.s.random.7.9.1f0e6bd3c82a4457"),
            Ok(Token::Seeded(_))
        ));
        let other = Token::parse("v3.s.4p2.0").unwrap_err();
        assert!(other.contains("another version of hoare"), "{other}");
        let none = Token::parse("s.4p2.0").unwrap_err();
        assert!(none.contains("does not start with a version tag"), "{none}");
    }
}
