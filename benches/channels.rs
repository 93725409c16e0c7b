//! Criterion benches: hoare and the peers side by side over the shared
//! scenarios in `scenarios/`. Sizes are small so that a full
//! `cargo bench --bench channels` takes minutes; `cargo bench --bench
//! versus` prints the comparison table.
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

#[path = "scenarios/mod.rs"]
mod scenarios;

use scenarios::{channels::*, latency::*, runtime::*, throughput::*, *};

const MESSAGES: u64 = 20_000;

/// Sums `iters` runs of a scenario that times itself.
fn iterate(iters: u64, mut run: impl FnMut() -> Duration) -> Duration {
    (0..iters).map(|_| run()).sum()
}

fn throughput_async<C: AsyncChannel>(c: &mut Criterion, rt: Rt, setting: &str) {
    let mut group = c.benchmark_group(format!("{setting}/{}", C::NAME));
    group
        .sample_size(10)
        .throughput(Throughput::Elements(MESSAGES));
    for shape in Shape::ALL {
        for cap in CAPS {
            if run_async::<C>(rt, shape, cap, 4).is_none() {
                continue;
            }
            let id = BenchmarkId::new(shape.name(), cap_name(cap));
            group.bench_function(id, |b| {
                b.iter_custom(|iters| {
                    iterate(iters, || {
                        run_async::<C>(rt, shape, cap, MESSAGES).expect("supported")
                    })
                })
            });
        }
    }
    group.finish();
}

fn own_runtimes(c: &mut Criterion) {
    throughput_async::<Hoare>(c, Rt::Hoare, "own-runtime");
    throughput_async::<Tokio>(c, Rt::Tokio, "own-runtime");
}

fn on_tokio(c: &mut Criterion) {
    throughput_async::<Hoare>(c, Rt::Tokio, "on-tokio");
    throughput_async::<Tokio>(c, Rt::Tokio, "on-tokio");
    throughput_async::<Flume>(c, Rt::Tokio, "on-tokio");
    throughput_async::<Kanal>(c, Rt::Tokio, "on-tokio");
    throughput_async::<AsyncChan>(c, Rt::Tokio, "on-tokio");
}

fn os_threads(c: &mut Criterion) {
    for (lib, name) in [
        (Blocking::Hoare, "hoare"),
        (Blocking::Crossbeam, "crossbeam"),
    ] {
        let mut group = c.benchmark_group(format!("threads/{name}"));
        group
            .sample_size(10)
            .throughput(Throughput::Elements(MESSAGES));
        for shape in Shape::ALL {
            for cap in CAPS {
                if run_blocking(lib, shape, cap, 4).is_none() {
                    continue;
                }
                let id = BenchmarkId::new(shape.name(), cap_name(cap));
                group.bench_function(id, |b| {
                    b.iter_custom(|iters| {
                        iterate(iters, || {
                            run_blocking(lib, shape, cap, MESSAGES).expect("supported")
                        })
                    })
                });
            }
        }
        group.finish();
    }
}

fn runtime(c: &mut Criterion) {
    let mut group = c.benchmark_group("runtime");
    group.sample_size(10);
    for (rt, name) in [(Rt::Hoare, "hoare"), (Rt::Tokio, "tokio")] {
        group.bench_function(BenchmarkId::new("spawn 100k", name), |b| {
            b.iter_custom(|iters| iterate(iters, || spawn_join(rt, 100_000)))
        });
        group.bench_function(BenchmarkId::new("ring 1000 x 100k hops cap 1", name), |b| {
            b.iter_custom(|iters| {
                iterate(iters, || match rt {
                    Rt::Hoare => ring::<Hoare>(rt, 1000, Some(1), 100_000).expect("cap"),
                    Rt::Tokio | Rt::TokioCurrentThread => {
                        ring::<Tokio>(rt, 1000, Some(1), 100_000).expect("cap")
                    }
                })
            })
        });
        group.bench_function(BenchmarkId::new("skynet 100k", name), |b| {
            b.iter_custom(|iters| {
                iterate(iters, || match rt {
                    Rt::Hoare => skynet::<Hoare>(rt, 100_000),
                    Rt::Tokio | Rt::TokioCurrentThread => skynet::<Tokio>(rt, 100_000),
                })
            })
        });
        group.bench_function(BenchmarkId::new("ping-pong 10k cap 1", name), |b| {
            b.iter_custom(|iters| {
                iterate(iters, || {
                    let times = match rt {
                        Rt::Hoare => ping_pong::<Hoare>(rt, Some(1), false, 10_000),
                        Rt::Tokio | Rt::TokioCurrentThread => {
                            ping_pong::<Tokio>(rt, Some(1), false, 10_000)
                        }
                    };
                    times.expect("cap").iter().sum()
                })
            })
        });
    }
    group.finish();
}

criterion_group!(benches, own_runtimes, on_tokio, os_threads, runtime);
criterion_main!(benches);
