//! File helpers shared by every stage: atomic writes (never a partial output) and content hashes.

use crate::error::{Error, Result};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::Path;

/// Writes `bytes` to `path` through a temporary file in the same directory, then renames it,
/// so a reader never sees a half-written file and a failure leaves any old file untouched.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    // A symlink is written through (its target is replaced), and a device or pipe
    // (`--out /dev/stdout`) is written to directly: neither is turned into a regular file.
    if let Ok(meta) = std::fs::symlink_metadata(path) {
        if meta.file_type().is_symlink() {
            let target = std::fs::canonicalize(path).map_err(|e| Error::io(path, e))?;
            return write_atomic(&target, bytes);
        }
        if !meta.is_file() && !meta.is_dir() {
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .open(path)
                .map_err(|e| Error::io(path, e))?;
            return f.write_all(bytes).map_err(|e| Error::io(path, e));
        }
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let mut tmp = staged_file(dir)?;
    tmp.write_all(bytes).map_err(|e| Error::io(path, e))?;
    tmp.as_file().sync_all().map_err(|e| Error::io(path, e))?;
    tmp.persist(path).map_err(|e| Error::io(path, e.error))?;
    Ok(())
}

/// A temporary file in `dir` with ordinary file permissions (readable by all, as a plain
/// `File::create` would give), rather than the private mode temporary files start with.
fn staged_file(dir: &Path) -> Result<tempfile::NamedTempFile> {
    let tmp = tempfile::Builder::new()
        .prefix(".staged-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| Error::io(dir, e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))
            .map_err(|e| Error::io(tmp.path(), e))?;
    }
    Ok(tmp)
}

/// Writes several files all-or-nothing as far as the file system allows: every file is first
/// rendered to a temporary sibling, and only when all succeeded are they renamed into place.
pub fn write_all_atomic(files: &[(&Path, Vec<u8>)]) -> Result<()> {
    let mut staged = Vec::with_capacity(files.len());
    for (path, bytes) in files {
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let mut tmp = staged_file(dir)?;
        tmp.write_all(bytes).map_err(|e| Error::io(*path, e))?;
        staged.push((tmp, *path));
    }
    for (tmp, path) in staged {
        tmp.persist(path).map_err(|e| Error::io(path, e.error))?;
    }
    Ok(())
}

/// Reads a whole file, naming it in the error.
pub fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| Error::io(path, e))
}

/// Lower-case hex sha256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Lower-case hex sha256 of a file's contents.
pub fn sha256_file(path: &Path) -> Result<String> {
    Ok(sha256_hex(&read(path)?))
}

/// Prints to standard output; a closed pipe (`tool FILE | head`) ends the
/// output quietly instead of panicking as `println!` does.
pub fn print(text: &str) {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    if out
        .write_all(text.as_bytes())
        .and_then(|_| out.flush())
        .is_err()
    {
        std::process::exit(0);
    }
}

/// [`print()`] followed by a newline.
pub fn println(text: &str) {
    print(&format!("{text}\n"));
}

/// Prints to standard error, ignoring a closed or failing stream: progress and diagnostics
/// must never abort the work they describe (`cmd 2>&1 | head -1`).
pub fn eprint(text: &str) {
    use std::io::Write as _;
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(text.as_bytes()).and_then(|_| err.flush());
}

/// [`eprint`] followed by a newline.
pub fn eprintln(text: &str) {
    eprint(&format!("{text}\n"));
}
