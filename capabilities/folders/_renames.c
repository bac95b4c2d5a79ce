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
#else
#define MTIME(st) ((st).st_mtimespec)
#endif
#define HAVE_RENAMES 1

/* Seconds that fit in a 64-bit count of nanoseconds (year 1678 to 2262). */
#define MAX_SECONDS 9000000000LL

typedef struct {
    const char *src, *dst;
    long long size, mtime_ns;
    unsigned long long ino, dev;
    long long before, after;
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

/* One move; 0 when done, -1 when it was left untouched (the caller's Python path takes it). */
static int one_move(int fd, Move *m) {
    struct stat folder, src;
    if (fstat(fd, &folder) != 0 || time_ns(&folder, &m->before) != 0) return -1;
    if (fstatat(fd, m->src, &src, AT_SYMLINK_NOFOLLOW) != 0) return -1;
    long long seen_mtime;
    if (!S_ISREG(src.st_mode) || time_ns(&src, &seen_mtime) != 0) return -1;
    if ((long long)src.st_size != m->size || seen_mtime != m->mtime_ns
        || (unsigned long long)src.st_ino != m->ino || (unsigned long long)src.st_dev != m->dev)
        return -1;
    if (no_replace_rename(fd, m->src, m->dst) != 0) return -1;
    /* Done: from here the move counts, whatever the folder's status says. */
    m->has_after = fstat(fd, &folder) == 0 && time_ns(&folder, &m->after) == 0;
    return 0;
}

static int parse_move(PyObject *item, Move *m) {
    PyObject *src, *dst, *size, *mtime, *ino, *dev;
    if (!PyArg_ParseTuple(item, "SSOOOO;a move is (src, dst, size, mtime_ns, ino, dev)",
                          &src, &dst, &size, &mtime, &ino, &dev))
        return -1;
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

static PyObject *rename_files(PyObject *Py_UNUSED(self), PyObject *args) {
    int fd;
    PyObject *given;
    if (!PyArg_ParseTuple(args, "iO:rename_files", &fd, &given)) return NULL;
    /* A tuple of our own holds every move (and its names) while the loop runs without the GIL. */
    PyObject *moves = PySequence_Tuple(given);
    if (moves == NULL) return NULL;
    Py_ssize_t n = PyTuple_GET_SIZE(moves), done = 0;
    Move *all = PyMem_Calloc(n ? (size_t)n : 1, sizeof(Move));
    PyObject *result = NULL;
    if (all == NULL) {
        PyErr_NoMemory();
        goto out;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        if (!PyTuple_Check(PyTuple_GET_ITEM(moves, i))) {
            PyErr_SetString(PyExc_TypeError, "a move is a tuple");
            goto out;
        }
        if (parse_move(PyTuple_GET_ITEM(moves, i), &all[i]) != 0) goto out;
    }
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
    Py_DECREF(moves);
    return result;
}
#else
#define HAVE_RENAMES 0
#endif

static PyMethodDef methods[] = {
#if HAVE_RENAMES
    {"rename_files", rename_files, METH_VARARGS,
     "rename_files(folder_fd, moves) -> [(folder_mtime_ns_before, after), ...] for the moves done"},
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
