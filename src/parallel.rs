//! Independent pieces of work on every core, their results kept in input order, so that a
//! plan made on two cores is the plan made on one.

use std::sync::atomic::{AtomicUsize, Ordering};

/// The threads worth starting for `jobs` pieces of work.
fn threads_for(jobs: usize) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    cores.min(jobs).max(1)
}

/// `f` of every item, in the items' order. Items are handed out one at a time, so a few slow
/// ones do not leave a core idle.
pub fn map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = threads_for(items.len());
    if threads < 2 {
        return items.iter().map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(item) = items.get(i) else {
                return done;
            };
            done.push((i, f(item)));
        }
    };
    let mut results: Vec<Option<R>> = std::iter::repeat_with(|| None).take(items.len()).collect();
    std::thread::scope(|scope| {
        let helpers: Vec<_> = (1..threads).map(|_| scope.spawn(work)).collect();
        let mine = work();
        for (i, r) in helpers.into_iter().flat_map(join).chain(mine) {
            results[i] = Some(r);
        }
    });
    results.into_iter().flatten().collect()
}

/// `f` of every item of a long list, each core taking one contiguous part: for many cheap
/// items, where handing them out one by one would cost more than the work. Each part's items
/// are worked through with one `state`, made by `init` (a cache of what neighbouring items
/// share).
pub fn map_parts<T: Send, S, R: Send>(
    items: Vec<T>,
    init: impl Fn() -> S + Sync,
    f: impl Fn(&mut S, T) -> R + Sync,
) -> Vec<R> {
    const MIN_PART: usize = 4096;
    let threads = threads_for(items.len() / MIN_PART);
    let run = |part: Vec<T>| {
        let mut state = init();
        part.into_iter()
            .map(|item| f(&mut state, item))
            .collect::<Vec<_>>()
    };
    if threads < 2 {
        return run(items);
    }
    let part = items.len().div_ceil(threads);
    let mut rest = items;
    let mut parts = Vec::with_capacity(threads);
    while rest.len() > part {
        let tail = rest.split_off(part);
        parts.push(std::mem::replace(&mut rest, tail));
    }
    parts.push(rest);
    let run = &run;
    std::thread::scope(|scope| {
        let mut parts = parts.into_iter();
        let first = parts.next().unwrap_or_default();
        let helpers: Vec<_> = parts.map(|part| scope.spawn(move || run(part))).collect();
        let mut results = run(first);
        for helper in helpers {
            results.extend(join(helper));
        }
        results
    })
}

/// Two pieces of work at once.
pub fn both<A: Send, B: Send>(a: impl FnOnce() -> A + Send, b: impl FnOnce() -> B) -> (A, B) {
    std::thread::scope(|scope| {
        let a = scope.spawn(a);
        let b = b();
        (join(a), b)
    })
}

/// A panic in a worker is a bug: it surfaces as the panic it is.
pub(crate) fn join<R>(handle: std::thread::ScopedJoinHandle<'_, R>) -> R {
    handle
        .join()
        .unwrap_or_else(|e| std::panic::resume_unwind(e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_keeps_the_order_of_the_items() {
        let items: Vec<usize> = (0..1000).collect();
        assert_eq!(
            map(&items, |i| i * 2),
            items.iter().map(|i| i * 2).collect::<Vec<_>>()
        );
        assert_eq!(map(&[] as &[usize], |i| *i), Vec::<usize>::new());
    }

    #[test]
    fn map_parts_keeps_the_order_of_the_items() {
        for n in [0, 1, 4095, 8192, 8193, 50_001] {
            let items: Vec<usize> = (0..n).collect();
            assert_eq!(
                map_parts(items.clone(), || (), |(), i| i + 1),
                items.iter().map(|i| i + 1).collect::<Vec<_>>()
            );
        }
    }

    #[test]
    fn map_parts_gives_each_part_its_own_state() {
        // The state counts the items its part has seen: each part counts from zero, in order.
        let items: Vec<usize> = (0..50_001).collect();
        let seen = map_parts(
            items,
            || 0usize,
            |count, _| {
                *count += 1;
                *count
            },
        );
        let restarts = seen.windows(2).filter(|w| w[1] != w[0] + 1).count();
        assert_eq!(seen[0], 1);
        assert!(seen.windows(2).all(|w| w[1] == w[0] + 1 || w[1] == 1));
        assert!(restarts < threads_for(seen.len() / 4096), "{restarts}");
    }

    #[test]
    fn both_returns_both_results() {
        assert_eq!(both(|| 1, || "two"), (1, "two"));
    }
}
