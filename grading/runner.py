"""The only grading code that runs inside the sandbox, next to the student's code (UNTRUSTED SIDE).

Started by :mod:`grading.sandbox` as ``python -I runner.py`` with this file and
:mod:`grading.wire` bound read-only into an otherwise empty scratch folder. It talks to the
trusted grader over its standard input and output, one JSON line per message (see
:mod:`grading.wire`), and knows nothing secret: no reference answer, no catalogue of
mistakes, no verdict. It

1. receives the notebook's non-test code cells and runs them in order in a fresh namespace,
   reporting each cell before it runs it and any error it raised (``cell``, ``cell_error``),
   then ``ready``;
2. for each graded ``function`` it is told about, installs the plain functions the grader
   lends for it (``helpers``: stand-ins that compute on the trusted side) and, if given, a
   ``driver`` that calls the student's code, and says whether the function is ``defined``;
   ``public_helpers`` is source code of the same helpers taken from the book's published
   code, which the cases marked ``public`` use instead of the stand-ins;
3. for each ``case`` of that function, calls it on the given inputs and sends back the value
   it returned (or the error it raised), the inputs as they stand after the call and the
   seconds it took (``result``); a function the grader passes as an input, or a helper, is a
   proxy whose calls travel to the trusted side as values (``call`` / ``return``).

The student's code runs in this very process, so it can change anything here, this module
included: everything this process sends is treated by the grader as untrusted data, and it
can only ever be the values the student's own code produces.
"""

import os
import sys
import threading
import time
import warnings

import numpy as np

if __name__ == "__main__":  # in the sandbox, beside wire.py; grading/ itself is not there
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import wire
else:  # imported by the trusted grader, for call()
    from grading import wire

class Channel:
    """The line protocol on two private file descriptors."""

    def __init__(self):
        # Keep private copies of the pipes, then point fds 0-2 at /dev/null: whatever the
        # student prints goes nowhere and cannot be mistaken for a message.
        self._in = os.fdopen(os.dup(0), "rb", buffering=0)
        self._out = os.fdopen(os.dup(1), "wb", buffering=0)
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        self._lock = threading.RLock()
        self._buffer = bytearray()

    def send(self, message):
        with self._lock:
            self._out.write(wire.dumps(message))

    def receive(self):
        with self._lock:
            scanned = 0
            while (end := self._buffer.find(b"\n", scanned)) < 0:
                scanned = len(self._buffer)
                chunk = self._in.read(1 << 20)
                if not chunk:
                    raise SystemExit(0)  # the grader hung up
                self._buffer += chunk
            line = bytes(self._buffer[:end])
            del self._buffer[:end + 1]
            return wire.loads(line)


def _exception(tree):
    """An exception of the same builtin class as the one the trusted side raised."""
    types, message = wire.decode_error(tree)
    for name in types:
        cls = getattr(__import__("builtins"), name, None)
        if isinstance(cls, type) and issubclass(cls, Exception):
            return cls(message)
    return RuntimeError(message)


def make_proxy(channel, k):
    def proxy(*args, **kwargs):
        with channel._lock:
            channel.send({"op": "call", "fn": k, "args": wire.encode(list(args)),
                          "kwargs": wire.encode(sorted(kwargs.items()))})
            reply = channel.receive()
        if reply.get("op") == "return":
            return wire.decode(reply.get("value"))
        raise _exception(reply.get("error"))
    proxy.__name__ = f"grader_function_{k}"
    return proxy


def call(func, args, kwargs, strict_fp):
    """Call ``func(*args, **kwargs)`` as the grader asks; return the ``result`` fields.

    Strict cases turn floating-point overflow, invalid values and division by zero into
    errors; other cases ignore them. The trusted grader calls this too, for the reference
    and the catalogued mistakes, so that every function is called the same way.
    """
    settings = (dict(over="raise", invalid="raise", divide="raise", under="ignore")
                if strict_fp else dict(all="ignore"))
    result = {}
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("error" if strict_fp else "ignore")
        try:
            with np.errstate(**settings):
                value = func(*args, **kwargs)
            result["value"] = value
        except Exception as error:  # noqa: BLE001 - any error is the student's answer
            result["error"] = error
    result["seconds"] = time.perf_counter() - start
    return result


def main():
    channel = Channel()
    start = channel.receive()
    namespace = {"__name__": "__main__", "__builtins__": __import__("builtins")}
    for i, source in enumerate(start.get("cells", [])):
        channel.send({"op": "cell", "i": i})
        try:
            exec(compile(source, f"<cell {i}>", "exec"), namespace)
        except BaseException as error:  # noqa: BLE001 - SystemExit and KeyboardInterrupt too
            channel.send({"op": "cell_error", "i": i, "error": wire.error_tree(error)})
    channel.send({"op": "ready"})
    proxy = lambda k: make_proxy(channel, k)  # noqa: E731
    func, lent, proxies, public = None, {}, {}, {}
    while True:
        message = channel.receive()
        if message["op"] == "function":
            # The helpers lent for the previous function go; this one's come.
            for name, original in lent.items():
                namespace[name] = original
            lent = {name: namespace.get(name) for name in message.get("helpers", {})}
            proxies = {name: make_proxy(channel, k)
                       for name, k in message.get("helpers", {}).items()}
            namespace.update(proxies)
            public = {}
            if message.get("public_helpers"):  # the book's own versions, for "public" cases
                book = {"__name__": "book_helpers"}
                exec(compile(message["public_helpers"], "<book helpers>", "exec"), book)
                public = {name: book[name] for name in proxies if name in book}
            target = message["name"]
            if message.get("driver"):
                exec(compile(message["driver"], "<driver>", "exec"), namespace)
                target = "drive"
            func = namespace.get(target)
            channel.send({"op": "defined", "defined": callable(func)})
        elif message["op"] == "case":
            args = wire.decode(message["args"], proxy=proxy)
            kwargs = dict(wire.decode(message["kwargs"], proxy=proxy))
            if message.get("public"):
                namespace.update(public)
            try:
                result = call(func, args, kwargs, message.get("strict_fp", False))
            finally:
                namespace.update(proxies)
            reply = {"op": "result", "i": message["i"], "seconds": result["seconds"],
                     "args_after": wire.encode(args),
                     "kwargs_after": wire.encode(sorted(kwargs.items()))}
            if "error" in result:
                reply["error"] = wire.error_tree(result["error"])
            else:
                reply["value"] = wire.encode(result["value"])
            channel.send(reply)
        else:
            return


if __name__ == "__main__":
    main()
