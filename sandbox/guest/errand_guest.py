"""Errand's guest runtime: runs inside the WebAssembly component, never on the host.

It exec()s one script with capability objects built from the host's manifest,
streams print() to the host line by line, and always returns a JSON report;
it never lets an exception escape (an uncaught guest exception would trap).

Nothing here is a security boundary. The host validates every call, and the
component can reach nothing but the host's `call` and `log` imports.
"""

import ast
import builtins
import importlib
import json
import sys

import script_modules
import wit_world
from wit_world.imports import host

# The standard library a script may import. Only modules imported while the component is built
# exist at run time, so each is imported here, the private helpers they load lazily included.
ALLOWED_MODULES = script_modules.ALLOWED
_IMPORTABLE = ALLOWED_MODULES | script_modules.INTERNAL
for _name in sorted(_IMPORTABLE):
    importlib.import_module(_name)

# Exceptions a host error may come back as; anything else becomes RuntimeError.
_HOST_ERRORS = {
    cls.__name__: cls
    for cls in (PermissionError, FileNotFoundError, FileExistsError, IsADirectoryError,
                NotADirectoryError, TypeError, ValueError, KeyError, LookupError, OSError,
                TimeoutError, ConnectionError, RuntimeError)
}

SCRIPT = "<script>"
_real_import = builtins.__import__


# Every capability call encodes its arguments and decodes the reply. json.dumps/loads set up an
# encoder and skip whitespace on each call; made once here, a call costs about half as much.
_c_encode = json.encoder.c_make_encoder(
    None, json.JSONEncoder().default, json.encoder.encode_basestring_ascii, None, ":", ",",
    False, False, True) if json.encoder.c_make_encoder else None
_c_scan = json.scanner.c_make_scanner(json.JSONDecoder()) if json.scanner.c_make_scanner else None


def _encode(value):
    return "".join(_c_encode(value, 0)) if _c_encode is not None else json.dumps(value)


def _decode(text):
    return _c_scan(text, 0)[0] if _c_scan is not None else json.loads(text)


class CapabilityError(RuntimeError):
    """A host error of a kind not among the builtin exceptions."""


def _call_host(name, args, kwargs):
    try:
        payload = _encode({"args": list(args), "kwargs": kwargs})
    except (TypeError, ValueError, RecursionError) as exc:
        raise TypeError(f"{name}(): arguments must be text, numbers, lists or dicts ({exc})") from None
    reply = _decode(host.call(name, payload))
    if "ok" in reply:
        return reply["ok"]
    err = reply.get("error", {})
    message = err.get("message", "the host refused the call")
    if err.get("hint"):
        message = f"{message} ({err['hint']})"
    exc = _HOST_ERRORS.get(err.get("type"), CapabilityError)(message)
    exc.hint = err.get("hint", "")
    raise exc


class Capability:
    """A granted API, e.g. `files`. Call help(files) to see its functions."""

    def __init__(self, name, functions):
        self._name = name
        stubs = []
        for op, info in functions.items():
            setattr(self, op, _make_function(f"{name}.{op}", op, info.get("stub", "")))
            stubs.append(info.get("stub", ""))
        self.__doc__ = f"{name}: " + "\n\n".join(stubs)

    def __repr__(self):
        return f"<capability {self._name}>"


def _make_function(qualified, op, stub):
    def function(*args, **kwargs):
        return _call_host(qualified, args, kwargs)

    function.__name__ = op
    function.__qualname__ = qualified
    function.__doc__ = stub
    return function


def _valid(text):
    """A line the component boundary can carry: a file name that is not UTF-8 reaches a script as
    lone surrogates, which are shown as escapes (``\\udce9``) rather than failing the print."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


class _LineWriter:
    """sys.stdout/stderr for the script: hands each complete line to the host."""

    def __init__(self, prefix=""):
        self._buffer = ""
        self._prefix = prefix

    def write(self, text):
        text = str(text)
        self._buffer += text
        while "\n" in self._buffer:
            line, self._buffer = self._buffer.split("\n", 1)
            host.log(_valid(self._prefix + line))
        return len(text)

    def flush(self):
        if self._buffer:
            host.log(_valid(self._prefix + self._buffer))
            self._buffer = ""

    def isatty(self):
        return False


def _guarded_import(name, globals=None, locals=None, fromlist=(), level=0):
    top = name.split(".")[0]
    if level != 0 or top not in _IMPORTABLE:
        allowed = ", ".join(sorted(ALLOWED_MODULES))
        raise ImportError(
            f"module {name!r} is not available in Errand scripts; use the capability objects "
            f"for files, photos, places, vision and calendar. Available modules: {allowed}"
        )
    return _real_import(name, globals, locals, fromlist, level)


def _unavailable(what, instead):
    def refuse(*args, **kwargs):
        raise PermissionError(f"{what} is not available in Errand scripts; {instead}")

    return refuse


def _help(obj=None):
    doc = getattr(obj, "__doc__", None) or "No help for this object."
    print(doc)


def _script_builtins():
    table = dict(vars(builtins))
    table["__import__"] = _guarded_import
    table["open"] = _unavailable("open()", "use files.read_text / files.write_text")
    table["input"] = _unavailable("input()", "scripts run without a keyboard")
    table["exit"] = table["quit"] = _unavailable("exit()", "use return to end the script")
    table["help"] = _help
    for name in ("breakpoint", "compile", "exec", "eval"):
        table.pop(name, None)
    return table


# Built once, into the snapshot: every run has a fresh instance, so nothing is shared between runs.
_SCRIPT_BUILTINS = _script_builtins()


def _compile(code):
    """Compile the script; a top-level `return` makes the body a function (lines kept)."""
    try:
        return compile(code, SCRIPT, "exec"), False
    except SyntaxError as exc:
        if "outside function" not in str(exc.msg):
            raise
    tree = ast.parse(code, SCRIPT)
    body = [ast.Global(names=["result"], lineno=1, col_offset=0)] + (tree.body or [ast.Pass()])
    func = ast.FunctionDef(name="__errand_main__", args=ast.arguments(), body=body,
                           decorator_list=[], returns=None, type_params=[], lineno=1, col_offset=0)
    module = ast.Module(body=[func], type_ignores=[])
    ast.fix_missing_locations(module)
    return compile(module, SCRIPT, "exec"), True


def _script_line(exc):
    if isinstance(exc, SyntaxError) and exc.filename == SCRIPT:
        return exc.lineno
    line = None
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == SCRIPT:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _error_report(exc):
    message = str(exc) if not isinstance(exc, SyntaxError) else (exc.msg or "invalid syntax")
    if isinstance(exc, KeyError) and exc.args:
        message = f"key not found: {exc.args[0]!r}"
    if isinstance(exc, RecursionError):
        message = "the script called itself too deeply (maximum recursion depth exceeded)"
    if isinstance(exc, MemoryError):
        message = "the script ran out of memory"
    return {"ok": False, "error": {"type": type(exc).__name__, "message": message,
                                   "line": _script_line(exc), "hint": getattr(exc, "hint", "")}}


def _jsonable(value):
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"the script's result must be text, numbers, lists or dicts, not {type(value).__name__}")


def _execute(code, manifest, inputs):
    namespace = {"__name__": "__errand_script__", "__builtins__": _SCRIPT_BUILTINS,
                 "inputs": inputs, "result": None}
    for name, functions in manifest.items():
        namespace[name] = Capability(name, functions)
    compiled, wrapped = _compile(code)
    exec(compiled, namespace)
    value = namespace["__errand_main__"]() if wrapped else None
    if value is None:
        value = namespace.get("result")
    return json.loads(json.dumps(value, default=_jsonable))


class WitWorld(wit_world.WitWorld):
    def run(self, code: str, manifest: str, inputs: str) -> str:
        out, err = _LineWriter(), _LineWriter("stderr: ")
        sys.stdout, sys.stderr = out, err
        try:
            result = _execute(code, json.loads(manifest), json.loads(inputs))
            report = {"ok": True, "result": result}
        except BaseException as exc:  # everything, SystemExit included: never trap
            report = _error_report(exc)
        finally:
            out.flush()
            err.flush()
        try:
            return json.dumps(report)
        except BaseException as exc:
            return json.dumps({"ok": False, "error": {"type": type(exc).__name__, "message": str(exc)}})


# Run a trivial script once while the component is being built. The build snapshots the guest's
# memory after this module is imported, so every fresh instance starts with this path already
# warmed (specialised bytecode, caches) instead of paying for it on each person's first run.
try:
    _execute("result = [1, 'a', {'k': None}]", {}, {})
except BaseException:
    pass

# Everything created so far lives in the snapshot; freezing it keeps the collector from walking
# (and so copying) all of its pages in each fresh instance.
import gc  # noqa: E402

gc.freeze()
