//! The width human output is laid out for: the terminal's when the output goes to one, a
//! fixed 100 columns otherwise, so that a pipe, a file or a CI log reads the same on every
//! machine.

use std::io::IsTerminal;
use std::sync::OnceLock;

/// The width when the output is not a terminal.
pub const DEFAULT: usize = 100;

/// The narrowest width used, whatever the terminal says: narrower, a diagnostic's frame
/// leaves no room for its text.
pub const MIN: usize = 40;

/// The width for what goes to stdout (findings).
pub fn stdout() -> usize {
    static WIDTH: OnceLock<usize> = OnceLock::new();
    *WIDTH.get_or_init(|| {
        let out = std::io::stdout();
        choose(out.is_terminal(), columns().as_deref(), || {
            terminal_size::terminal_size_of(&out).map(|(w, _)| usize::from(w.0))
        })
    })
}

/// The width for what goes to stderr (configuration errors).
pub fn stderr() -> usize {
    static WIDTH: OnceLock<usize> = OnceLock::new();
    *WIDTH.get_or_init(|| {
        let err = std::io::stderr();
        choose(err.is_terminal(), columns().as_deref(), || {
            terminal_size::terminal_size_of(&err).map(|(w, _)| usize::from(w.0))
        })
    })
}

fn columns() -> Option<String> {
    std::env::var("COLUMNS").ok()
}

/// The width for a stream: when it is a terminal, `COLUMNS` if it holds a positive number
/// (shells set it, and it lets a user choose), else what `query` asks the terminal, else
/// [`DEFAULT`]; [`DEFAULT`] when it is not a terminal. Never below [`MIN`].
pub fn choose(
    is_terminal: bool,
    columns: Option<&str>,
    query: impl FnOnce() -> Option<usize>,
) -> usize {
    if !is_terminal {
        return DEFAULT;
    }
    columns
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|&c| c > 0)
        .or_else(query)
        .filter(|&c| c > 0)
        .unwrap_or(DEFAULT)
        .max(MIN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_terminal_uses_columns_then_its_size() {
        assert_eq!(choose(true, Some("132"), || Some(80)), 132);
        assert_eq!(choose(true, None, || Some(80)), 80);
        assert_eq!(choose(true, Some("wide"), || Some(80)), 80);
        assert_eq!(choose(true, Some("0"), || None), DEFAULT);
        assert_eq!(choose(true, None, || None), DEFAULT);
        assert_eq!(choose(true, Some("12"), || None), MIN);
    }

    #[test]
    fn anything_else_is_100_columns() {
        assert_eq!(choose(false, Some("60"), || Some(60)), DEFAULT);
    }
}
