"""The one way the window runs long work: a core call on a worker thread, whose progress, result,
error or cancellation come back on the UI thread (Anki's QueryOp is the model).

A call site is one line: `background.run(work, on_done, on_error=..., on_progress=...)`.
`work(report_progress, cancelled)` is plain Python; it never touches a widget.
"""

from __future__ import annotations

import threading
import traceback
from dataclasses import dataclass, field
from typing import Any, Callable

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal
from shiboken6 import isValid

from appwarden.core.errors import AppWardenError
from appwarden.core.messages import Message


class InternalError(AppWardenError):
    """A bug surfaced in background work: a sentence for the person, the traceback for the help desk."""


@dataclass
class Task:
    """A running piece of work; `cancel()` asks it to stop at its next check."""

    _stop: threading.Event = field(default_factory=threading.Event)
    done: bool = False

    def cancel(self) -> None:
        self._stop.set()

    @property
    def cancelled(self) -> bool:
        return self._stop.is_set()


class _Signals(QObject):
    progress = Signal(object)
    finished = Signal(object)
    failed = Signal(object)
    stopped = Signal()


class _Runnable(QRunnable):
    def __init__(self, work: Callable, task: Task, signals: _Signals) -> None:
        super().__init__()
        self.work, self.task, self.signals = work, task, signals

    def run(self) -> None:
        try:
            value = self.work(self.signals.progress.emit, lambda: self.task.cancelled)
        except AppWardenError as error:
            self.signals.failed.emit(error)
        except Exception as error:  # a bug: shown as a sentence, the traceback kept as the detail
            detail = "".join(traceback.format_exception(error))
            sentence = Message.of("AppWarden hit an internal error ({error}).", error=f"{type(error).__name__}: {error}")
            self.signals.failed.emit(InternalError(sentence, detail=detail))
        else:
            if self.task.cancelled:
                self.signals.stopped.emit()
            else:
                self.signals.finished.emit(value)


class BackgroundWork(QObject):
    """Owns the worker threads of one window and the signal objects of the work in flight."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._in_flight: dict[_Signals, _Runnable] = {}

    def run(
        self,
        work: Callable[[Callable[[Any], None], Callable[[], bool]], Any],
        on_done: Callable[[Any], None],
        on_error: Callable[[AppWardenError], None],
        on_progress: Callable[[Any], None] | None = None,
        on_cancelled: Callable[[], None] | None = None,
    ) -> Task:
        task = Task()
        signals = _Signals()  # created here, so its slots run on the UI thread

        def finish(callback: Callable | None, *value: Any) -> None:
            task.done = True
            if not isValid(self):  # the window that asked was closed meanwhile: nobody to tell
                return
            self._in_flight.pop(signals, None)
            if callback is not None:
                callback(*value)

        if on_progress is not None:
            signals.progress.connect(on_progress)
        signals.finished.connect(lambda value: finish(on_done, value))
        signals.failed.connect(lambda error: finish(on_error, error))
        signals.stopped.connect(lambda: finish(on_cancelled))
        runnable = _Runnable(work, task, signals)
        runnable.setAutoDelete(False)  # Python owns it until it has finished (see _in_flight)
        self._in_flight[signals] = runnable
        self._pool.start(runnable)
        return task

    def has_work(self) -> bool:
        """Whether some work it started has not brought its answer back yet."""
        return bool(self._in_flight)

    def wait(self, milliseconds: int = -1) -> bool:
        """Wait for every worker (used when the window closes, and by tests)."""
        return self._pool.waitForDone(milliseconds)
