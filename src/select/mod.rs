//! Fair selection over channel operations: [`select!`](crate::select!)
//! and the dynamic [`Select`].
//!
//! # `select!` syntax
//!
//! ```
//! use hoare::chan;
//! use std::time::Duration;
//!
//! # hoare::block_on(async {
//! let (tx, rx) = chan::bounded::<u32>(1);
//! let (done_tx, done_rx) = chan::bounded::<()>(1);
//! let more = true;
//! let picked = hoare::select! {
//!     recv(rx) -> msg => format!("got {msg:?}"),
//!     send(tx, 7) -> res => { res.unwrap(); "sent".to_string() }
//!     recv(done_rx) -> _ if more => "done".to_string(),
//!     recv(hoare::time::after(Duration::from_secs(1))) -> _ => "timeout".to_string(),
//! };
//! assert_eq!(picked, "sent"); // the only ready arm
//! # drop(done_tx);
//! # });
//! ```
//!
//! * `recv(rx) -> pat => body`: `pat` binds a `Result<T, RecvError>`.
//! * `send(tx, value) -> pat => body`: `pat` binds a
//!   `Result<(), SendError<T>>`.
//! * `join(handle) -> pat => body`: ready once the process has finished;
//!   `pat` binds its `Result<T, JoinError>`. `handle` is a `JoinHandle`
//!   (moved into the select) or a `&mut JoinHandle` (left as it was when
//!   another arm wins, so it still gives its result later). Polling a
//!   handle, or a `join` arm on it, after it returned its result panics.
//! * `... -> pat if guard => body`: the arm is disabled when `guard` is false.
//! * `default => body`: taken when no enabled arm is ready (at most one).
//! * `biased;` as the first token: ready arms are chosen in written order
//!   (occam's `PRI ALT`) instead of at random.
//!
//! A body is a block (the comma after it is optional) or an expression
//! followed by a comma (optional after the last arm). The select is an
//! expression whose value is the chosen body's; bodies may use `?`,
//! `return`, `break` and `continue` as in a `match`. `select!` awaits, so
//! it is used in async code; blocking code wraps it in
//! [`hoare::block_on`](crate::block_on). Operands may be a `Receiver` or
//! `Sender`, or any reference to one; they are borrowed, not moved, and
//! temporaries such as `hoare::time::after(d)` live for the whole select.
//!
//! # Guarantees
//!
//! * **Evaluation.** Guards first, in written order; then the channel and
//!   value expressions of the enabled arms, each once, in written order.
//!   A disabled arm's expressions are not evaluated.
//! * **Exactly one** arm's operation happens. The other arms have no
//!   effect: nothing is received, nothing sent; a send arm that is not
//!   chosen drops its value before the chosen body runs.
//! * **Fairness.** When several arms are ready, each is chosen with equal
//!   probability (a fresh uniform permutation per attempt, drawn from a
//!   per-thread generator, or from the seed inside a simulation). A select
//!   that waits registers its arms in a random order too.
//! * **`default` is linearizable**: it is taken only if, at some instant
//!   during the select, no enabled arm was ready (checked by a double
//!   collect of the channels' state versions).
//! * **Closed channels are ready**: a recv arm yields `Err(RecvError)`, a
//!   send arm `Err(SendError(value))`.
//! * **Cancellation.** Dropping a waiting select withdraws it from every
//!   channel; a value a sender had already handed to it goes back to the
//!   channel (to the next receiver, or buffered), never lost.
//! * A select never meets itself: its send arm cannot complete its own
//!   recv arm on the same channel.
//! * No enabled arm and no `default`: the select waits forever (Go's nil
//!   channels; a simulation reports it as a deadlock).
//!
//! Malformed input is a compile error naming what was expected:
//!
//! ```compile_fail
//! # let (tx, rx) = hoare::chan::bounded::<u8>(1);
//! # hoare::block_on(async {
//! hoare::select! {
//!     recv(rx) -> _ => {}
//!     default => {}
//!     default => {}
//! }
//! # });
//! ```
//!
//! ```compile_fail
//! # let (tx, rx) = hoare::chan::bounded::<u8>(1);
//! # hoare::block_on(async {
//! hoare::select! {
//!     peek(rx) -> _ => {}
//! }
//! # });
//! ```
//!
//! A malformed arm is named in the message ("malformed recv arm ... in the
//! arm starting `recv(rx) ->`"):
//!
//! ```compile_fail
//! # let (tx, rx) = hoare::chan::bounded::<u8>(1);
//! # hoare::block_on(async {
//! hoare::select! {
//!     recv(rx) -> => {}
//! }
//! # });
//! ```
//!
//! An expression body needs a comma after it; without one the message
//! says so ("missing `,` after the body of the arm `recv(rx) -> _ => ..`"):
//!
//! ```compile_fail
//! # let (tx, rx) = hoare::chan::bounded::<u8>(1);
//! # hoare::block_on(async {
//! hoare::select! {
//!     recv(rx) -> _ => ()
//!     send(tx, 1) -> _ => (),
//! }
//! # });
//! ```
//!
//! A wrong operand is explained in plain words ("a `recv(..)` arm of
//! select! takes a `hoare::chan::Receiver` (or a reference to one), not
//! `u32`"), and so are a receiver in a send arm and a sender in a recv arm:
//!
//! ```compile_fail,E0277
//! # hoare::block_on(async {
//! hoare::select! {
//!     recv(5u32) -> _ => {}
//! }
//! # });
//! ```
//!
//! ```compile_fail,E0277
//! # let (tx, rx) = hoare::chan::bounded::<u8>(1);
//! # hoare::block_on(async {
//! hoare::select! {
//!     send(rx, 1) -> _ => {}
//! }
//! # });
//! ```
//!
//! ```compile_fail,E0277
//! # let (tx, rx) = hoare::chan::bounded::<u8>(1);
//! # hoare::block_on(async {
//! hoare::select! {
//!     recv(tx) -> _ => {}
//! }
//! # });
//! ```
//!
//! A value of the wrong type for a send arm is reported on the value:
//! "expected `String`, found `u32`":
//!
//! ```compile_fail,E0308
//! # let (tx, rx) = hoare::chan::bounded::<String>(1);
//! # hoare::block_on(async {
//! hoare::select! {
//!     send(tx, 1u32) -> _ => {}
//! }
//! # });
//! ```

mod dynamic;
mod join;

pub use dynamic::{Select, SelectFuture, Selected};

/// Waits on several channel operations (and process ends, with `join`)
/// and runs the body of the one that completes. See the
/// [module docs](mod@crate::select) for syntax and guarantees.
///
/// A `join` arm races a process against a channel or a timer; a handle
/// given by `&mut` and not chosen still gives its result later:
///
/// ```
/// use std::time::Duration;
///
/// hoare::run(async {
///     let (go_tx, go) = hoare::chan::bounded::<()>(0);
///     let mut worker = hoare::spawn(async move {
///         go.recv().await.unwrap();
///         42
///     });
///     let first = hoare::select! {
///         join(&mut worker) -> result => format!("finished: {result:?}"),
///         recv(hoare::time::after(Duration::from_millis(10))) -> _ => "still running".to_string(),
///     };
///     assert_eq!(first, "still running");
///     go_tx.send(()).await.unwrap();
///     let second = hoare::select! {
///         join(&mut worker) -> result => result.unwrap(),
///     };
///     assert_eq!(second, 42);
/// });
/// ```
///
/// ```
/// use std::time::Duration;
///
/// hoare::run(async {
///     let (jobs_tx, jobs) = hoare::chan::bounded::<u32>(8);
///     let (quit_tx, quit) = hoare::chan::bounded::<()>(0);
///     hoare::spawn(async move {
///         for job in 0..3 {
///             jobs_tx.send(job).await.unwrap();
///         }
///         quit_tx.send(()).await.unwrap();
///     });
///     let mut done = Vec::new();
///     loop {
///         hoare::select! {
///             recv(jobs) -> job => done.push(job.unwrap()),
///             recv(quit) -> _ => break,
///             recv(hoare::time::after(Duration::from_secs(5))) -> _ => panic!("stalled"),
///         }
///     }
///     // `quit` may win before every buffered job was taken; drain the rest.
///     while let Ok(job) = jobs.try_recv() {
///         done.push(job);
///     }
///     assert_eq!(done, [0, 1, 2]);
/// });
/// ```
#[macro_export]
macro_rules! select {
    () => {
        $crate::__select_impl!(@forever)
    };
    (biased; $($rest:tt)*) => {
        $crate::__select_parse!(@start(true) $($rest)*)
    };
    ($($rest:tt)*) => {
        $crate::__select_parse!(@start(false) $($rest)*)
    };
}

/// Parses `select!` arms into a normalised list (internal).
#[doc(hidden)]
#[macro_export]
macro_rules! __select_parse {
    (@start($b:tt) $($rest:tt)*) => {
        $crate::__select_parse!(
            @biased($b) @default() @arms()
            @names((0 __a0) (1 __a1) (2 __a2) (3 __a3) (4 __a4) (5 __a5) (6 __a6) (7 __a7)
                   (8 __a8) (9 __a9) (10 __a10) (11 __a11) (12 __a12) (13 __a13) (14 __a14) (15 __a15)
                   (16 __a16) (17 __a17) (18 __a18) (19 __a19) (20 __a20) (21 __a21) (22 __a22) (23 __a23)
                   (24 __a24) (25 __a25) (26 __a26) (27 __a27) (28 __a28) (29 __a29) (30 __a30) (31 __a31)
                   (32 __a32) (33 __a33) (34 __a34) (35 __a35) (36 __a36) (37 __a37) (38 __a38) (39 __a39)
                   (40 __a40) (41 __a41) (42 __a42) (43 __a43) (44 __a44) (45 __a45) (46 __a46) (47 __a47)
                   (48 __a48) (49 __a49) (50 __a50) (51 __a51) (52 __a52) (53 __a53) (54 __a54) (55 __a55)
                   (56 __a56) (57 __a57) (58 __a58) (59 __a59) (60 __a60) (61 __a61) (62 __a62) (63 __a63))
            $($rest)*
        )
    };
    // Done: generate.
    (@biased($b:tt) @default($($d:tt)*) @arms($($a:tt)*) @names($($n:tt)*)) => {
        $crate::__select_impl!(@biased($b) @default($($d)*) @arms($($a)*))
    };

    // `default`, once.
    (@biased($b:tt) @default() @arms($($a:tt)*) @names($($n:tt)*) default => $body:block $(, $($rest:tt)*)?) => {
        $crate::__select_parse!(@biased($b) @default($body) @arms($($a)*) @names($($n)*) $($($rest)*)?)
    };
    (@biased($b:tt) @default() @arms($($a:tt)*) @names($($n:tt)*) default => $body:expr $(, $($rest:tt)*)?) => {
        $crate::__select_parse!(@biased($b) @default($body) @arms($($a)*) @names($($n)*) $($($rest)*)?)
    };
    (@biased($b:tt) @default($($d:tt)+) @arms($($a:tt)*) @names($($n:tt)*) default $($rest:tt)*) => {
        ::core::compile_error!("select!: more than one `default` arm; a select has at most one")
    };

    // recv arms: guard or not, block body or expression body.
    (@biased($b:tt) @default($($d:tt)*) @arms($($a:tt)*) @names($n0:tt $($n:tt)*)
        recv($rx:expr) -> $pat:pat if $guard:expr => $body:block $($rest:tt)*) => {
        $crate::__select_parse!(@biased($b) @default($($d)*) @arms($($a)* (recv $n0 ($rx) ($pat) ($guard) ($body))) @names($($n)*) @comma $($rest)*)
    };
    (@biased($b:tt) @default($($d:tt)*) @arms($($a:tt)*) @names($n0:tt $($n:tt)*)
        recv($rx:expr) -> $pat:pat if $guard:expr => $body:expr $(, $($rest:tt)*)?) => {
        $crate::__select_parse!(@biased($b) @default($($d)*) @arms($($a)* (recv $n0 ($rx) ($pat) ($guard) ($body))) @names($($n)*) $($($rest)*)?)
    };
    (@biased($b:tt) @default($($d:tt)*) @arms($($a:tt)*) @names($n0:tt $($n:tt)*)
        recv($rx:expr) -> $pat:pat => $body:block $($rest:tt)*) => {
        $crate::__select_parse!(@biased($b) @default($($d)*) @arms($($a)* (recv $n0 ($rx) ($pat) (true) ($body))) @names($($n)*) @comma $($rest)*)
    };
    (@biased($b:tt) @default($($d:tt)*) @arms($($a:tt)*) @names($n0:tt $($n:tt)*)
        recv($rx:expr) -> $pat:pat => $body:expr $(, $($rest:tt)*)?) => {
        $crate::__select_parse!(@biased($b) @default($($d)*) @arms($($a)* (recv $n0 ($rx) ($pat) (true) ($body))) @names($($n)*) $($($rest)*)?)
    };

    // send arms.
    (@biased($b:tt) @default($($d:tt)*) @arms($($a:tt)*) @names($n0:tt $($n:tt)*)
        send($tx:expr, $value:expr $(,)?) -> $pat:pat if $guard:expr => $body:block $($rest:tt)*) => {
        $crate::__select_parse!(@biased($b) @default($($d)*) @arms($($a)* (send $n0 ($tx, $value) ($pat) ($guard) ($body))) @names($($n)*) @comma $($rest)*)
    };
    (@biased($b:tt) @default($($d:tt)*) @arms($($a:tt)*) @names($n0:tt $($n:tt)*)
        send($tx:expr, $value:expr $(,)?) -> $pat:pat if $guard:expr => $body:expr $(, $($rest:tt)*)?) => {
        $crate::__select_parse!(@biased($b) @default($($d)*) @arms($($a)* (send $n0 ($tx, $value) ($pat) ($guard) ($body))) @names($($n)*) $($($rest)*)?)
    };
    (@biased($b:tt) @default($($d:tt)*) @arms($($a:tt)*) @names($n0:tt $($n:tt)*)
        send($tx:expr, $value:expr $(,)?) -> $pat:pat => $body:block $($rest:tt)*) => {
        $crate::__select_parse!(@biased($b) @default($($d)*) @arms($($a)* (send $n0 ($tx, $value) ($pat) (true) ($body))) @names($($n)*) @comma $($rest)*)
    };
    (@biased($b:tt) @default($($d:tt)*) @arms($($a:tt)*) @names($n0:tt $($n:tt)*)
        send($tx:expr, $value:expr $(,)?) -> $pat:pat => $body:expr $(, $($rest:tt)*)?) => {
        $crate::__select_parse!(@biased($b) @default($($d)*) @arms($($a)* (send $n0 ($tx, $value) ($pat) (true) ($body))) @names($($n)*) $($($rest)*)?)
    };

    // join arms.
    (@biased($b:tt) @default($($d:tt)*) @arms($($a:tt)*) @names($n0:tt $($n:tt)*)
        join($h:expr) -> $pat:pat if $guard:expr => $body:block $($rest:tt)*) => {
        $crate::__select_parse!(@biased($b) @default($($d)*) @arms($($a)* (join $n0 ($h) ($pat) ($guard) ($body))) @names($($n)*) @comma $($rest)*)
    };
    (@biased($b:tt) @default($($d:tt)*) @arms($($a:tt)*) @names($n0:tt $($n:tt)*)
        join($h:expr) -> $pat:pat if $guard:expr => $body:expr $(, $($rest:tt)*)?) => {
        $crate::__select_parse!(@biased($b) @default($($d)*) @arms($($a)* (join $n0 ($h) ($pat) ($guard) ($body))) @names($($n)*) $($($rest)*)?)
    };
    (@biased($b:tt) @default($($d:tt)*) @arms($($a:tt)*) @names($n0:tt $($n:tt)*)
        join($h:expr) -> $pat:pat => $body:block $($rest:tt)*) => {
        $crate::__select_parse!(@biased($b) @default($($d)*) @arms($($a)* (join $n0 ($h) ($pat) (true) ($body))) @names($($n)*) @comma $($rest)*)
    };
    (@biased($b:tt) @default($($d:tt)*) @arms($($a:tt)*) @names($n0:tt $($n:tt)*)
        join($h:expr) -> $pat:pat => $body:expr $(, $($rest:tt)*)?) => {
        $crate::__select_parse!(@biased($b) @default($($d)*) @arms($($a)* (join $n0 ($h) ($pat) (true) ($body))) @names($($n)*) $($($rest)*)?)
    };

    // After a block body: an optional comma.
    (@biased($b:tt) @default($($d:tt)*) @arms($($a:tt)*) @names($($n:tt)*) @comma , $($rest:tt)*) => {
        $crate::__select_parse!(@biased($b) @default($($d)*) @arms($($a)*) @names($($n)*) $($rest)*)
    };
    (@biased($b:tt) @default($($d:tt)*) @arms($($a:tt)*) @names($($n:tt)*) @comma $($rest:tt)*) => {
        $crate::__select_parse!(@biased($b) @default($($d)*) @arms($($a)*) @names($($n)*) $($rest)*)
    };

    // Errors.
    (@biased($b:tt) @default($($d:tt)*) @arms($($a:tt)*) @names() $($rest:tt)+) => {
        ::core::compile_error!("select!: too many arms (at most 64); use hoare::Select for larger sets")
    };
    (@biased($b:tt) @default($($d:tt)*) @arms($($a:tt)*) @names($($n:tt)*) biased $($rest:tt)*) => {
        ::core::compile_error!("select!: `biased;` must come first, before every arm")
    };
    // An arm whose head parses but whose body does not: an expression body
    // not followed by a comma.
    (@biased($b:tt) @default($($d:tt)*) @arms($($a:tt)*) @names($($n:tt)*)
        recv ($($op:tt)*) -> $pat:pat $(if $guard:expr)? => $($rest:tt)*) => {
        $crate::__select_parse!(@missing_comma recv($($op)*) -> $pat $(if $guard)?)
    };
    (@biased($b:tt) @default($($d:tt)*) @arms($($a:tt)*) @names($($n:tt)*)
        send ($($op:tt)*) -> $pat:pat $(if $guard:expr)? => $($rest:tt)*) => {
        $crate::__select_parse!(@missing_comma send($($op)*) -> $pat $(if $guard)?)
    };
    (@biased($b:tt) @default($($d:tt)*) @arms($($a:tt)*) @names($($n:tt)*)
        join ($($op:tt)*) -> $pat:pat $(if $guard:expr)? => $($rest:tt)*) => {
        $crate::__select_parse!(@missing_comma join($($op)*) -> $pat $(if $guard)?)
    };
    (@biased($b:tt) @default($($d:tt)*) @arms($($a:tt)*) @names($($n:tt)*) join $($rest:tt)*) => {
        $crate::__select_parse!(@malformed
            "select!: malformed join arm; expected `join(handle) -> result => body` (optionally `if guard` before `=>`)"
            join $($rest)*)
    };
    (@biased($b:tt) @default($($d:tt)*) @arms($($a:tt)*) @names($($n:tt)*) recv $($rest:tt)*) => {
        $crate::__select_parse!(@malformed
            "select!: malformed recv arm; expected `recv(receiver) -> pattern => body` (optionally `if guard` before `=>`)"
            recv $($rest)*)
    };
    (@biased($b:tt) @default($($d:tt)*) @arms($($a:tt)*) @names($($n:tt)*) send $($rest:tt)*) => {
        $crate::__select_parse!(@malformed
            "select!: malformed send arm; expected `send(sender, value) -> pattern => body` (optionally `if guard` before `=>`)"
            send $($rest)*)
    };
    (@biased($b:tt) @default($($d:tt)*) @arms($($a:tt)*) @names($($n:tt)*) default $($rest:tt)*) => {
        $crate::__select_parse!(@malformed
            "select!: malformed default arm; expected `default => body`"
            default $($rest)*)
    };
    (@biased($b:tt) @default($($d:tt)*) @arms($($a:tt)*) @names($($n:tt)*) $first:tt $($rest:tt)*) => {
        $crate::__select_parse!(@malformed
            "select!: expected an arm: `recv(receiver) -> pattern => body`, `send(sender, value) -> pattern => body`, `join(handle) -> pattern => body` or `default => body`"
            $first $($rest)*)
    };
    (@missing_comma $($head:tt)*) => {
        ::core::compile_error!(::core::concat!(
            "select!: missing `,` after the body of the arm `",
            ::core::stringify!($($head)* => ..),
            "`: an expression body needs a comma after it (a block body `{ .. }` does not)"
        ))
    };
    // The message of a malformed arm, naming the arm by its first tokens
    // (up to its `=>`, or three tokens).
    (@malformed $what:literal $t1:tt $t2:tt -> $($rest:tt)*) => {
        ::core::compile_error!(::core::concat!($what, "; in the arm starting `", ::core::stringify!($t1 $t2 ->), "`"))
    };
    (@malformed $what:literal $t1:tt $t2:tt $t3:tt $($rest:tt)*) => {
        ::core::compile_error!(::core::concat!($what, "; in the arm starting `", ::core::stringify!($t1 $t2 $t3), "`"))
    };
    (@malformed $what:literal $($arm:tt)*) => {
        ::core::compile_error!(::core::concat!($what, "; in the arm `", ::core::stringify!($($arm)*), "`"))
    };
}

/// Generates the code of a parsed `select!` (internal).
#[doc(hidden)]
#[macro_export]
macro_rules! __select_impl {
    (@forever) => {
        loop {
            $crate::select::__private::pending().await
        }
    };
    // Only `default`.
    (@biased($b:tt) @default($d:tt) @arms()) => {
        $d
    };
    // No arm at all: `select! { biased; }`.
    (@biased($b:tt) @default() @arms()) => {
        $crate::__select_impl!(@forever)
    };
    (@biased($b:tt) @default($($d:tt)?) @arms($( ($kind:ident ($index:tt $name:ident) ($($op:tt)*) ($pat:pat) ($guard:expr) ($body:expr)) )+)) => {{
        // Guards first, in written order.
        $( let $name: bool = $guard; )+
        // Then the operands of enabled arms, in written order.
        // Temporaries in the operands (`recv(time::after(d))`) live for the
        // whole select: the borrow sits in extending positions only (an
        // `if`/`else` tail, then a braced struct expression; `Some { 0: .. }`
        // rather than `Some(..)`, which extends only since Rust 1.89).
        $(
            #[allow(clippy::init_numbered_fields, unused_mut)]
            let mut $name = $crate::__select_impl!(@operand $kind $name $($op)*);
        )+
        $( let mut $name = $crate::__select_impl!(@arm $kind $name); )+
        let __index: usize = {
            let mut __arms = [$( &mut $name as &mut (dyn $crate::select::__private::Arm + ::core::marker::Send) ),+];
            $crate::__select_impl!(@run $b ($($d)?) __arms)
        };
        // The arms not chosen drop what they hold (a send's value) before
        // any body runs; each by its own type, so a receive's costs nothing.
        if __index != $crate::select::__private::DEFAULT {
            $( if __index != $index { $crate::select::__private::Arm::discard(&mut $name); } )+
        }
        match __index {
            $( $index => {
                let $pat = $name.take_result().expect("hoare: select! arm completed without a result");
                $body
            } )+
            _ => {
                $crate::__select_impl!(@default_body ($($d)?))
            }
        }
    }};

    (@operand recv $guard:ident $rx:expr) => {
        if $guard { ::core::option::Option::Some { 0: &$rx } } else { ::core::option::Option::None }
    };
    // A struct expression, not a call: it extends the life of a temporary
    // sender, and it checks the value against the sender's message type
    // where the value is written.
    (@operand send $guard:ident $tx:expr, $value:expr) => {
        if $guard {
            ::core::option::Option::Some {
                0: $crate::select::__private::SendOperands { sender: &$tx, value: $value },
            }
        } else {
            ::core::option::Option::None
        }
    };
    // The handle (or `&mut` handle) moves into the select; the arm
    // borrows it mutably, so a handle given by `&mut` is left as it was
    // when another arm wins.
    (@operand join $guard:ident $handle:expr) => {
        if $guard { ::core::option::Option::Some { 0: $handle } } else { ::core::option::Option::None }
    };
    (@arm join $operand:ident) => {
        $crate::select::__private::join_arm(&mut $operand)
    };
    (@arm recv $operand:ident) => {
        $crate::select::__private::recv_arm($operand)
    };
    (@arm send $operand:ident) => {
        $crate::select::__private::send_arm($operand)
    };

    (@run $b:tt () $arms:ident) => {
        match $crate::select::__private::first_try(&mut $arms[..], $b) {
            ::core::result::Result::Ok(index) => index,
            ::core::result::Result::Err(tried) => {
                $crate::select::__private::Selecting::new(&mut $arms[..], $b, tried).await
            }
        }
    };
    (@run $b:tt ($d:tt) $arms:ident) => {
        $crate::select::__private::select_now(&mut $arms[..], $b)
    };
    (@default_body ()) => {
        ::core::unreachable!("hoare: select! chose an arm it does not have")
    };
    (@default_body ($d:tt)) => {
        $d
    };
}

/// Support for the `select!` expansion. Not public API.
#[doc(hidden)]
pub mod __private {
    use std::future::Future;
    use std::pin::Pin;
    use std::task::{Context, Poll};

    pub use super::join::JoinArm;
    pub use crate::chan::operation::{RecvArm, SendArm};
    pub use crate::chan::selection::Arm;
    use crate::chan::{Receiver, Sender};
    use crate::runtime::JoinHandle;

    use crate::chan::selection::{self, FirstTry, Waiting};

    /// The index `select_now` reports for "take `default`".
    pub const DEFAULT: usize = usize::MAX;

    /// Anything `recv(..)` accepts: a `Receiver` or a reference to one.
    #[diagnostic::on_unimplemented(
        message = "a `recv(..)` arm of select! takes a `hoare::chan::Receiver` (or a reference to one), not `{Self}`",
        label = "not a Receiver",
        note = "write `recv(receiver) -> message => body`; to send, write `send(sender, value) -> result => body`"
    )]
    pub trait RecvOperand {
        /// The message type.
        type Item;
        /// The receiver.
        fn receiver(&self) -> &Receiver<Self::Item>;
    }

    impl<T> RecvOperand for Receiver<T> {
        type Item = T;
        fn receiver(&self) -> &Receiver<T> {
            self
        }
    }

    impl<R: RecvOperand + ?Sized> RecvOperand for &R {
        type Item = R::Item;
        fn receiver(&self) -> &Receiver<R::Item> {
            (**self).receiver()
        }
    }

    /// Anything `send(..)` accepts: a `Sender` or a reference to one.
    #[diagnostic::on_unimplemented(
        message = "a `send(..)` arm of select! takes a `hoare::chan::Sender` (or a reference to one), not `{Self}`",
        label = "not a Sender",
        note = "write `send(sender, value) -> result => body`; to receive, write `recv(receiver) -> message => body`"
    )]
    pub trait SendOperand {
        /// The message type.
        type Item;
        /// The sender.
        fn sender(&self) -> &Sender<Self::Item>;
    }

    impl<T> SendOperand for Sender<T> {
        type Item = T;
        fn sender(&self) -> &Sender<T> {
            self
        }
    }

    impl<S: SendOperand + ?Sized> SendOperand for &S {
        type Item = S::Item;
        fn sender(&self) -> &Sender<S::Item> {
            (**self).sender()
        }
    }

    /// A send arm's operands. The value's type follows from the sender's,
    /// so a value of the wrong type is reported on the value as "expected
    /// `T`, found `U`".
    pub struct SendOperands<'a, S: SendOperand + ?Sized> {
        /// The sender (or a reference to one).
        pub sender: &'a S,
        /// The value to send.
        pub value: S::Item,
    }

    /// Anything `join(..)` accepts: a `JoinHandle` or a `&mut` one.
    #[diagnostic::on_unimplemented(
        message = "a `join(..)` arm of select! takes a `hoare::JoinHandle` (or a `&mut` one), not `{Self}`",
        label = "not a JoinHandle",
        note = "write `join(handle) -> result => body` or `join(&mut handle) -> result => body`"
    )]
    pub trait JoinOperand {
        /// The process's output type.
        type Output;
        /// The handle.
        fn handle(&mut self) -> &mut JoinHandle<Self::Output>;
    }

    impl<T> JoinOperand for JoinHandle<T> {
        type Output = T;
        fn handle(&mut self) -> &mut JoinHandle<T> {
            self
        }
    }

    impl<J: JoinOperand + ?Sized> JoinOperand for &mut J {
        type Output = J::Output;
        fn handle(&mut self) -> &mut JoinHandle<J::Output> {
            (**self).handle()
        }
    }

    /// A join arm on `operand`, disabled for `None`.
    pub fn join_arm<J: JoinOperand>(operand: &mut Option<J>) -> JoinArm<'_, J::Output> {
        JoinArm::new(operand.as_mut().map(JoinOperand::handle))
    }

    /// A recv arm on `operand`, disabled for `None`.
    pub fn recv_arm<R: RecvOperand + ?Sized>(operand: Option<&R>) -> RecvArm<'_, R::Item> {
        RecvArm::new(operand.map(|operand| operand.receiver().shared()))
    }

    /// A send arm on `operand`, disabled for `None`.
    pub fn send_arm<S: SendOperand + ?Sized>(
        operand: Option<SendOperands<'_, S>>,
    ) -> SendArm<'_, S::Item> {
        match operand {
            Some(SendOperands { sender, value }) => {
                SendArm::new(Some(sender.sender().shared()), Some(value))
            }
            None => SendArm::new(None, None),
        }
    }

    /// A select without `default`, before its future is made: `Ok(arm)`
    /// if an arm completed at once; otherwise `Err(tried)`, `tried`
    /// telling the future that a try pass found no arm ready just now.
    #[inline]
    pub fn first_try(arms: &mut [&mut (dyn Arm + Send)], biased: bool) -> Result<usize, bool> {
        match selection::first_try(arms, biased) {
            FirstTry::Chosen(index) => Ok(index),
            FirstTry::NoneReady => Err(true),
            FirstTry::Untried => Err(false),
        }
    }

    /// A select with a `default` arm: the ready arm, or [`DEFAULT`]. The
    /// other arms are left to the expansion to discard, as after
    /// [`Selecting`].
    pub fn select_now(arms: &mut [&mut (dyn Arm + Send)], biased: bool) -> usize {
        selection::select_now(arms, biased).unwrap_or(DEFAULT)
    }

    /// Never completes: `select! {}` and a select without arms. Dumps
    /// and deadlock reports show it as a select with every arm disabled.
    pub fn pending() -> Forever {
        Forever
    }

    /// The future of [`pending`].
    #[derive(Debug)]
    pub struct Forever;

    impl Future for Forever {
        type Output = ();

        fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
            crate::runtime::hooks::note_waiting(cx.waker(), || {
                [crate::runtime::wait::Wait::Forever]
            });
            Poll::Pending
        }
    }

    /// The future of a `select!` without `default`.
    pub struct Selecting<'a, 'b> {
        arms: &'a mut [&'b mut (dyn Arm + Send)],
        waiting: Waiting,
        biased: bool,
        /// [`first_try`] found no arm ready just before the first poll.
        tried: bool,
    }

    impl<'a, 'b> Selecting<'a, 'b> {
        /// Selects over `arms`; `tried` as [`first_try`] reported it.
        pub fn new(arms: &'a mut [&'b mut (dyn Arm + Send)], biased: bool, tried: bool) -> Self {
            Selecting {
                arms,
                waiting: Waiting::new(),
                biased,
                tried,
            }
        }
    }

    impl Future for Selecting<'_, '_> {
        type Output = usize;

        fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<usize> {
            let this = self.get_mut();
            selection::poll_select(
                this.arms,
                &mut this.waiting,
                this.biased,
                false,
                &mut this.tried,
                cx,
            )
        }
    }

    impl Drop for Selecting<'_, '_> {
        fn drop(&mut self) {
            selection::cancel(self.arms, &mut self.waiting);
        }
    }
}
