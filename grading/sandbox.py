"""Start student code in a sandbox and talk to it, values only (TRUSTED SIDE).

This module runs no student code itself: it builds the command lines that start a process
inside the sandbox, moves plain data in and out (:mod:`grading.wire`) and ends every process
it started. Two kinds of process run student code, both in the same sandbox:

- the notebook's **kernel**, for the outputs a student reads in the feedback
  (:class:`SandboxedKernelManager`, used by the autograde ``Execute`` step);
- the **evaluator**, :mod:`grading.runner`, which runs the notebook's code cells and calls one
  graded function on the grader's inputs (:func:`evaluate`).

The sandbox is bubblewrap (Debian package ``bubblewrap``): an empty root in which only the
system folders (``/usr``, ``/etc``, ``/lib``...) and the Python installation are bound,
read-only, so the course folder (``solutions/``, ``grading/``, the gradebook, every
submission), any other copy of a course, the home folders, ``/tmp`` and ``/run`` are absent;
the only writable place is a scratch folder of its own, deleted afterwards; no network (no
network namespace but loopback), its own process namespace (every process it starts ends with
it), and limits on address space, processes, file size, open files and CPU time. Run as root,
the sandboxed process drops to a uid of its own (so the process limit applies and other
sandboxes' files are unreadable) and keeps no capability.

Where bubblewrap is missing (macOS, Windows), grading refuses to run unless the environment
variable ``BACKPROP_GRADING_NO_SANDBOX=1`` is set (``grade_all --no-sandbox`` sets it); then
each of those processes runs unconfined and a warning says, once, what is no longer
guaranteed.
"""

import copy
import os
import re
import secrets
import selectors
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import zmq
from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.connect import channel_socket_types
from jupyter_client.manager import AsyncKernelManager

from grading import wire

NO_SANDBOX = "BACKPROP_GRADING_NO_SANDBOX"
RUNNER_FILES = ("runner.py", "wire.py")
SKIPPED = "pass  # skipped by the grader\n"
HERE = Path(__file__).resolve().parent

# The system folders a sandbox sees, read-only (symbolic links, as on merged-/usr systems,
# stay links). Nothing else of the machine is there but the Python installation.
SYSTEM = ("usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32", "etc")
# Environment variables passed into a sandbox (everything else is cleared).
PASSED_ENV = ("LANG", "LC_ALL", "TZ", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
NO_SANDBOX_WARNING = """\
WARNING: grading WITHOUT a sandbox ({why}). Student code now runs as you, with your files:
it can read solutions/ and the hidden checks' specs, change or delete any file you can, reach
the network, and leave processes behind. Verdicts are still computed outside the student's
process, but a submission can read the reference answers from disk and harm the course.
Grade untrusted submissions only on Linux with bubblewrap installed (apt-get install bubblewrap).
"""


class SandboxUnavailable(RuntimeError):
    """bubblewrap is missing and unsandboxed grading was not asked for."""


@dataclass
class Limits:
    """Resource limits of one sandboxed process tree."""

    address_space: int = 2 * 2**30   # bytes (RLIMIT_AS)
    processes: int = 64              # processes and threads of its uid (RLIMIT_NPROC)
    file_size: int = 64 * 2**20      # bytes, largest file it may write (RLIMIT_FSIZE)
    open_files: int = 256            # RLIMIT_NOFILE
    cpu_seconds: int = 600           # RLIMIT_CPU: a backstop; wall-clock limits come first


_warned = []


def enabled():
    """True if student code is to run in bubblewrap; raise SandboxUnavailable if it cannot."""
    if os.environ.get(NO_SANDBOX) == "1":
        if not _warned:
            why = ("bubblewrap is not installed" if shutil.which("bwrap") is None
                   else f"{NO_SANDBOX}=1")
            print(NO_SANDBOX_WARNING.format(why=why), file=sys.stderr, flush=True)
            _warned.append(True)
        return False
    if shutil.which("bwrap") is None:
        raise SandboxUnavailable(
            "bubblewrap (bwrap) is not installed, so student code cannot be sandboxed. "
            "On Debian or Ubuntu: apt-get install bubblewrap. To grade without a sandbox anyway "
            f"(trusted submissions only), pass --no-sandbox to grade_all or set {NO_SANDBOX}=1.")
    return True


def _course_root():
    """The course folder: where nbgrader_config.py is (the current folder for nbgrader)."""
    return Path(os.environ.get("BACKPROP_COURSE_ROOT", os.getcwd())).resolve()


def _within(path, folder):
    try:
        Path(path).relative_to(folder)
        return True
    except ValueError:
        return False


def _installed_sources():
    """The project folders that installed packages point to: the folder of every package an
    editable install maps (setuptools' ``__editable__`` finders) and every folder a ``.pth``
    file adds, when they hold a ``grading`` package. Student code must not import from them."""
    folders = set()
    for site in {p for p in sys.path if p.endswith(("site-packages", "dist-packages"))}:
        for path in Path(site).glob("__editable__*"):
            try:
                text = path.read_text(errors="replace")
            except OSError:
                continue
            for found in re.findall(r"['\"](/[^'\"\n]+)['\"]", text):
                found = Path(found)
                folders.add(found.parent if found.name in ("grading", "backprop") else found)
        for path in Path(site).glob("*.pth"):
            try:
                lines = path.read_text(errors="replace").splitlines()
            except OSError:
                continue
            folders.update(Path(line.strip()) for line in lines
                           if line.strip().startswith("/"))
    return [f.resolve() for f in folders if (f / "grading").is_dir()]


class Sandbox:
    """A scratch folder and the command line that runs a program in the sandbox around it.

    Use as a context manager: the scratch folder, and everything the program wrote, is
    deleted on exit.
    """

    def __init__(self, limits=None, course_root=None):
        self.limits = limits or Limits()
        self.enabled = enabled()
        self.course_root = Path(course_root).resolve() if course_root else _course_root()
        self.scratch = Path(tempfile.mkdtemp(prefix="bp-sandbox-"))
        # Run as root, every sandbox gets a uid of its own: RLIMIT_NPROC then applies (it
        # never does to root), and one sandbox cannot read another's scratch folder.
        self.uid = 100_000 + secrets.randbelow(900_000) if os.geteuid() == 0 else None
        if self.uid is not None and self.enabled:
            os.chown(self.scratch, self.uid, self.uid)
        os.chmod(self.scratch, 0o700)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        shutil.rmtree(self.scratch, ignore_errors=True)

    def give(self, path):
        """Hand a file the grader wrote in the scratch folder to the sandbox's uid."""
        if self.uid is not None and self.enabled:
            os.chown(path, self.uid, self.uid)

    def environment(self):
        env = {key: os.environ[key] for key in PASSED_ENV if key in os.environ}
        bindir = str(Path(sys.executable).parent)
        env.update(HOME=str(self.scratch), TMPDIR=str(self.scratch),
                   PATH=f"{bindir}:/usr/local/bin:/usr/bin:/bin", MPLBACKEND="Agg",
                   MPLCONFIGDIR=str(self.scratch / ".matplotlib"),
                   IPYTHONDIR=str(self.scratch / ".ipython"), PYTHONDONTWRITEBYTECODE="1",
                   # One BLAS thread per process: several sandboxes share the cores, and each
                   # thread counts against the process limit.
                   OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
        return env

    def _private(self):
        """Folders never bound back, even where the Python installation lies inside them: the
        course folder, the folders this package was installed from (with their solutions/),
        which differ when a course lives elsewhere, and the checkouts that an editable install
        maps ``grading`` to. Only the virtualenv inside them is bound back."""
        return [self.course_root, HERE.parent, *_installed_sources()]

    def _bound_back(self):
        """The folders of the Python installation that the system folders do not hold, bound
        back read-only: the virtualenv, the base installation and their site-packages."""
        wanted = {Path(p).resolve() for p in (sys.prefix, sys.base_prefix, sys.exec_prefix,
                                                sys.base_exec_prefix)}
        # Installed packages only (site-packages), never a script's folder or the current one.
        wanted |= {Path(p).resolve() for p in sys.path
                   if p and os.path.isabs(p) and os.path.isdir(p)
                   and Path(p).name in ("site-packages", "dist-packages")}
        venv, private = Path(sys.prefix).resolve(), self._private()
        system = [Path("/", name) for name in SYSTEM if not os.path.islink(f"/{name}")]
        keep = []
        for path in sorted(wanted, key=lambda p: len(p.parts)):
            if any(_within(path, folder) for folder in system):
                continue  # visible anyway
            if any(_within(path, folder) for folder in private) and not _within(path, venv):
                continue
            if any(_within(path, k) for k in keep):
                continue
            keep.append(path)
        return keep

    def wrap(self, argv, extra_binds=()):
        """The command line that runs ``argv`` in the sandbox (or as it is, without one).

        The sandbox starts from an empty root: only the system folders (:data:`SYSTEM`), the
        Python installation, a fresh /dev, /proc and /tmp, and the scratch folder exist in it.
        Every other folder of the machine (homes, courses and their copies, /work, /srv, ...)
        is absent.
        """
        if not self.enabled:
            return list(argv)
        limits = self.limits
        cmd = ["bwrap"]
        for name in SYSTEM:
            path = f"/{name}"
            if os.path.islink(path):
                cmd += ["--symlink", os.readlink(path), path]
            elif os.path.isdir(path):
                cmd += ["--ro-bind", path, path]
        cmd += ["--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp"]
        present = {Path("/"), Path("/dev"), Path("/proc"), Path("/tmp")}
        present |= {Path("/", name) for name in SYSTEM}

        def parents(target):
            """Make the folders above a bind target, traversable for the sandbox's uid
            (bubblewrap would make them 0700, root's)."""
            out = []
            for parent in reversed(Path(target).parents):
                if parent not in present and not any(
                        _within(parent, Path("/", name)) for name in SYSTEM):
                    present.add(parent)
                    out += ["--perms", "0755", "--dir", str(parent)]
            return out

        for path in self._bound_back():
            cmd += parents(path) + ["--ro-bind", str(path), str(path)]
            present.add(path)
        cmd += parents(self.scratch) + ["--bind", str(self.scratch), str(self.scratch)]
        for source, target in extra_binds:
            cmd += parents(target) + ["--ro-bind", str(source), str(target)]
        cmd += ["--chdir", str(self.scratch),
                "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts",
                "--unshare-cgroup-try", "--die-with-parent", "--new-session", "--clearenv"]
        for key, value in self.environment().items():
            cmd += ["--setenv", key, value]
        if self.uid is not None:
            # Privileged bwrap keeps root's capabilities: keep only what entering the scratch
            # folder and dropping to its uid need; setpriv drops even those before the
            # program starts.
            cmd += ["--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID",
                    "--cap-add", "CAP_DAC_OVERRIDE"]
        else:
            cmd += ["--unshare-user"]
        cmd += ["--", "prlimit", f"--as={limits.address_space}", f"--nproc={limits.processes}",
                f"--fsize={limits.file_size}", f"--nofile={limits.open_files}",
                f"--cpu={limits.cpu_seconds}", "--core=0", "--"]
        if self.uid is not None:
            cmd += ["setpriv", f"--reuid={self.uid}", f"--regid={self.uid}", "--clear-groups",
                    "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--"]
        return cmd + list(argv)


# ---------------------------------------------------------------------------------------
# The kernel


KERNEL_MESSAGE = 32 * 2**20  # bytes of one message from a kernel (a cell keeps 16 MB in all)
KERNEL_QUEUE = 64  # messages from a kernel that may wait, per channel, to be read


class SandboxedKernelClient(AsyncKernelClient):
    """The client of a sandboxed kernel: what the kernel can make the grader hold is bounded.

    A kernel may send anything on any channel, and ZeroMQ queues what arrives until it is
    read: on the stdin channel, which nothing reads (input requests are refused anyway), a
    notebook queued 100 MB messages by the gigabyte. So there is no stdin channel; on the
    others, a message over KERNEL_MESSAGE disconnects the kernel (ZeroMQ's MAXMSGSIZE) and
    at most KERNEL_QUEUE messages wait (RCVHWM).
    """

    def start_channels(self, shell=True, iopub=True, stdin=True, hb=True, control=True):
        super().start_channels(shell=shell, iopub=iopub, stdin=False, hb=hb, control=control)

    def _create_connected_socket(self, channel, identity=None):
        # jupyter_client's own method (connect.py), with the limits set before connecting.
        sock = self.context.socket(channel_socket_types[channel])
        sock.linger = 1000
        sock.setsockopt(zmq.MAXMSGSIZE, KERNEL_MESSAGE)
        sock.setsockopt(zmq.RCVHWM, KERNEL_QUEUE)
        if identity:
            sock.identity = identity
        if getattr(self, "curve_publickey", None) is not None:
            sock.curve_secretkey = self.curve_secretkey
            sock.curve_publickey = self.curve_publickey
            sock.curve_serverkey = self.curve_publickey
        sock.connect(self._make_url(channel))
        return sock


class SandboxedKernelManager(AsyncKernelManager):
    """A kernel manager whose kernel runs in a :class:`Sandbox`.

    It talks to the kernel over ZeroMQ's ipc transport (sockets in the scratch folder), so the
    kernel needs no network at all, and interrupts it by message, since a signal would reach
    bubblewrap rather than the kernel.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.sandbox = Sandbox()
        self.transport = "ipc"
        self.ip = str(self.sandbox.scratch / "kernel")
        self.connection_file = str(self.sandbox.scratch / "kernel.json")
        self.client_factory = SandboxedKernelClient

    @property
    def kernel_spec(self):
        spec = super().kernel_spec
        if spec is not None and spec.interrupt_mode != "message":
            spec = copy.copy(spec)
            spec.interrupt_mode = "message"
            self._kernel_spec = spec
        return spec

    def write_connection_file(self, **kwargs):
        super().write_connection_file(**kwargs)
        self.sandbox.give(self.connection_file)

    def format_kernel_cmd(self, extra_arguments=None):
        return self.sandbox.wrap(super().format_kernel_cmd(extra_arguments))

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        # The kernel's own stdout and stderr (file descriptors 1 and 2, which a notebook can
        # write to with os.write) go to a file of the grader's, never to the terminal of
        # whoever runs `nbgrader autograde`: escape sequences or a forged progress line
        # could be written there. The kernel's file-size limit bounds the file.
        path = self.sandbox.scratch.parent / (self.sandbox.scratch.name + ".kernel-output")
        self._kernel_output = open(path, "wb")
        kw["stdout"] = kw["stderr"] = self._kernel_output
        await super()._async_launch_kernel(kernel_cmd, **kw)

    async def _async_cleanup_resources(self, restart=False):
        await super()._async_cleanup_resources(restart=restart)
        if not restart:
            self.sandbox.close()
            output = getattr(self, "_kernel_output", None)
            if output is not None:
                output.close()
                Path(output.name).unlink(missing_ok=True)

    cleanup_resources = _async_cleanup_resources


# ---------------------------------------------------------------------------------------
# The evaluator


MAX_CALLS = 100_000  # calls of lent functions in one case
# What the evaluator may send, checked as it is read, before it is parsed: all the values it
# sends are kept until the whole notebook is judged (at most 5 graded functions). The hidden
# inputs are small arrays (a lent function refuses more than max_elements numbers): the
# reference, every catalogued mistake and every listed alternative send at most 0.94 MB (cost)
# in one message (ex08's train: a loss history as a list) and 1.5 MB over all the cases of one
# function (the largest line, 0.44 MB, is ex10's batch of 1000). An evaluation then holds at most
# about 5 x 32 MB of values, and one message needs about 3 x 8 MB while it is decoded.
MAX_MESSAGE = 8 * 2**20   # cost (wire.cost) of one message
MAX_SENT = 32 * 2**20     # cost of all messages while the cells run, or one function is evaluated


def _elements(value):
    """How many numbers a decoded value holds (arrays, lists, tuples, dicts, numbers)."""
    if isinstance(value, np.ndarray):
        return value.size
    if isinstance(value, (list, tuple)):
        return sum(_elements(v) for v in value) + len(value)
    if isinstance(value, dict):
        return sum(_elements(v) for v in value.values()) + len(value)
    return 1


class ProtocolError(RuntimeError):
    """The sandboxed process sent something that is not the protocol."""


class TooMuchData(ProtocolError):
    """The sandboxed process sent more than one message, or one step (running the cells,
    or one function's cases), may hold; ``where`` says which, in a function's terms."""

    def __init__(self, limit, where):
        super().__init__(f"more than {limit // 2**20} MB of messages")
        self.limit, self.where = limit, where


class Stalled(RuntimeError):
    """The sandboxed process did not answer in time."""


class Ended(RuntimeError):
    """The sandboxed process ended (crashed, was killed, or exited)."""


@dataclass
class Result:
    """What one call of the student's function produced, as plain data (decoded)."""

    value: object = None
    error: tuple = None          # (type names, most derived first; message) or None
    args_after: list = None
    kwargs_after: dict = None
    seconds: float = 0.0
    calls: list = field(default_factory=list)  # (helper name, args, result) of each helper call


@dataclass
class Evaluation:
    """Everything the evaluator reported for one graded function."""

    results: list = field(default_factory=list)   # a Result per case run, in order
    defined: bool = False          # the notebook defines the function
    cell_errors: list = field(default_factory=list)    # (cell index, type names, message)
    skipped_cells: list = field(default_factory=list)  # (cell index, why)
    failure: str = None            # why the remaining cases did not run


class _Process:
    """One evaluator process in its sandbox, and its line protocol."""

    def __init__(self, sandbox, lend):
        self.lend = lend  # the grader's functions the student's code may call, by index
        self.helper_names = {}  # index in lend -> name, for the helpers lent by name
        self.calls = []  # (name, args, result) of the helper calls of the case being run
        self.call_count = 0  # calls of lent functions in the case being run
        self.max_elements = 10_000  # numbers one call of a lent function may pass
        self.budget = MAX_SENT  # cost (wire.cost) of what it may still send in this step
        if sandbox.enabled:  # read-only, in the sandbox's own empty /tmp
            runner = Path("/tmp/.backprop-runner")
            binds = [(HERE / name, runner / name) for name in RUNNER_FILES]
        else:
            runner = sandbox.scratch / ".runner"
            runner.mkdir()
            for name in RUNNER_FILES:
                shutil.copy(HERE / name, runner / name)
            binds = []
        argv = sandbox.wrap([sys.executable, "-I", str(runner / "runner.py")], binds)
        self.stderr = open(sandbox.scratch.parent / (sandbox.scratch.name + ".err"), "w+b")
        self.proc = subprocess.Popen(
            argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.stderr,
            cwd=sandbox.scratch, env=None if sandbox.enabled else {**os.environ,
                                                                   **sandbox.environment()},
            start_new_session=True)
        self.readable = selectors.DefaultSelector()
        self.readable.register(self.proc.stdout, selectors.EVENT_READ)
        self.writable = selectors.DefaultSelector()
        self.writable.register(self.proc.stdin, selectors.EVENT_WRITE)
        os.set_blocking(self.proc.stdout.fileno(), False)
        os.set_blocking(self.proc.stdin.fileno(), False)
        self.buffer = bytearray()
        self.scanned = 0  # bytes of the buffer known to hold no newline
        self.deadline = None  # the deadline of the step under way, for answers to calls

    def send(self, message, deadline=None):
        """Write one message; Stalled if the process does not take it before the deadline
        (a process that never reads must not block the grader)."""
        data = memoryview(wire.dumps(message))
        deadline = deadline or self.deadline or time.monotonic() + 30
        while data:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise Stalled()
            if not self.writable.select(remaining):
                continue
            try:
                written = os.write(self.proc.stdin.fileno(), data)
            except BlockingIOError:
                continue
            except (BrokenPipeError, OSError):
                raise Ended(self._ended()) from None
            data = data[written:]

    def receive(self, deadline):
        """The next message that is not a call of a lent function (those are answered here)."""
        self.deadline = deadline
        while True:
            message = self._line(deadline)
            if message["op"] != "call":
                return message
            self._answer(message)

    def _answer(self, message):
        k = message.get("fn")
        if type(k) is not int or not 0 <= k < len(self.lend):
            raise ProtocolError("a call of an unknown function")
        try:
            args = wire.decode(message.get("args"))
            kwargs = dict(wire.decode(message.get("kwargs")))
            if not isinstance(args, list) or not all(isinstance(key, str) for key in kwargs):
                raise wire.WireError("malformed arguments")
        except (wire.WireError, TypeError, ValueError) as error:
            raise ProtocolError(f"a malformed call: {error}") from None
        self.call_count += 1
        if self.call_count > MAX_CALLS:
            raise ProtocolError(f"more than {MAX_CALLS} calls of the grader's functions in one case")
        # The grader's functions run here, in the grader's process: never on inputs larger
        # than the case's own, which could make them take the machine's memory.
        size = _elements([args, kwargs])
        if size > self.max_elements:
            reply = {"op": "raise", "error": wire.error_tree(ValueError(
                f"the grader's {self.helper_names.get(k, 'function')} was called with "
                f"{size} numbers, more than this check ever needs"))}
            return self.send(reply)
        try:
            value = self.lend[k](*args, **kwargs)
            reply = {"op": "return", "value": wire.encode(value)}
        except Exception as error:  # noqa: BLE001 - the grader's function rejected the inputs
            value, reply = error, {"op": "raise", "error": wire.error_tree(error)}
        if k in self.helper_names:
            self.calls.append((self.helper_names[k], args, value))
        self.send(reply)

    def _line(self, deadline):
        while True:
            end = self.buffer.find(b"\n", self.scanned)
            if end >= 0:
                break
            self.scanned = len(self.buffer)
            self._within(len(self.buffer))  # a line's bytes are less than its cost
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise Stalled()
            if not self.readable.select(remaining):
                continue
            try:
                chunk = os.read(self.proc.stdout.fileno(), 1 << 20)
            except BlockingIOError:
                continue
            if not chunk:
                raise Ended(self._ended())
            self.buffer += chunk
        line = bytes(self.buffer[:end])
        del self.buffer[:end + 1]
        self.scanned = 0
        cost = wire.cost(line)
        self._within(cost)
        self.budget -= cost
        try:
            return wire.loads(line)
        except wire.WireError as error:
            raise ProtocolError(str(error)) from None

    def _within(self, cost):
        """TooMuchData if a message of this cost is more than the process may still send."""
        if cost > MAX_MESSAGE:
            raise TooMuchData(MAX_MESSAGE, "in one case")
        if cost > self.budget:
            raise TooMuchData(MAX_SENT, "over all its cases")

    def _ended(self):
        try:
            code = self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            return "the process stopped answering"
        if code < 0 or code >= 128:
            number = -code if code < 0 else code - 128
            import signal
            name = signal.Signals(number).name if number in signal.Signals._value2member_map_ \
                else str(number)
            extra = " (out of memory or CPU time?)" if name in ("SIGKILL", "SIGXCPU") else ""
            return f"the process was killed by {name}{extra}"
        return f"the process exited with status {code}"

    def close(self):
        """End the process and everything it started."""
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                stream.close()
            except OSError:
                pass
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, 9)  # bwrap's session: its pid namespace dies with it
            except ProcessLookupError:
                pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        self.readable.close()
        self.writable.close()
        self.stderr.close()
        os.unlink(self.stderr.name)


def _result(message):
    try:
        result = Result(seconds=float(message.get("seconds", 0.0)),
                        args_after=wire.decode(message.get("args_after", [])),
                        kwargs_after=dict(wire.decode(message.get("kwargs_after", []))))
        if not isinstance(result.args_after, list):
            raise TypeError("args_after is not a list")
        if "error" in message:
            result.error = wire.decode_error(message["error"])
        else:
            result.value = wire.decode(message.get("value"))
    except (wire.WireError, TypeError, ValueError, ArithmeticError) as error:
        raise ProtocolError(f"a malformed result: {error}") from None
    return result


@dataclass
class Plan:
    """What to call for one graded function: cases are ``(args, kwargs, strict_fp, public)``
    of plain data; ``helpers`` (``{name: function}``)
    are lent under those names; ``driver`` is source code defining ``drive``, called instead of
    the function.

    ``public_helpers`` is source code that defines the helpers anew from the book's published
    code (nothing of ``solutions/``): the cases marked ``public`` call those, inside the
    sandbox, instead of the lent ones. A lent call is a round trip to this process (about
    0.3 ms); a case that makes thousands of them (a training run) needs no record of them.
    """

    function: str
    cases: list
    helpers: dict = field(default_factory=dict)
    driver: str = None
    public_helpers: str = None


def evaluate(cells, plans, step_timeout=30.0, max_skips=3, limits=None, total_timeout=300.0):
    """Run the notebook's code ``cells`` in a sandboxed evaluator and call each plan's
    function on its cases; return ``{function: Evaluation}`` of plain values.

    A function among a case's inputs, and each helper, is lent: the student's code gets a
    stand-in whose calls run here, on values. Every cell and every case has
    ``step_timeout`` seconds of wall-clock time. A cell that stalls, or ends the process, is
    skipped on a new run, at most ``max_skips`` times; a case that does either fails its
    function, and the next functions are evaluated in a new process. The whole notebook has
    ``total_timeout`` seconds, whatever its cells and functions do.
    """
    hard = time.monotonic() + total_timeout

    def step():
        return min(time.monotonic() + step_timeout, hard)

    cells, skipped, cell_errors = list(cells), [], []
    evaluations, remaining = {}, list(plans)
    attempts = 0
    while remaining and attempts <= max_skips + len(plans):
        attempts += 1
        if time.monotonic() >= hard:
            for plan in remaining:
                evaluations[plan.function] = Evaluation(
                    skipped_cells=list(skipped), cell_errors=cell_errors,
                    failure=f"your notebook used up the {total_timeout:g} s that the grader "
                            "gives a whole notebook")
            break
        with Sandbox(limits) as sandbox:
            process = _Process(sandbox, [])
            current = plan = None
            try:
                process.send({"op": "start", "cells": cells}, step())
                cell_errors = []
                deadline = step()
                while True:
                    message = process.receive(deadline)
                    if message["op"] == "cell":
                        i = message.get("i")
                        # Cells are announced once each, in order: a repeated announcement
                        # would reset the time limit.
                        if type(i) is not int or not (current if current is not None else -1) \
                                < i < len(cells):
                            raise ProtocolError("a cell announced out of order")
                        current = i
                        deadline = step()
                    elif message["op"] == "cell_error":
                        types, text = wire.decode_error(message.get("error"))
                        cell_errors.append((current, types, text))
                    elif message["op"] == "ready":
                        current = None
                        break
                    else:
                        raise ProtocolError(f"unexpected {message['op']!r} while running cells")
                while remaining:
                    plan = remaining[0]
                    evaluation = evaluations[plan.function] = Evaluation(
                        skipped_cells=list(skipped), cell_errors=cell_errors)
                    _run_plan(process, plan, evaluation, step)
                    remaining.pop(0)
                process.send({"op": "end"}, step())
            except (Stalled, Ended) as stop:
                why = (f"ran longer than the {step_timeout:g} s limit" if isinstance(stop, Stalled)
                       else f"stopped the grader's process: {stop}")
                if current is not None:  # a cell: run the notebook again without it
                    skipped.append((current, why))
                    cells[current] = SKIPPED
                    if len(skipped) > max_skips:
                        for plan in remaining:
                            evaluations[plan.function] = Evaluation(
                                skipped_cells=list(skipped), cell_errors=cell_errors,
                                failure="too many of your notebook's cells stopped the "
                                        "grader's process")
                        remaining = []
                else:  # a case: that function fails; the next ones get a new process
                    evaluations[plan.function].failure = f"your function {why}"
                    remaining.pop(0)
            except (ProtocolError, wire.WireError, TypeError, ValueError, KeyError,
                    RecursionError, ArithmeticError) as error:
                failure = (f"the grader's process received something that is not a value "
                           f"({str(error)[:200]}): did your code write to the grader's channel "
                           "or replace its functions?")
                if isinstance(error, TooMuchData) and current is None and plan is not None:
                    failure = ("your function returned far more data than its result can hold "
                               f"(more than {error.limit // 2**20} MB {error.where})")
                if current is not None or plan is None:  # while the cells ran: every function
                    for plan in remaining:
                        evaluations.setdefault(plan.function, Evaluation(
                            skipped_cells=list(skipped), cell_errors=cell_errors)).failure = failure
                    remaining = []
                else:  # this function fails; the next ones get a new process
                    evaluations[plan.function].failure = failure
                    remaining.pop(0)
            finally:
                process.close()
    return evaluations


def _run_plan(process, plan, evaluation, step):
    """Evaluate one function in a running evaluator (see :func:`evaluate`)."""
    encoded = [(wire.encode(list(args), process.lend),
                wire.encode(sorted(kwargs.items()), process.lend), bool(strict), bool(public))
               for args, kwargs, strict, public in plan.cases]
    helper_ids = {}
    for name, func in plan.helpers.items():
        process.lend.append(func)
        helper_ids[name] = len(process.lend) - 1
        process.helper_names[helper_ids[name]] = name
    process.max_elements = max([10_000] + [4 * _elements([args, kwargs])
                                           for args, kwargs, _, _ in plan.cases])
    process.budget = MAX_SENT
    process.send({"op": "function", "name": plan.function, "helpers": helper_ids,
                  "driver": plan.driver, "public_helpers": plan.public_helpers}, step())
    message = process.receive(step())
    if message["op"] != "defined":
        raise ProtocolError("no answer to which function is graded")
    evaluation.defined = bool(message.get("defined"))
    if not evaluation.defined:
        return
    for i, (args, kwargs, strict, public) in enumerate(encoded):
        process.calls, process.call_count = [], 0
        deadline = step()
        process.send({"op": "case", "i": i, "args": args, "kwargs": kwargs, "strict_fp": strict,
                      "public": public}, deadline)
        message = process.receive(deadline)
        if message["op"] != "result" or message.get("i") != i:
            raise ProtocolError("a result out of order")
        evaluation.results.append(_result(message))
        evaluation.results[-1].calls = process.calls
