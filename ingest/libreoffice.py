"""Converting a file with LibreOffice headless (Debian's ``libreoffice-*-nogui``), safely.

Why LibreOffice: it is the only maintained, offline, free engine that lays out Word and
PowerPoint files as pages (so a citation can name the page or slide a person sees and "Open
page" can show it) and reads the legacy binary .doc/.xls/.ppt formats that no maintained Python
library reads. It runs as a child process, so whatever a hostile file does to it cannot take the
app down:

- a private profile per call (``-env:UserInstallation`` in a temporary folder): calls never share
  state, never lock each other out, and leave nothing behind;
- the input is copied to a fixed name in that folder (a file name never reaches the command
  line);
- a hard time limit, after which the whole process group is killed (``soffice`` forks
  ``soffice.bin``), a memory limit (``RLIMIT_AS``) and an output size limit watched while it runs;
- no network: proxy variables point at a closed local port, so a document's linked images or
  external data cannot be fetched; macros do not run (a fresh profile keeps LibreOffice's
  default macro security, which runs no unsigned macro).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from retrieval.errors import IngestError

TIMEOUT_S = 120.0
MAX_OUTPUT = 256 * 2**20
MEMORY_LIMIT = 6 * 2**30  # address space of the converter; real files need well under 2 GB
_POLL_S = 0.05
MISSING = ("reading this kind of file needs LibreOffice, which is not installed; run "
           "`make tools` (it installs libreoffice-writer-nogui, libreoffice-calc-nogui and "
           "libreoffice-impress-nogui)")


def soffice() -> str | None:
    """The LibreOffice executable, or None when it is not installed."""
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    for fixed in ("/usr/bin/soffice", "/usr/lib/libreoffice/program/soffice"):
        if os.access(fixed, os.X_OK):
            return fixed
    return None


def available() -> bool:
    return soffice() is not None


def _memory_limited(command: list[str]) -> list[str]:
    """``command`` under util-linux's ``prlimit`` (a Popen ``preexec_fn`` is unsafe in a
    threaded app such as the Streamlit server); unlimited where prlimit is missing."""
    prlimit = shutil.which("prlimit")
    return [prlimit, f"--as={MEMORY_LIMIT}", "--", *command] if prlimit else command


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    """Kill the converter and whatever it forked (its own session), then reap it."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def _folder_size(folder: Path) -> int:
    total = 0
    for entry in folder.iterdir():
        try:
            total += entry.stat().st_size
        except OSError:
            continue
    return total


def convert(name: str, raw: bytes, suffix: str, target: str, *,
            timeout: float = TIMEOUT_S, max_output: int = MAX_OUTPUT) -> bytes:
    """``raw`` (a file whose type ``suffix`` names, e.g. ".doc") converted to ``target``
    ("pdf", "docx", "pptx", "xlsx"): the converted file's bytes. Every failure is an
    ``IngestError`` naming ``name``, in one sentence."""
    program = soffice()
    if program is None:
        raise IngestError(name, MISSING)
    with tempfile.TemporaryDirectory(prefix="docqa-office-") as tmp:
        folder = Path(tmp)
        source = folder / f"input{suffix.lower()}"
        source.write_bytes(raw)
        out = folder / "out"
        out.mkdir()
        closed = "http://127.0.0.1:9"
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(folder),
               "LANG": "C.UTF-8", "TMPDIR": str(folder), "http_proxy": closed,
               "https_proxy": closed, "ftp_proxy": closed, "HTTP_PROXY": closed,
               "HTTPS_PROXY": closed, "no_proxy": "", "SAL_USE_VCLPLUGIN": "svp"}
        command = [program, f"-env:UserInstallation={(folder / 'profile').as_uri()}",
                   "--headless", "--invisible", "--norestore", "--nologo", "--nodefault",
                   "--nolockcheck", "--convert-to", target, "--outdir", str(out), str(source)]
        started = time.monotonic()
        try:
            process = subprocess.Popen(_memory_limited(command), stdin=subprocess.DEVNULL,
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                       cwd=folder, env=env, start_new_session=True)
        except OSError as e:
            raise IngestError(name, f"LibreOffice could not be started ({e.strerror or e})") from e
        try:
            while process.poll() is None:
                if time.monotonic() - started > timeout:
                    raise IngestError(name, f"converting the file took longer than "
                                            f"{timeout:g} seconds; it was stopped")
                if _folder_size(out) > max_output:
                    raise IngestError(name, f"the converted file grew past "
                                            f"{max_output / 2**20:.0f} MB; it was stopped")
                time.sleep(_POLL_S)
        finally:  # also after a normal exit: a forked helper may still hold the group
            _kill_group(process)
        result = out / f"input.{target.split(':', 1)[0]}"
        if not result.is_file() or result.stat().st_size == 0:
            raise IngestError(name, "LibreOffice could not read the file (it is damaged, or "
                                    "not the kind of file its name says)")
        if result.stat().st_size > max_output:
            raise IngestError(name, f"the converted file is larger than "
                                    f"{max_output / 2**20:.0f} MB; it was refused")
        return result.read_bytes()
