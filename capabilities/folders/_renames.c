/* Checked renames inside one open folder, many per call: the per-file loop of a large apply.
 *
 * rename_files(folder_fd, moves) -> [(folder_mtime_ns_before, folder_mtime_ns_after or None), ...]
 *
 * ``moves`` is a sequence of (src_name, dst_name, size, mtime_ns, ino, dev): names as bytes
 * relative to the open folder, and the source's fingerprint from the preview. For each move,
 * in order, the same system calls the Python path makes (capabilities/api/files.py,
 * ``perform_rename``): the folder's status, the source's own status (never followed), the
 * rename that refuses an existing target by itself, and the folder's status again.
 *
 * It stops *before any effect* at the first move that is not exactly as expected: a source
 * that is not the same regular file, a rename the system refuses for any reason, a time it
 * cannot express. The list it returns holds one pair per move carried out, so the caller
 * knows where it stopped and hands that move to the Python path, which checks it again and
 * gives the refusal in words. Nothing here decides a policy or words an error.
 *
 * unrename_files(folder_fd, moves) -> how many of the moves were put back
 *
 * Undo of such renames: ``moves`` is a sequence of (name_now, name_before, size, mtime_ns, ino,
 * dev, folder_mtime_ns_before, folder_mtime_ns_after), the last two None when apply recorded no
 * folder time. For each, the calls ``Files.undo`` makes for a rename: the folder's status, the
 * renamed file's own status checked against the fingerprint, the rename back that refuses an
 * existing name, and, if the folder's time was still the one apply left, the folder's time
 * put back (best effort, as in Python). It stops before any effect at the first that differs.
 *
 * Linux (renameat2 RENAME_NOREPLACE) and macOS (renameatx_np RENAME_EXCL) only; elsewhere
 * the module reports AVAILABLE = False and Errand uses the Python path.
 */
#define PY_SSIZE_T_CLEAN
#if defined(__linux__)
#define _GNU_SOURCE
#endif
#include <Python.h>

#if defined(__linux__) || defined(__APPLE__)
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/syscall.h>
#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE 1
#endif
#define MTIME(st) ((st).st_mtim)
#define ATIME(st) ((st).st_atim)
#else
#define MTIME(st) ((st).st_mtimespec)
#define ATIME(st) ((st).st_atimespec)
#endif
#define HAVE_RENAMES 1

/* Seconds that fit in a 64-bit count of nanoseconds (year 1678 to 2262). */
#define MAX_SECONDS 9000000000LL

typedef struct {
    const char *src, *dst;
    long long size, mtime_ns;
    unsigned long long ino, dev;
    long long before, after; /* the folder's times: read by a rename, given to an unrename */
    int has_after;
} Move;

static int time_ns(const struct stat *st, long long *out) {
    long long sec = (long long)MTIME(*st).tv_sec;
    if (sec > MAX_SECONDS || sec < -MAX_SECONDS) return -1;
    *out = sec * 1000000000LL + (long long)MTIME(*st).tv_nsec;
    return 0;
}

static int no_replace_rename(int fd, const char *src, const char *dst) {
#if defined(__linux__)
    return (int)syscall(SYS_renameat2, fd, src, fd, dst, RENAME_NOREPLACE);
#else
    return renameatx_np(fd, src, fd, dst, RENAME_EXCL);
#endif
}

/* Whether the entry ``name`` is still the regular file the fingerprint in ``m`` describes. */
static int is_as_fingerprinted(int fd, const char *name, const Move *m) {
    struct stat st;
    long long seen_mtime;
    if (fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) return 0;
    if (!S_ISREG(st.st_mode) || time_ns(&st, &seen_mtime) != 0) return 0;
    return (long long)st.st_size == m->size && seen_mtime == m->mtime_ns
           && (unsigned long long)st.st_ino == m->ino && (unsigned long long)st.st_dev == m->dev;
}

/* One move; 0 when done, -1 when it was left untouched (the caller's Python path takes it). */
static int one_move(int fd, Move *m) {
    struct stat folder;
    if (fstat(fd, &folder) != 0 || time_ns(&folder, &m->before) != 0) return -1;
    if (!is_as_fingerprinted(fd, m->src, m)) return -1;
    if (no_replace_rename(fd, m->src, m->dst) != 0) return -1;
    /* Done: from here the move counts, whatever the folder's status says. */
    m->has_after = fstat(fd, &folder) == 0 && time_ns(&folder, &m->after) == 0;
    return 0;
}

/* Put one renamed file back (src: its name now, dst: its name before); 0 when done, -1 when
   it was left untouched. */
static int one_unmove(int fd, const Move *m) {
    struct stat folder;
    if (fstat(fd, &folder) != 0) return -1;
    if (!is_as_fingerprinted(fd, m->src, m)) return -1;
    if (no_replace_rename(fd, m->src, m->dst) != 0) return -1;
    long long seen;
    if (m->has_after && time_ns(&folder, &seen) == 0 && seen == m->after) {
        struct timespec times[2];
        times[0] = ATIME(folder);
        times[1].tv_sec = (time_t)(m->before / 1000000000LL);
        times[1].tv_nsec = (long)(m->before % 1000000000LL);
        if (times[1].tv_nsec < 0) {
            times[1].tv_sec -= 1;
            times[1].tv_nsec += 1000000000L;
        }
        (void)futimens(fd, times); /* best effort, as reset_folder_times */
    }
    return 0;
}

static int parse_move(PyObject *item, Move *m) {
    PyObject *src, *dst, *size, *mtime, *ino, *dev, *before = Py_None, *after = Py_None;
    if (!PyArg_ParseTuple(item, "SSOOOO|OO;a move is (src, dst, size, mtime_ns, ino, dev[, before, after])",
                          &src, &dst, &size, &mtime, &ino, &dev, &before, &after))
        return -1;
    m->has_after = before != Py_None && after != Py_None;
    if (m->has_after) {
        m->before = PyLong_AsLongLong(before);
        m->after = PyLong_AsLongLong(after);
    }
    m->src = PyBytes_AS_STRING(src);
    m->dst = PyBytes_AS_STRING(dst);
    if ((Py_ssize_t)strlen(m->src) != PyBytes_GET_SIZE(src)
        || (Py_ssize_t)strlen(m->dst) != PyBytes_GET_SIZE(dst)) {
        PyErr_SetString(PyExc_ValueError, "a name holds a NUL byte");
        return -1;
    }
    m->size = PyLong_AsLongLong(size);
    m->mtime_ns = PyLong_AsLongLong(mtime);
    m->ino = PyLong_AsUnsignedLongLong(ino);
    m->dev = PyLong_AsUnsignedLongLong(dev);
    return PyErr_Occurred() ? -1 : 0;
}

/* The moves of ``given`` parsed while holding the GIL, into ``*all`` (a tuple of ours in
   ``*moves`` keeps their names alive while the loop runs without it); -1 on a bad move. */
static int parse_all(PyObject *given, PyObject **moves, Move **all, Py_ssize_t *n) {
    *moves = PySequence_Tuple(given);
    if (*moves == NULL) return -1;
    *n = PyTuple_GET_SIZE(*moves);
    *all = PyMem_Calloc(*n ? (size_t)*n : 1, sizeof(Move));
    if (*all == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t i = 0; i < *n; i++) {
        if (!PyTuple_Check(PyTuple_GET_ITEM(*moves, i))) {
            PyErr_SetString(PyExc_TypeError, "a move is a tuple");
            return -1;
        }
        if (parse_move(PyTuple_GET_ITEM(*moves, i), &(*all)[i]) != 0) return -1;
    }
    return 0;
}

static PyObject *unrename_files(PyObject *Py_UNUSED(self), PyObject *args) {
    int fd;
    PyObject *given, *moves = NULL;
    Move *all = NULL;
    Py_ssize_t n = 0, done = 0;
    if (!PyArg_ParseTuple(args, "iO:unrename_files", &fd, &given)) return NULL;
    if (parse_all(given, &moves, &all, &n) != 0) {
        PyMem_Free(all);
        Py_XDECREF(moves);
        return NULL;
    }
    Py_BEGIN_ALLOW_THREADS
    while (done < n && one_unmove(fd, &all[done]) == 0) done++;
    Py_END_ALLOW_THREADS
    PyMem_Free(all);
    Py_DECREF(moves);
    return PyLong_FromSsize_t(done);
}

static PyObject *rename_files(PyObject *Py_UNUSED(self), PyObject *args) {
    int fd;
    PyObject *given, *moves = NULL;
    Move *all = NULL;
    Py_ssize_t n = 0, done = 0;
    PyObject *result = NULL;
    if (!PyArg_ParseTuple(args, "iO:rename_files", &fd, &given)) return NULL;
    if (parse_all(given, &moves, &all, &n) != 0) goto out;
    Py_BEGIN_ALLOW_THREADS
    while (done < n && one_move(fd, &all[done]) == 0) done++;
    Py_END_ALLOW_THREADS
    result = PyList_New(done);
    if (result == NULL) goto out;
    for (Py_ssize_t i = 0; i < done; i++) {
        /* (before, None) when the folder could not be read after: the Python path leaves its
           time out of the outcome then, and so does the caller. */
        PyObject *pair = all[i].has_after ? Py_BuildValue("(LL)", all[i].before, all[i].after)
                                          : Py_BuildValue("(LO)", all[i].before, Py_None);
        if (pair == NULL) {
            Py_CLEAR(result);
            goto out;
        }
        PyList_SET_ITEM(result, i, pair);
    }
out:
    PyMem_Free(all);
    Py_XDECREF(moves);
    return result;
}
#else
#define HAVE_RENAMES 0
#endif

static PyMethodDef methods[] = {
#if HAVE_RENAMES
    {"rename_files", rename_files, METH_VARARGS,
     "rename_files(folder_fd, moves) -> [(folder_mtime_ns_before, after), ...] for the moves done"},
    {"unrename_files", unrename_files, METH_VARARGS,
     "unrename_files(folder_fd, moves) -> how many of the moves were put back"},
#endif
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_renames",
                                    "Checked renames inside one open folder, many per call.", -1,
                                    methods, NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__renames(void) {
    PyObject *m = PyModule_Create(&module);
    if (m != NULL && PyModule_AddIntConstant(m, "AVAILABLE", HAVE_RENAMES) != 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
