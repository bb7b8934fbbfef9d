//! Errors as values: every failure a user can cause names the file, line and column it came from.

use std::path::PathBuf;

/// Result alias used throughout the library.
pub type Result<T> = std::result::Result<T, Error>;

/// Everything that can go wrong, with enough context to fix the input.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An operating-system error while reading or writing a file.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// Malformed input at a known place in a file (line and column are 1-based).
    #[error("{}", fmt_at(path, *line, column.as_ref(), message))]
    Input {
        /// The file.
        path: PathBuf,
        /// The 1-based line, when known.
        line: Option<u64>,
        /// The column's name, when known.
        column: Option<String>,
        /// What is wrong.
        message: String,
    },
    /// A formula, spec or argument that cannot be used as given.
    #[error("{0}")]
    Usage(String),
    /// Data that parsed but cannot be used for the requested computation.
    #[error("{0}")]
    Data(String),
    /// A numerical failure (singular system, non-convergence) with what was being computed.
    #[error("{0}")]
    Numeric(String),
    /// A network failure while fetching official data.
    #[error("{0}")]
    Fetch(String),
}

fn fmt_at(
    path: &std::path::Path,
    line: Option<u64>,
    column: Option<&String>,
    message: &str,
) -> String {
    let mut s = path.display().to_string();
    if let Some(l) = line {
        s.push_str(&format!(":{l}"));
    }
    if let Some(c) = column {
        s.push_str(&format!(": column '{c}'"));
    }
    format!("{s}: {message}")
}

impl Error {
    /// An input error at `path`, line `line`, column `column`.
    pub fn input(
        path: impl Into<PathBuf>,
        line: Option<u64>,
        column: Option<&str>,
        message: impl Into<String>,
    ) -> Self {
        Error::Input {
            path: path.into(),
            line,
            column: column.map(str::to_string),
            message: message.into(),
        }
    }

    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}
