// faultyfs: a FUSE file system that passes every call through to a backing folder and, on a signal, fails the way
// a worn SD card does: every write, flush to media, size change, create and delete answers EIO (SIGUSR1), and reads
// too (SIGWINCH), until SIGUSR2 makes it healthy again. The kernel's VFS hands those EIOs to the program above as a
// failing device would (this machine's kernel has no device-mapper, so no dm-error or dm-flakey: README
// "Reliability"). Used by the storage tests (Tests/HoistWatchTestSupport/FaultyFileSystem.swift); built by
// `make test` into .build/tools/faultyfs.
//
// Usage: faultyfs BACKING MOUNTPOINT     (in the foreground until unmounted or SIGTERM)
// The count of refused calls goes to stderr at exit.
#define FUSE_USE_VERSION 31
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fuse.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/time.h>
#include <unistd.h>

enum mode { HEALTHY = 0, FAIL_WRITES = 1, FAIL_ALL = 2 };
static volatile sig_atomic_t mode = HEALTHY;
static volatile sig_atomic_t refused = 0;
static const char *backing;

static void on_signal(int sig) {
    if (sig == SIGUSR1) mode = FAIL_WRITES;
    else if (sig == SIGUSR2) mode = HEALTHY;
    else mode = FAIL_ALL;
}

static int failing_writes(void) {
    if (mode == HEALTHY) return 0;
    refused = refused + 1;
    return 1;
}

static int failing_reads(void) {
    if (mode != FAIL_ALL) return 0;
    refused = refused + 1;
    return 1;
}

static void full(char out[PATH_MAX], const char *path) { snprintf(out, PATH_MAX, "%s%s", backing, path); }

#define BACKED(p) \
    char p##_full[PATH_MAX]; \
    full(p##_full, p)

static int ff_getattr(const char *path, struct stat *st, struct fuse_file_info *fi) {
    if (fi) return fstat((int)fi->fh, st) == 0 ? 0 : -errno;
    BACKED(path);
    return lstat(path_full, st) == 0 ? 0 : -errno;
}

static int ff_access(const char *path, int mask) {
    BACKED(path);
    return access(path_full, mask) == 0 ? 0 : -errno;
}

static int ff_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t offset, struct fuse_file_info *fi,
                      enum fuse_readdir_flags flags) {
    (void)offset, (void)fi, (void)flags;
    BACKED(path);
    DIR *dir = opendir(path_full);
    if (!dir) return -errno;
    struct dirent *entry;
    while ((entry = readdir(dir))) {
        struct stat st = {.st_ino = entry->d_ino, .st_mode = (mode_t)DTTOIF(entry->d_type)};
        if (fill(buf, entry->d_name, &st, 0, 0)) break;
    }
    closedir(dir);
    return 0;
}

static int ff_mkdir(const char *path, mode_t m) {
    if (failing_writes()) return -EIO;
    BACKED(path);
    return mkdir(path_full, m) == 0 ? 0 : -errno;
}

static int ff_unlink(const char *path) {
    if (failing_writes()) return -EIO;
    BACKED(path);
    return unlink(path_full) == 0 ? 0 : -errno;
}

static int ff_rmdir(const char *path) {
    if (failing_writes()) return -EIO;
    BACKED(path);
    return rmdir(path_full) == 0 ? 0 : -errno;
}

static int ff_rename(const char *from, const char *to, unsigned int flags) {
    if (flags) return -EINVAL;
    if (failing_writes()) return -EIO;
    BACKED(from);
    BACKED(to);
    return rename(from_full, to_full) == 0 ? 0 : -errno;
}

static int ff_chmod(const char *path, mode_t m, struct fuse_file_info *fi) {
    if (fi) return fchmod((int)fi->fh, m) == 0 ? 0 : -errno;
    BACKED(path);
    return chmod(path_full, m) == 0 ? 0 : -errno;
}

static int ff_chown(const char *path, uid_t uid, gid_t gid, struct fuse_file_info *fi) {
    if (fi) return fchown((int)fi->fh, uid, gid) == 0 ? 0 : -errno;
    BACKED(path);
    return lchown(path_full, uid, gid) == 0 ? 0 : -errno;
}

static int ff_truncate(const char *path, off_t size, struct fuse_file_info *fi) {
    if (failing_writes()) return -EIO;
    if (fi) return ftruncate((int)fi->fh, size) == 0 ? 0 : -errno;
    BACKED(path);
    return truncate(path_full, size) == 0 ? 0 : -errno;
}

static int ff_utimens(const char *path, const struct timespec tv[2], struct fuse_file_info *fi) {
    if (fi) return futimens((int)fi->fh, tv) == 0 ? 0 : -errno;
    BACKED(path);
    return utimensat(AT_FDCWD, path_full, tv, AT_SYMLINK_NOFOLLOW) == 0 ? 0 : -errno;
}

static int ff_create(const char *path, mode_t m, struct fuse_file_info *fi) {
    if (failing_writes()) return -EIO;
    BACKED(path);
    int fd = open(path_full, fi->flags, m);
    if (fd < 0) return -errno;
    fi->fh = (uint64_t)fd;
    return 0;
}

static int ff_open(const char *path, struct fuse_file_info *fi) {
    if ((fi->flags & O_ACCMODE) != O_RDONLY && failing_writes()) return -EIO;
    BACKED(path);
    int fd = open(path_full, fi->flags);
    if (fd < 0) return -errno;
    fi->fh = (uint64_t)fd;
    return 0;
}

static int ff_read(const char *path, char *buf, size_t size, off_t offset, struct fuse_file_info *fi) {
    (void)path;
    if (failing_reads()) return -EIO;
    ssize_t count = pread((int)fi->fh, buf, size, offset);
    return count < 0 ? -errno : (int)count;
}

static int ff_write(const char *path, const char *buf, size_t size, off_t offset, struct fuse_file_info *fi) {
    (void)path;
    if (failing_writes()) return -EIO;
    ssize_t count = pwrite((int)fi->fh, buf, size, offset);
    return count < 0 ? -errno : (int)count;
}

static int ff_statfs(const char *path, struct statvfs *st) {
    BACKED(path);
    return statvfs(path_full, st) == 0 ? 0 : -errno;
}

static int ff_release(const char *path, struct fuse_file_info *fi) {
    (void)path;
    close((int)fi->fh);
    return 0;
}

static int ff_fsync(const char *path, int datasync, struct fuse_file_info *fi) {
    (void)path;
    if (failing_writes()) return -EIO;
    int status = datasync ? fdatasync((int)fi->fh) : fsync((int)fi->fh);
    return status == 0 ? 0 : -errno;
}

static int ff_fallocate(const char *path, int m, off_t offset, off_t length, struct fuse_file_info *fi) {
    (void)path;
    if (failing_writes()) return -EIO;
    return fallocate((int)fi->fh, m, offset, length) == 0 ? 0 : -errno;
}

static void *ff_init(struct fuse_conn_info *conn, struct fuse_config *cfg) {
    (void)conn;
    // Every call reaches this process: no attribute or entry caching that could hide a failure, and the kernel's
    // page cache is dropped at every open so that reads come here.
    cfg->use_ino = 1;
    cfg->entry_timeout = 0;
    cfg->attr_timeout = 0;
    cfg->negative_timeout = 0;
    printf("ready\n");
    fflush(stdout);
    return NULL;
}

static const struct fuse_operations operations = {
    .init = ff_init,
    .getattr = ff_getattr,
    .access = ff_access,
    .readdir = ff_readdir,
    .mkdir = ff_mkdir,
    .unlink = ff_unlink,
    .rmdir = ff_rmdir,
    .rename = ff_rename,
    .chmod = ff_chmod,
    .chown = ff_chown,
    .truncate = ff_truncate,
    .utimens = ff_utimens,
    .create = ff_create,
    .open = ff_open,
    .read = ff_read,
    .write = ff_write,
    .statfs = ff_statfs,
    .release = ff_release,
    .fsync = ff_fsync,
    .fallocate = ff_fallocate,
};

int main(int argc, char *argv[]) {
    if (argc != 3) {
        fprintf(stderr, "usage: faultyfs BACKING MOUNTPOINT\n");
        return 2;
    }
    static char resolved[PATH_MAX];
    if (!realpath(argv[1], resolved)) {
        fprintf(stderr, "faultyfs: %s: %s\n", argv[1], strerror(errno));
        return 2;
    }
    backing = resolved;
    struct sigaction action = {.sa_handler = on_signal};
    sigemptyset(&action.sa_mask);
    sigaction(SIGUSR1, &action, NULL);
    sigaction(SIGUSR2, &action, NULL);
    sigaction(SIGWINCH, &action, NULL);
    umask(0);
    char *fuse_argv[] = {argv[0], "-f", "-o", "default_permissions,fsname=faultyfs,max_threads=8", argv[2], NULL};
    int status = fuse_main(5, fuse_argv, &operations, NULL);
    fprintf(stderr, "faultyfs: %d calls refused with EIO\n", (int)refused);
    return status;
}
