//! All-or-nothing output sets: a folder of outputs (tables, figures, a report) is replaced as a
//! whole or not at all.
//!
//! The protocol, for an output folder `D` with parent `P`:
//! 1. take an exclusive lock on `P/.D.lock`, so two runs into one folder cannot interleave;
//! 2. remove any `P/.D.staging-*` left by a killed run (the lock proves nobody owns it);
//! 3. build the complete new folder in `P/.D.staging-<pid>`: every file of the set, plus hard
//!    links to the files of `D` that the set does not replace (so nothing else is lost);
//! 4. swap it in with one atomic `renameat2(RENAME_EXCHANGE)` (Linux; elsewhere two renames),
//!    then delete the old folder, now at the staging path.
//!
//! A reader of `D` therefore sees either the complete old set or the complete new one, whenever
//! the process is killed. The environment variable `PANELKIT_ABORT_AT` (`staged` or `swapped`)
//! aborts the process at those points; tests use it to check the claim.

use crate::error::{Error, Result};
use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Writes `files` (paths under `dir`, with their bytes) as one all-or-nothing set into `dir`.
/// Files of `dir` not named in the set are kept. Errors if a path is outside `dir`, if another
/// process holds the folder's lock, or on any I/O failure (then `dir` is untouched).
pub fn write_set(dir: &Path, files: &[(PathBuf, Vec<u8>)]) -> Result<()> {
    if files.is_empty() {
        return Err(Error::Data(format!(
            "{}: no outputs to write",
            dir.display()
        )));
    }
    let target = resolve(dir)?;
    let parent = target
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    let name = target
        .file_name()
        .ok_or_else(|| Error::Usage(format!("{}: not a folder name", dir.display())))?
        .to_string_lossy()
        .into_owned();
    fs::create_dir_all(&parent).map_err(|e| Error::io(&parent, e))?;
    let _lock = lock(&parent.join(format!(".{name}.lock")), dir)?;
    clean_stale(&parent, &name)?;

    let staging = parent.join(format!(".{name}.staging-{}", std::process::id()));
    let result = stage(&target, &staging, dir, files).and_then(|()| {
        abort_at("staged");
        swap(&staging, &target)
    });
    if result.is_err() {
        let _ = fs::remove_dir_all(&staging);
        return result;
    }
    abort_at("swapped");
    // After the exchange the staging path holds the old folder (or nothing).
    if staging.exists() {
        fs::remove_dir_all(&staging).map_err(|e| Error::io(&staging, e))?;
    }
    sync_dir(&parent);
    Ok(())
}

/// The folder to replace: a symlink is followed, so the link keeps pointing at the outputs.
fn resolve(dir: &Path) -> Result<PathBuf> {
    let abs = if dir.is_absolute() {
        dir.to_path_buf()
    } else {
        std::env::current_dir()
            .map_err(|e| Error::io(dir, e))?
            .join(dir)
    };
    match fs::symlink_metadata(&abs) {
        Ok(m) if m.file_type().is_symlink() => {
            fs::canonicalize(&abs).map_err(|e| Error::io(dir, e))
        }
        Ok(m) if !m.is_dir() => Err(Error::Usage(format!(
            "{}: exists and is not a folder",
            dir.display()
        ))),
        _ => Ok(abs),
    }
}

/// An exclusive lock held until the returned file is dropped.
fn lock(path: &Path, dir: &Path) -> Result<File> {
    let f = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .map_err(|e| Error::io(path, e))?;
    match f.try_lock() {
        Ok(()) => Ok(f),
        Err(fs::TryLockError::WouldBlock) => Err(Error::Usage(format!(
            "{}: another run is writing into this folder (lock {} is held); wait for it to finish",
            dir.display(),
            path.display()
        ))),
        Err(fs::TryLockError::Error(e)) => Err(Error::io(path, e)),
    }
}

/// Removes staging folders of `name` left behind by killed runs.
fn clean_stale(parent: &Path, name: &str) -> Result<()> {
    let prefix = format!(".{name}.staging-");
    let entries = fs::read_dir(parent).map_err(|e| Error::io(parent, e))?;
    for entry in entries.flatten() {
        if entry.file_name().to_string_lossy().starts_with(&prefix) {
            let p = entry.path();
            fs::remove_dir_all(&p).map_err(|e| Error::io(&p, e))?;
        }
    }
    Ok(())
}

/// Builds the complete new folder at `staging`.
fn stage(target: &Path, staging: &Path, dir: &Path, files: &[(PathBuf, Vec<u8>)]) -> Result<()> {
    fs::create_dir(staging).map_err(|e| Error::io(staging, e))?;
    let mut rels = Vec::with_capacity(files.len());
    for (path, bytes) in files {
        let rel = relative(path, dir, target)?;
        let dest = staging.join(&rel);
        if let Some(p) = dest.parent() {
            fs::create_dir_all(p).map_err(|e| Error::io(p, e))?;
        }
        let mut f = File::create(&dest).map_err(|e| Error::io(path, e))?;
        f.write_all(bytes).map_err(|e| Error::io(path, e))?;
        f.sync_all().map_err(|e| Error::io(path, e))?;
        rels.push(rel);
    }
    if target.is_dir() {
        carry_over(target, staging, Path::new(""), &rels)?;
    }
    Ok(())
}

/// `path` relative to the output folder; paths outside it are refused.
fn relative(path: &Path, dir: &Path, target: &Path) -> Result<PathBuf> {
    let rel = path
        .strip_prefix(dir)
        .or_else(|_| path.strip_prefix(target))
        .map_err(|_| {
            Error::Usage(format!(
                "{}: outside the output folder {}",
                path.display(),
                dir.display()
            ))
        })?;
    if rel.as_os_str().is_empty()
        || rel
            .components()
            .any(|c| !matches!(c, std::path::Component::Normal(_)))
    {
        return Err(Error::Usage(format!(
            "{}: not a plain file path inside {}",
            path.display(),
            dir.display()
        )));
    }
    Ok(rel.to_path_buf())
}

/// Links (or copies) every file of the old folder that the new set does not replace.
fn carry_over(old: &Path, staging: &Path, rel: &Path, replaced: &[PathBuf]) -> Result<()> {
    let here = old.join(rel);
    let entries = fs::read_dir(&here).map_err(|e| Error::io(&here, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(&here, e))?;
        let r = rel.join(entry.file_name());
        let kind = entry.file_type().map_err(|e| Error::io(entry.path(), e))?;
        let dest = staging.join(&r);
        if kind.is_dir() {
            fs::create_dir_all(&dest).map_err(|e| Error::io(&dest, e))?;
            carry_over(old, staging, &r, replaced)?;
        } else if !replaced.contains(&r) && !dest.exists() {
            let src = entry.path();
            if kind.is_symlink() {
                let to = fs::read_link(&src).map_err(|e| Error::io(&src, e))?;
                symlink(&to, &dest)?;
            } else if fs::hard_link(&src, &dest).is_err() {
                fs::copy(&src, &dest).map_err(|e| Error::io(&src, e))?;
            }
        }
    }
    Ok(())
}

#[cfg(unix)]
fn symlink(to: &Path, at: &Path) -> Result<()> {
    std::os::unix::fs::symlink(to, at).map_err(|e| Error::io(at, e))
}

#[cfg(not(unix))]
fn symlink(to: &Path, at: &Path) -> Result<()> {
    fs::copy(to, at).map(|_| ()).map_err(|e| Error::io(at, e))
}

/// Puts `staging` in place of `target`; afterwards `staging` holds the old folder, if any.
fn swap(staging: &Path, target: &Path) -> Result<()> {
    if !target.exists() {
        return fs::rename(staging, target).map_err(|e| Error::io(target, e));
    }
    exchange(staging, target)
}

#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let ca = CString::new(a.as_os_str().as_bytes())
        .map_err(|_| Error::Usage(format!("{}: path holds a NUL byte", a.display())))?;
    let cb = CString::new(b.as_os_str().as_bytes())
        .map_err(|_| Error::Usage(format!("{}: path holds a NUL byte", b.display())))?;
    // SAFETY: both pointers are valid NUL-terminated strings for the duration of the call.
    let rc = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            ca.as_ptr(),
            libc::AT_FDCWD,
            cb.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if rc == 0 {
        return Ok(());
    }
    let err = std::io::Error::last_os_error();
    match err.raw_os_error() {
        // File systems without RENAME_EXCHANGE: fall back to two renames.
        Some(libc::EINVAL) | Some(libc::ENOSYS) => two_renames(a, b),
        _ => Err(Error::io(b, err)),
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(a: &Path, b: &Path) -> Result<()> {
    two_renames(a, b)
}

/// Moves `b` aside to a temporary name, `a` into `b`, and the old `b` to `a`: a short window in
/// which `b` is absent, never one in which it is mixed.
fn two_renames(a: &Path, b: &Path) -> Result<()> {
    let aside = a.with_extension("old");
    fs::rename(b, &aside).map_err(|e| Error::io(b, e))?;
    if let Err(e) = fs::rename(a, b) {
        let _ = fs::rename(&aside, b);
        return Err(Error::io(b, e));
    }
    fs::rename(&aside, a).map_err(|e| Error::io(a, e))
}

fn sync_dir(dir: &Path) {
    if let Ok(f) = File::open(dir) {
        let _ = f.sync_all();
    }
}

/// Aborts the process at a named point when `PANELKIT_ABORT_AT` names it (crash tests).
fn abort_at(point: &str) {
    if std::env::var_os("PANELKIT_ABORT_AT").is_some_and(|v| v == point) {
        std::process::abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(dir: &Path) -> Vec<(String, Vec<u8>)> {
        let mut out = Vec::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            for e in fs::read_dir(&d).unwrap().flatten() {
                if e.file_type().unwrap().is_dir() {
                    stack.push(e.path());
                } else {
                    let rel = e.path().strip_prefix(dir).unwrap().display().to_string();
                    out.push((rel, fs::read(e.path()).unwrap()));
                }
            }
        }
        out.sort();
        out
    }

    #[test]
    fn replaces_the_set_keeps_other_files_and_leaves_no_staging() {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path().join("out");
        fs::create_dir_all(d.join("figures")).unwrap();
        fs::write(d.join("README.md"), "keep me").unwrap();
        fs::write(d.join("a.txt"), "old a").unwrap();
        let set = vec![
            (d.join("a.txt"), b"new a".to_vec()),
            (d.join("figures/f.svg"), b"<svg/>".to_vec()),
        ];
        write_set(&d, &set).unwrap();
        assert_eq!(
            read_all(&d),
            vec![
                ("README.md".to_string(), b"keep me".to_vec()),
                ("a.txt".to_string(), b"new a".to_vec()),
                ("figures/f.svg".to_string(), b"<svg/>".to_vec()),
            ]
        );
        let names: Vec<String> = fs::read_dir(tmp.path())
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains("staging"))
            .collect();
        assert!(names.is_empty(), "{names:?}");
    }

    #[test]
    fn refuses_paths_outside_the_folder_and_writes_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path().join("out");
        let err = write_set(
            &d,
            &[
                (d.join("a.txt"), b"a".to_vec()),
                (tmp.path().join("elsewhere.txt"), b"b".to_vec()),
            ],
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("outside the output folder"),
            "{err}"
        );
        assert!(!d.exists());
    }

    #[test]
    fn a_held_lock_refuses_a_second_writer() {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path().join("out");
        let held = lock(&tmp.path().join(".out.lock"), &d).unwrap();
        let err = write_set(&d, &[(d.join("a.txt"), b"a".to_vec())]).unwrap_err();
        assert!(err.to_string().contains("another run"), "{err}");
        drop(held);
        write_set(&d, &[(d.join("a.txt"), b"a".to_vec())]).unwrap();
    }

    #[test]
    fn stale_staging_is_removed() {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path().join("out");
        let stale = tmp.path().join(".out.staging-999999");
        fs::create_dir_all(&stale).unwrap();
        fs::write(stale.join("half.txt"), "x").unwrap();
        write_set(&d, &[(d.join("a.txt"), b"a".to_vec())]).unwrap();
        assert!(!stale.exists());
    }
}
