//! File IO on the worker's runtime: opening a file (optionally confined to a
//! directory), its metadata, positional reads into owned buffers, and a
//! range of a file as a response body ([`FileBody`]).
//!
//! Under the io_uring driver, opening by path, `statx` and reads go through
//! the ring; under the epoll driver, monoio runs the same operations as
//! plain system calls on the worker thread (files have no readiness to wait
//! for). Files are opened non-blocking first and switched back once open, so
//! that a FIFO planted where a file was expected cannot stall the worker,
//! while reads of regular files still wait for the disk inside the kernel.
//!
//! A [`File`] belongs to the worker that opened it: open, read and drop it
//! there (it is not `Send`).
//!
//! ```
//! use harrow_server::rt::{self, fs::File};
//!
//! let path = std::env::temp_dir().join("harrow-rt-fs-doc.txt");
//! std::fs::write(&path, b"hello, file").unwrap();
//! let text = rt::block_on(async {
//!     let file = File::open(&path).await?;
//!     let meta = file.metadata().await?;
//!     let (read, buf) = file.read_at(Vec::with_capacity(64), 7).await;
//!     read.map(|n| (meta.len(), String::from_utf8_lossy(&buf[..n]).into_owned()))
//! })
//! .unwrap();
//! assert_eq!(text, (11, "file".to_owned()));
//! # std::fs::remove_file(&path).ok();
//! ```

mod body;

pub(crate) use body::truncated;
pub use body::{DEFAULT_CHUNK, FileBody};

use std::ffi::CString;
use std::fmt;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Component, Path};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::SystemTime;

/// What [`File::open_beneath`] does with symbolic links on the way to the
/// file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Symlinks {
    /// Follow links that stay inside the directory; refuse any that leads
    /// out of it (the default).
    #[default]
    WithinRoot,
    /// Refuse every symbolic link.
    Refuse,
    /// Follow every link, wherever it leads.
    Follow,
}

/// An open file on the worker's runtime.
pub struct File {
    inner: monoio::fs::File,
}

/// What [`File::metadata`] tells about a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Metadata {
    len: u64,
    modified: Option<SystemTime>,
    kind: Kind,
    inode: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    File,
    Dir,
    Other,
}

impl Metadata {
    /// The size in bytes.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the file is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The last modification time, where the file system keeps one.
    pub fn modified(&self) -> Option<SystemTime> {
        self.modified
    }

    /// Whether this is a regular file.
    pub fn is_file(&self) -> bool {
        self.kind == Kind::File
    }

    /// Whether this is a directory.
    pub fn is_dir(&self) -> bool {
        self.kind == Kind::Dir
    }

    /// The inode number.
    pub fn inode(&self) -> u64 {
        self.inode
    }
}

impl File {
    /// Opens the file at `path` for reading, following symbolic links.
    pub async fn open(path: impl AsRef<Path>) -> io::Result<File> {
        let inner = monoio::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(path)
            .await?;
        blocking_again(inner.as_raw_fd())?;
        Ok(File { inner })
    }

    /// Opens `relative` inside the directory `root` for reading; a path
    /// that leaves `root` (through `..`, an absolute path, or a symbolic
    /// link that `symlinks` refuses) fails with
    /// [`io::ErrorKind::PermissionDenied`].
    ///
    /// Confinement is the kernel's (`openat2` with `RESOLVE_BENEATH`, Linux
    /// 5.6 and later), which leaves no window between a check and the open;
    /// where `openat2` is refused (an older kernel, a seccomp profile), the
    /// path is resolved and checked component by component first.
    pub async fn open_beneath(
        root: impl AsRef<Path>,
        relative: impl AsRef<Path>,
        symlinks: Symlinks,
    ) -> io::Result<File> {
        let (root, relative) = (root.as_ref(), relative.as_ref());
        if relative.is_absolute()
            || relative
                .components()
                .any(|c| matches!(c, Component::ParentDir | Component::Prefix(_)))
        {
            return Err(outside());
        }
        if symlinks == Symlinks::Follow {
            return File::open(root.join(relative)).await;
        }
        let fd = open_confined(root, relative, symlinks)?;
        let inner = monoio::fs::File::from_std(std::fs::File::from(fd))?;
        Ok(File { inner })
    }

    /// The file's size, type and modification time.
    pub async fn metadata(&self) -> io::Result<Metadata> {
        let meta = self.inner.metadata().await?;
        let kind = if meta.is_file() {
            Kind::File
        } else if meta.is_dir() {
            Kind::Dir
        } else {
            Kind::Other
        };
        Ok(Metadata {
            len: meta.len(),
            modified: meta.modified().ok(),
            kind,
            inode: meta.ino(),
        })
    }

    /// Reads into the spare capacity of `buf` from byte `pos` of the file,
    /// growing its length by what was read; returns how many bytes came (0
    /// at the end of the file) and the buffer, whatever happened.
    pub async fn read_at(&self, buf: Vec<u8>, pos: u64) -> (io::Result<usize>, Vec<u8>) {
        let end = buf.capacity();
        self.read_into(buf, pos, end).await
    }

    /// Reads until `buf` holds `len` more bytes or the file ends; returns
    /// how many came.
    pub async fn read_to(
        &self,
        mut buf: Vec<u8>,
        pos: u64,
        len: usize,
    ) -> (io::Result<usize>, Vec<u8>) {
        buf.reserve(len);
        let want = buf.len() + len;
        let mut got = 0;
        while buf.len() < want {
            let (res, back) = self.read_into(buf, pos + got as u64, want).await;
            buf = back;
            match res {
                Ok(0) => break,
                Ok(n) => got += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return (Err(e), buf),
            }
        }
        (Ok(got), buf)
    }

    /// One read into `buf[len..end]`, the buffer owned by the operation
    /// until it completes.
    async fn read_into(&self, buf: Vec<u8>, pos: u64, end: usize) -> (io::Result<usize>, Vec<u8>) {
        let start = buf.len();
        let slice = monoio::buf::IoBufMut::slice_mut(buf, start..end);
        let (res, slice) = self.inner.read_at(slice, pos).await;
        (res, slice.into_inner())
    }
}

impl fmt::Debug for File {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("File")
            .field("fd", &self.inner.as_raw_fd())
            .finish()
    }
}

/// The error for a path that would leave its root.
fn outside() -> io::Error {
    io::Error::new(
        io::ErrorKind::PermissionDenied,
        "the path leads outside the directory",
    )
}

/// Clears `O_NONBLOCK`, set for the open only: io_uring would answer a read
/// of a non-blocking file whose pages are not cached with `EAGAIN` instead
/// of waiting for the disk.
fn blocking_again(fd: RawFd) -> io::Result<()> {
    // SAFETY: `fd` is an open descriptor owned by the caller; F_SETFL only
    // changes its status flags (0 keeps the access mode and clears
    // O_NONBLOCK, the only status flag set when it was opened).
    if unsafe { libc::fcntl(fd, libc::F_SETFL, 0) } == -1 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Whether `openat2` was refused once (ENOSYS, or EPERM from a seccomp
/// profile): the fallback is then used from the start.
static NO_OPENAT2: AtomicBool = AtomicBool::new(false);

/// Opens `relative` beneath `root`, refusing links as `symlinks` says.
fn open_confined(root: &Path, relative: &Path, symlinks: Symlinks) -> io::Result<OwnedFd> {
    let dir = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_DIRECTORY)
        .open(root)?;
    if !NO_OPENAT2.load(Ordering::Relaxed) {
        match openat2(&dir, relative, symlinks) {
            Err(e) if matches!(e.raw_os_error(), Some(libc::ENOSYS | libc::EPERM)) => {
                NO_OPENAT2.store(true, Ordering::Relaxed);
            }
            other => return other,
        }
    }
    open_checked(root, relative, symlinks)
}

/// The kernel's `struct open_how` (linux/openat2.h), version 0.
#[repr(C)]
struct OpenHow {
    flags: u64,
    mode: u64,
    resolve: u64,
}

/// `openat2(dir, relative, RESOLVE_BENEATH)`, the kernel refusing every
/// escape.
fn openat2(dir: &std::fs::File, relative: &Path, symlinks: Symlinks) -> io::Result<OwnedFd> {
    let path = c_path(relative)?;
    let mut resolve = libc::RESOLVE_BENEATH | libc::RESOLVE_NO_MAGICLINKS;
    if symlinks == Symlinks::Refuse {
        resolve |= libc::RESOLVE_NO_SYMLINKS;
    }
    let how = OpenHow {
        flags: (libc::O_RDONLY | libc::O_CLOEXEC | libc::O_NONBLOCK) as u64,
        mode: 0,
        resolve,
    };
    // SAFETY: `dir` is an open directory, `path` a NUL-terminated string and
    // `how` a valid `open_how` whose size is passed with it; both outlive
    // the call.
    let fd = unsafe {
        libc::syscall(
            libc::SYS_openat2,
            dir.as_raw_fd(),
            path.as_ptr(),
            &how as *const OpenHow,
            std::mem::size_of::<OpenHow>(),
        )
    };
    if fd < 0 {
        let e = io::Error::last_os_error();
        // EXDEV: the path left `dir`; ELOOP: a refused link.
        return Err(match e.raw_os_error() {
            Some(libc::EXDEV | libc::ELOOP) => outside(),
            _ => e,
        });
    }
    let fd = RawFd::try_from(fd).map_err(|_| io::Error::other("openat2 returned a bad fd"))?;
    // SAFETY: the kernel just returned `fd`, a new descriptor no one else owns.
    let fd = unsafe { OwnedFd::from_raw_fd(fd) };
    blocking_again(fd.as_raw_fd())?;
    Ok(fd)
}

/// The fallback of [`openat2`]: each component is looked at without
/// following it; a link is resolved and must stay inside `root` (or is
/// refused outright), then the resolved path is opened.
fn open_checked(root: &Path, relative: &Path, symlinks: Symlinks) -> io::Result<OwnedFd> {
    let root = std::fs::canonicalize(root)?;
    let mut path = root.clone();
    for component in relative.components() {
        let Component::Normal(name) = component else {
            continue;
        };
        path.push(name);
        if std::fs::symlink_metadata(&path)?.file_type().is_symlink() {
            if symlinks == Symlinks::Refuse {
                return Err(outside());
            }
            path = std::fs::canonicalize(&path)?;
            if !path.starts_with(&root) {
                return Err(outside());
            }
        }
    }
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW)
        .open(&path)?;
    let fd = OwnedFd::from(file);
    blocking_again(fd.as_raw_fd())?;
    Ok(fd)
}

fn c_path(path: &Path) -> io::Result<CString> {
    CString::new(path.as_os_str().as_bytes())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "a NUL byte in the path"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rt::block_on;

    fn scratch(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("harrow-rt-fs-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("root/sub")).unwrap();
        std::fs::write(dir.join("root/sub/a.txt"), b"inside").unwrap();
        std::fs::write(dir.join("secret.txt"), b"outside").unwrap();
        std::os::unix::fs::symlink("sub/a.txt", dir.join("root/in-link")).unwrap();
        std::os::unix::fs::symlink("../secret.txt", dir.join("root/out-link")).unwrap();
        dir
    }

    async fn read_all(file: &File) -> Vec<u8> {
        let (res, buf) = file.read_to(Vec::new(), 0, 1024).await;
        res.unwrap();
        buf
    }

    #[test]
    fn open_beneath_follows_links_as_asked() {
        let dir = scratch("beneath");
        let root = dir.join("root");
        block_on(async {
            use Symlinks::*;
            let cases: &[(&str, Symlinks, Option<&[u8]>)] = &[
                ("sub/a.txt", WithinRoot, Some(b"inside")),
                ("in-link", WithinRoot, Some(b"inside")),
                ("out-link", WithinRoot, None),
                ("in-link", Refuse, None),
                ("sub/a.txt", Refuse, Some(b"inside")),
                ("out-link", Follow, Some(b"outside")),
                ("../secret.txt", Follow, None),
                ("sub/../../secret.txt", WithinRoot, None),
            ];
            for (path, symlinks, want) in cases {
                let got = File::open_beneath(&root, path, *symlinks).await;
                match (got, want) {
                    (Ok(file), Some(want)) => assert_eq!(&read_all(&file).await, want, "{path}"),
                    (Err(e), None) => {
                        assert_eq!(e.kind(), io::ErrorKind::PermissionDenied, "{path}: {e}")
                    }
                    (Ok(_), None) => panic!("{path} with {symlinks:?} opened"),
                    (Err(e), Some(_)) => panic!("{path} with {symlinks:?}: {e}"),
                }
            }
        });
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn the_fallback_confines_like_openat2() {
        let dir = scratch("fallback");
        let root = dir.join("root");
        assert!(open_checked(&root, Path::new("in-link"), Symlinks::WithinRoot).is_ok());
        assert!(open_checked(&root, Path::new("out-link"), Symlinks::WithinRoot).is_err());
        assert!(open_checked(&root, Path::new("in-link"), Symlinks::Refuse).is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn metadata_and_reads() {
        let dir = scratch("meta");
        block_on(async {
            let file = File::open(dir.join("root/sub/a.txt")).await.unwrap();
            let meta = file.metadata().await.unwrap();
            assert_eq!(meta.len(), 6);
            assert!(meta.is_file() && !meta.is_dir());
            assert!(meta.modified().is_some());
            let (n, buf) = file.read_to(b"x".to_vec(), 2, 100).await;
            assert_eq!((n.unwrap(), &buf[..]), (4, &b"xside"[..]));
            let (n, buf) = file.read_to(Vec::new(), 1, 3).await;
            assert_eq!((n.unwrap(), &buf[..]), (3, &b"nsi"[..]));
            let dir_file = File::open(dir.join("root")).await.unwrap();
            assert!(dir_file.metadata().await.unwrap().is_dir());
        });
        let _ = std::fs::remove_dir_all(&dir);
    }
}
