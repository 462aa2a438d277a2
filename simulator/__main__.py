"""Command line: serve one or more simulated thermostats until Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from .pki import ServerCertificate, TestPKI
from .replay import CaptureError, load_capture
from .server import Simulator, generate_key

DESCRIPTION = """\
Serve simulated Trane / American Standard thermostats: the local protocol (NUL-delimited JSON over
mutual TLS, TLS 1.2 at most) with a small house behind it. Clients log in with the secret key,
receive the initial burst of events and may change setpoints, zone modes, the fan mode and
emergency heat; every change is echoed to every logged-in client as the thermostat does.

Client certificates: in strict mode (the default) a client must present a certificate issued by
the simulator's CA (or by --client-ca). The generated CA, server and client certificates are
written to --pki-dir, or to a temporary directory removed at exit; the client certificate path is
printed. In open mode (--open) no client certificate is requested, so any client connects,
including ones that carry the certificates shipped with the steamloop library. Without --cert a
fresh server certificate is generated; its SHA-256 fingerprint is printed.

The first line printed per thermostat is "listening on HOST:PORT"; the secret key, the pairing key
(with --pairing) and the fingerprint follow. Keys are printed, never logged. Ctrl-C or SIGTERM
stops cleanly with exit status 0.

With --control, commands are read from standard input, one a line, each naming the thermostat
(1 for the first); every command is answered with one line, "ok ..." or "error ...":
  N pairing on|off            enter or leave pairing mode
  N pairing-delay SECONDS     send the key that long after the accepted pairing login
  N revoke KEY                accept only KEY from now on and drop every client
  N new-certificate           present a new server certificate and drop every client; the answer
                              carries its sha256 fingerprint
  N wait-refusals COUNT       answer once that many pairing logins were refused in all
  N down | up                 stop listening and drop every client (a thermostat without power
                              or network) / listen again on the same port
  N echo on|off               report (default) or never report the changes commands make
  N echo-delay SECONDS        report the changes commands make that much later

With --replay FILE (an integration diagnostics download, or its capture), every accepted login gets
the frames the captured thermostat sent from its last login reply on, instead of the simulated
house's burst: a user's report served as a thermostat.
"""


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser."""
    parser = argparse.ArgumentParser(
        prog="python -m simulator",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add = parser.add_argument
    add("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    add(
        "--port", type=int, default=7878, help="TCP port; 0 picks a free one (default: %(default)s)"
    )
    add(
        "--count",
        type=int,
        default=1,
        help="thermostats to serve on PORT, PORT+1, ... (default: 1)",
    )
    add("--zones", type=int, default=2, help="zones per thermostat (default: %(default)s)")
    add("--key", help="secret key a login must carry (default: a random one, printed)")
    add(
        "--pairing",
        action="store_true",
        help="start in pairing mode: an empty-key login is handed a key",
    )
    add("--pairing-key", help="the key pairing hands out (default: a random one, printed)")
    add("--open", action="store_true", help="request no client certificate (accept any client)")
    add("--pki-dir", type=Path, help="write the generated ca.pem, server.pem, client.pem here")
    add("--cert", type=Path, help="server certificate + private key PEM to present instead")
    add(
        "--client-ca", type=Path, help="CA PEM that client certificates must chain to (strict mode)"
    )
    add(
        "--heartbeat-timeout",
        type=float,
        default=60.0,
        help="drop a client that sends no heartbeat for this many seconds; 0: never (default: 60)",
    )
    add(
        "--delay", type=float, default=0.0, help="seconds before every reply and event (default: 0)"
    )
    add(
        "--echo-delay",
        type=float,
        default=0.0,
        help="seconds before the report of a change a command made (default: 0)",
    )
    add(
        "--reject-with",
        choices=("status", "error"),
        default="status",
        help="answer a wrong key with LoginResponse status 0, or Response.Error (default: status)",
    )
    add(
        "--pty",
        action="store_true",
        help="also serve each thermostat on a pseudo-terminal (no TLS)",
    )
    add(
        "--pairing-delay",
        type=float,
        default=0.0,
        help="seconds between the accepted pairing login and the key (default: 0)",
    )
    add("--control", action="store_true", help="read commands from standard input (see above)")
    add(
        "--replay",
        type=Path,
        metavar="FILE",
        help="answer every login with the frames of a captured session (a diagnostics download)"
        " instead of the simulated house's burst",
    )
    add("--verbose", action="store_true", help="log every frame (secret keys redacted)")
    return parser


@contextlib.contextmanager
def _pki_directory(args: argparse.Namespace) -> Iterator[Path | None]:
    if args.open or args.client_ca is not None or args.pki_dir is not None:
        yield args.pki_dir
    else:
        with tempfile.TemporaryDirectory(prefix="steamloop-simulator-") as tmp:
            yield Path(tmp)


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


@dataclass(frozen=True, slots=True)
class Setup:
    """What every thermostat of this run shares."""

    pki: TestPKI
    files: dict[str, Path]
    certificate: ServerCertificate | None
    client_ca: bytes | None
    key: str
    replay: list[bytes] | None = None


async def start_thermostat(args: argparse.Namespace, setup: Setup, index: int) -> Simulator:
    """Start the index-th thermostat."""
    sim = Simulator(
        zones=args.zones,
        secret_key=setup.key,
        pairing=args.pairing,
        pairing_key=args.pairing_key,
        pki=setup.pki,
        mode="open" if args.open else "strict",
        reject_with=args.reject_with,
        heartbeat_timeout=args.heartbeat_timeout or None,
        name=f"thermostat-{index + 1}",
    )
    sim.reply_delay = args.delay
    sim.echo_delay = args.echo_delay
    sim.pairing_delay = args.pairing_delay
    sim.replay = setup.replay
    if setup.client_ca is not None:
        sim.client_ca_pem = setup.client_ca
    if setup.certificate is not None:
        await sim.use_server_certificate(setup.certificate)
    elif index:
        await sim.use_server_certificate()  # each thermostat has its own certificate
    await sim.start(host=args.host, port=args.port + index if args.port else 0)
    return sim


async def announce(args: argparse.Namespace, setup: Setup, sim: Simulator) -> None:
    """Print where a thermostat listens and what a client needs."""
    _say(f"listening on {args.host}:{sim.port} ({sim.mode} mode, {args.zones} zones)")
    _say(f"  secret key: {sim.secret_key}")
    if sim.pairing:
        _say(f"  pairing mode on; it hands out the key: {sim.pairing_key}")
    _say(f"  server certificate sha256: {sim.fingerprint}")
    if sim.mode == "strict" and "client" in setup.files:
        _say(f"  client certificate + key: {setup.files['client']}")
    if setup.replay is not None:
        _say(f"  replaying {len(setup.replay)} captured frames at every login")
    if args.pty:
        _say(f"  pty: {await sim.open_pty()}")


async def serve(args: argparse.Namespace, setup: Setup) -> None:
    """Run the thermostats until SIGINT or SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    sims: list[Simulator] = []
    try:
        for index in range(args.count):
            sims.append(await start_thermostat(args, setup, index))
            await announce(args, setup, sims[-1])
        if args.control:
            control = asyncio.create_task(_control(sims))
            await asyncio.wait(
                {control, asyncio.create_task(stop.wait())}, return_when="FIRST_COMPLETED"
            )
            control.cancel()
        else:
            await stop.wait()
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
        for sim in sims:
            await sim.stop()
    _say("stopped")


async def _control(sims: Sequence[Simulator]) -> None:
    """Answer commands from standard input until it closes."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while line := (await reader.readline()).decode():
        if not line.strip():
            continue
        try:
            answer = await _command(sims, line.split())
        except (ValueError, IndexError) as err:
            answer = f"error {err}"
        _say(answer)


def _set_knob(sim: Simulator, command: str, rest: list[str]) -> bool:
    """Turn one of the simulator's synchronous knobs; return whether the command was one."""
    match command, rest:
        case "pairing", ["on"]:
            sim.start_pairing()
        case "pairing", ["off"]:
            sim.stop_pairing()
        case "pairing-delay", [seconds]:
            sim.pairing_delay = float(seconds)
        case "echo", ["on" | "off" as state]:
            sim.echo = state == "on"
        case "echo-delay", [seconds]:
            sim.echo_delay = float(seconds)
        case "revoke", [key]:
            sim.revoke_key(key)
        case _:
            return False
    return True


async def _command(sims: Sequence[Simulator], words: list[str]) -> str:
    """Carry out one control command; return the answer line."""
    number, command, *rest = words
    sim = sims[int(number) - 1]
    if _set_knob(sim, command, rest):
        return f"ok {' '.join(words)}"
    match command, rest:
        case "new-certificate", []:
            await sim.use_server_certificate()
            sim.close_clients()
            return f"ok {sim.fingerprint}"
        case "down", []:
            await sim.refuse()
            sim.close_clients()
        case "up", []:
            await sim.accept()
        case "wait-refusals", [count]:
            wanted = int(count)
            sim.wait_timeout = None
            await sim.wait_until(
                lambda: (
                    True
                    if sum(login.pairing and not login.accepted for login in sim.logins) >= wanted
                    else None
                ),
                f"{wanted} refused pairing logins",
            )
        case _:
            return f"error unknown command {' '.join(words)!r}"
    return f"ok {' '.join(words)}"


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments and serve; return the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.replay is not None:
        try:
            load_capture(args.replay)
        except CaptureError as err:
            parser.error(str(err))
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    with _pki_directory(args) as pki_dir:
        pki = TestPKI(rsa=True)
        setup = Setup(
            pki=pki,
            files=pki.write(pki_dir) if pki_dir is not None else {},
            certificate=ServerCertificate.from_pem(args.cert.read_bytes()) if args.cert else None,
            client_ca=args.client_ca.read_bytes() if args.client_ca else None,
            key=args.key or generate_key(),
            replay=load_capture(args.replay) if args.replay else None,
        )
        asyncio.run(serve(args, setup))
    return 0


if __name__ == "__main__":
    sys.exit(main())
