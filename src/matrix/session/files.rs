//! The data dir's own files: the lock that keeps it to one process, the check for entries others
//! may read, and private dirs (0700) and files (0600, written atomically).

use std::{
    fs,
    io::Write,
    os::unix::fs::{OpenOptionsExt, PermissionsExt},
    path::{Path, PathBuf},
};

use anyhow::Context;

/// The lock file in the data dir, held by the one process that uses its Olm account.
pub const LOCK_FILE: &str = "lock";

/// An exclusive hold on the data dir, released when dropped (or when the process ends, however
/// it ends: the kernel drops the lock with the file).
#[derive(Debug)]
pub struct DirLock {
    _file: fs::File,
}

/// Why the data dir cannot be locked.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another process holds it.
    #[error(
        "another confidant process{} is using the data dir {}; stop it first (two processes on one \
         device would answer twice and break each other's decryption)",
        holder.map(|p| format!(" (pid {p})")).unwrap_or_default(),
        dir.display()
    )]
    Held {
        /// The data dir.
        dir: PathBuf,
        /// The holder's process id, as it wrote it.
        holder: Option<u32>,
    },
    /// The lock file cannot be opened or locked.
    #[error("cannot lock {}: {source}", path.display())]
    Io {
        /// The lock file.
        path: PathBuf,
        /// What failed.
        source: std::io::Error,
    },
}

/// Takes the data dir's lock for this process and writes its pid into the lock file (the only
/// thing in it), or says which process holds it. The dir must exist.
pub fn lock_data_dir(dir: &Path) -> Result<DirLock, LockError> {
    let path = dir.join(LOCK_FILE);
    let io = |source| LockError::Io {
        path: path.clone(),
        source,
    };
    let mut file = fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(&path)
        .map_err(io)?;
    try_lock(&file, dir, &path)?;
    file.set_len(0).map_err(io)?;
    write!(file, "{}", std::process::id()).map_err(io)?;
    Ok(DirLock { _file: file })
}

/// Takes the data dir's lock like [`lock_data_dir`], but writes nothing: for `doctor`, which
/// changes no byte of the data dir. The lock file must exist (`login` and `run` make it).
pub fn hold_data_dir(dir: &Path) -> Result<DirLock, LockError> {
    let path = dir.join(LOCK_FILE);
    let file = fs::File::open(&path).map_err(|source| LockError::Io {
        path: path.clone(),
        source,
    })?;
    try_lock(&file, dir, &path)?;
    Ok(DirLock { _file: file })
}

/// The pid of the `run` holding `dir`'s lock: `None` when nobody holds it (or only `doctor`,
/// which writes no pid).
pub fn running_pid(dir: &Path) -> Result<Option<u32>, LockError> {
    let path = dir.join(LOCK_FILE);
    let file = match fs::File::open(&path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(LockError::Io { path, source }),
    };
    match try_lock(&file, dir, &path) {
        // Free: no bot runs here (the lock goes with `file`).
        Ok(()) => Ok(None),
        Err(LockError::Held { holder, .. }) => Ok(holder),
        Err(e) => Err(e),
    }
}

/// The lock on `file`, or who holds it: the pid in the file, when that process is running
/// (`doctor` writes none, so a stale pid from an earlier run is not named).
fn try_lock(file: &fs::File, dir: &Path, path: &Path) -> Result<(), LockError> {
    match file.try_lock() {
        Ok(()) => Ok(()),
        Err(fs::TryLockError::WouldBlock) => {
            let holder = fs::read_to_string(path)
                .ok()
                .and_then(|t| t.trim().parse::<u32>().ok())
                .filter(|pid| Path::new(&format!("/proc/{pid}")).exists());
            Err(LockError::Held {
                dir: dir.to_owned(),
                holder,
            })
        }
        Err(fs::TryLockError::Error(e)) => Err(LockError::Io {
            path: path.to_owned(),
            source: e,
        }),
    }
}

/// Entries of the data dir (and the dir itself) that group or others may read.
pub fn loose_modes(dir: &Path) -> Vec<(PathBuf, u32)> {
    let mut loose = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(path) = stack.pop() {
        // The data dir itself may be a link (systemd's DynamicUser makes StateDirectory one):
        // its target is what matters. Links inside it are skipped.
        let meta = if path == dir {
            fs::metadata(&path)
        } else {
            fs::symlink_metadata(&path)
        };
        let Ok(meta) = meta else {
            continue;
        };
        if meta.file_type().is_symlink() {
            continue;
        }
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            loose.push((path.clone(), mode));
        }
        if meta.is_dir()
            && let Ok(entries) = fs::read_dir(&path)
        {
            stack.extend(entries.flatten().map(|e| e.path()));
        }
    }
    loose.sort();
    loose
}

/// Creates `dir` if needed and makes it private to the bot's user (0700).
pub(super) fn create_private_dir(dir: &Path) -> anyhow::Result<()> {
    if !dir.exists() {
        fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
        .with_context(|| format!("cannot set mode 0700 on {}", dir.display()))
}

/// Writes a file readable by its owner only, atomically (temp file, then rename).
pub fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let tmp = path.with_extension("tmp");
    let mut file = fs::OpenOptions::new()
        .create(true)
        .write(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)
        .with_context(|| format!("cannot write {}", tmp.display()))?;
    file.write_all(bytes)?;
    file.sync_all()?;
    fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}
