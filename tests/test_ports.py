"""The tests' servers start again on a fresh port when theirs was taken meanwhile."""

from __future__ import annotations

import socket

import pytest

from ports import ATTEMPTS, PortTakenError, free_port, on_free_port


def test_a_start_that_finds_its_port_taken_is_tried_on_another():
    tried: list[int] = []

    def start(port: int) -> str:
        tried.append(port)
        if len(tried) == 1:
            raise PortTakenError(f"port {port} taken")
        return "up"

    port, started = on_free_port(start)
    assert started == "up"
    assert len(tried) == 2
    assert port == tried[-1]


def test_it_gives_up_after_a_few_attempts():
    tried: list[int] = []

    def start(port: int) -> None:
        tried.append(port)
        raise PortTakenError(f"port {port} taken")

    with pytest.raises(PortTakenError):
        on_free_port(start)
    assert len(tried) == ATTEMPTS


def test_the_port_is_free_to_bind():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", free_port()))
