"""A throwaway `nats-server -js` on a free port with its own store folder,
for tests and benchmarks that must kill and restart the broker."""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class NatsServer:
    def __init__(self, store: Path, port: int | None = None) -> None:
        binary = shutil.which("nats-server") or "/usr/sbin/nats-server"
        self.port = port or free_port()
        self.cmd = [binary, "-js", "-a", "127.0.0.1", "-p", str(self.port), "-sd", str(store)]
        self.url = f"nats://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> NatsServer:
        self.proc = subprocess.Popen(self.cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return self
            except OSError:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"nats-server exited with {self.proc.returncode}") from None
                time.sleep(0.1)
        raise TimeoutError("nats-server did not listen within 20 s")

    def kill(self) -> None:
        """SIGKILL: the harshest restart a broker can have."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def restart(self) -> None:
        self.kill()
        self.start()

    def __enter__(self) -> NatsServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.kill()
