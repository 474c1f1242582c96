//! An order-preserving parallel map over the machine's cores, for reading and parsing
//! many files. Below `min_per_thread` items per thread it stays on the calling thread,
//! where spawning would cost more than it saves.
//!
//! Why not rayon: its global pool starts every worker thread on the first parallel call,
//! however few the items, and a pre-commit hook usually reads a handful of files; with the
//! threshold check kept in front of it, rayon would add five crates for a map this small.

/// Applies `f` to every item, on up to `available_parallelism` scoped threads, and returns
/// the results in the order of `items`.
pub fn map<T: Send, R: Send>(
    items: Vec<T>,
    min_per_thread: usize,
    f: impl Fn(T) -> R + Sync,
) -> Vec<R> {
    map_with(items, min_per_thread, || (), |(), item| f(item))
}

/// Like [`map`], with a state each thread makes once with `init` and hands to every call
/// of `f` on that thread (e.g. the directory the previous file was opened in).
pub fn map_with<T: Send, R: Send, S>(
    items: Vec<T>,
    min_per_thread: usize,
    init: impl Fn() -> S + Sync,
    f: impl Fn(&mut S, T) -> R + Sync,
) -> Vec<R> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(items.len() / min_per_thread.max(1))
        .max(1);
    if threads == 1 {
        let mut state = init();
        return items.into_iter().map(|item| f(&mut state, item)).collect();
    }
    let total = items.len();
    let chunk = total.div_ceil(threads);
    let mut chunks: Vec<Vec<T>> = Vec::with_capacity(threads);
    let mut rest = items.into_iter();
    loop {
        let part: Vec<T> = rest.by_ref().take(chunk).collect();
        if part.is_empty() {
            break;
        }
        chunks.push(part);
    }
    let (f, init) = (&f, &init);
    std::thread::scope(|scope| {
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|part| {
                scope.spawn(move || {
                    let mut state = init();
                    part.into_iter()
                        .map(|item| f(&mut state, item))
                        .collect::<Vec<R>>()
                })
            })
            .collect();
        // Made at its full size at once: results can be large (a parsed task file is),
        // and growing the vector copies them over and over.
        let mut out = Vec::with_capacity(total);
        for h in handles {
            out.extend(h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)));
        }
        out
    })
}

/// Writes `f(item)` into the slot of `out` at each item's position, on up to
/// `available_parallelism` scoped threads (one chunk of both each): [`map`] without a
/// second buffer of results, for results that are large (a parsed task file is) and
/// many. `out` holds at least as many slots as `items` has items; the others stay as
/// they are.
pub fn fill<T: Sync, R: Send>(
    items: &[T],
    out: &mut [R],
    min_per_thread: usize,
    f: impl Fn(&T) -> R + Sync,
) {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(items.len() / min_per_thread.max(1))
        .max(1);
    let chunk = items.len().div_ceil(threads).max(1);
    if threads == 1 {
        for (item, slot) in items.iter().zip(out.iter_mut()) {
            *slot = f(item);
        }
        return;
    }
    let f = &f;
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .zip(out.chunks_mut(chunk))
            .map(|(part, slots)| {
                scope.spawn(move || {
                    for (item, slot) in part.iter().zip(slots.iter_mut()) {
                        *slot = f(item);
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap_or_else(|e| std::panic::resume_unwind(e));
        }
    });
}

#[cfg(test)]
mod tests {
    #[test]
    fn fill_writes_each_result_at_its_item() {
        for n in [0usize, 1, 9, 10, 11, 1000, 1001] {
            let items: Vec<usize> = (0..n).collect();
            let mut out = vec![usize::MAX; n + 2];
            super::fill(&items, &mut out, 10, |x| x * 3);
            let want: Vec<usize> = (0..n).map(|x| x * 3).collect();
            assert_eq!(out.get(..n), Some(want.as_slice()), "{n}");
            assert_eq!(out.get(n..), Some([usize::MAX; 2].as_slice()), "{n}");
        }
    }

    #[test]
    fn keeps_order_across_threads() {
        let items: Vec<u32> = (0..1000).collect();
        let out = super::map(items, 10, |x| x * 2);
        assert_eq!(out, (0..1000).map(|x| x * 2).collect::<Vec<_>>());
        assert_eq!(super::map(vec![1, 2], 10, |x| x + 1), [2, 3]);
        assert!(super::map(Vec::<u8>::new(), 1, |x| x).is_empty());
    }

    #[test]
    fn each_thread_keeps_its_own_state() {
        // The state counts the items a thread has seen: it starts at 1 on each thread, and
        // the counts restart at most once per thread.
        let out = super::map_with(
            (0..1000).collect(),
            10,
            || 0u32,
            |seen, x: u32| {
                *seen += 1;
                (x, *seen)
            },
        );
        assert_eq!(
            out.iter().map(|(x, _)| *x).collect::<Vec<_>>(),
            (0..1000).collect::<Vec<_>>()
        );
        let threads = out.iter().filter(|(_, seen)| *seen == 1).count();
        assert!(
            (1..=std::thread::available_parallelism().map_or(1, |n| n.get())).contains(&threads)
        );
        assert_eq!(out.first(), Some(&(0, 1)));
    }
}
