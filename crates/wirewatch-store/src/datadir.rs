//! The data directory's permissions: it holds credentials (connector and ODS
//! secrets, the key that encrypts them, the TLS private key), so the
//! directory is 0700 and every file in it 0600, whoever created them and
//! whatever the umask.
//!
//! The database file is created 0600 before SQLite opens it: SQLite gives
//! the `-wal` and `-shm` files it creates the mode of the database file.
//! Files and the directory found with wider modes (a data directory of an
//! earlier version) are narrowed at open, each change logged.

use std::path::Path;

/// Mode of the data directory.
pub const DIR_MODE: u32 = 0o700;
/// Mode of every file in it.
pub const FILE_MODE: u32 = 0o600;

/// Create the directory (0700) if it is missing.
pub(crate) fn create(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(DIR_MODE)
            .create(dir)
    }
    #[cfg(not(unix))]
    std::fs::create_dir_all(dir)
}

/// Create `path` empty with mode 0600 when it does not exist (never truncates).
pub(crate) fn create_private_file(path: &Path) -> std::io::Result<()> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(FILE_MODE);
    }
    o.open(path).map(drop)
}

/// Narrow the directory to 0700 and each file in it to 0600 where any group
/// or other bit is set; returns the paths changed, each logged.
pub(crate) fn restrict(dir: &Path) -> std::io::Result<Vec<std::path::PathBuf>> {
    let mut changed = Vec::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mut narrow = |path: &Path, meta: &std::fs::Metadata, to: u32| -> std::io::Result<()> {
            let from = meta.permissions().mode() & 0o7777;
            if from & 0o077 != 0 {
                std::fs::set_permissions(path, std::fs::Permissions::from_mode(to))?;
                tracing::info!(
                    path = %path.display(),
                    from = format!("{from:04o}"),
                    to = format!("{to:04o}"),
                    "data directory: narrowed permissions (it holds credentials)"
                );
                changed.push(path.to_path_buf());
            }
            Ok(())
        };
        narrow(dir, &std::fs::metadata(dir)?, DIR_MODE)?;
        for entry in std::fs::read_dir(dir)? {
            let entry = entry?;
            // A file SQLite just removed (a -wal at checkpoint) is no error.
            let Ok(meta) = std::fs::symlink_metadata(entry.path()) else {
                continue;
            };
            let to = if meta.is_dir() {
                DIR_MODE
            } else if meta.is_file() {
                FILE_MODE
            } else {
                continue;
            };
            match narrow(&entry.path(), &meta, to) {
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                other => other?,
            }
        }
    }
    Ok(changed)
}
