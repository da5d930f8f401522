"""Every command is declared once (desktop/cli/registry.py): the parser's commands and the
declared ones are the same, and every action declared as only reading exists."""

from __future__ import annotations

import argparse

from desktop.cli import registry
from desktop.cli.parser import build_parser


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def test_every_command_of_the_parser_is_declared_and_no_more():
    parsed = set(_subparsers(build_parser()))
    declared = [c.name for c in registry.all_commands()]
    assert len(declared) == len(set(declared)), "a command is declared twice"
    assert parsed == set(declared)


def test_each_declared_command_is_run_one_way():
    for declared in registry.all_commands():
        assert (declared.handler is None) != (declared.own_opening is None), declared.name


def test_every_action_said_to_only_read_exists():
    commands = _subparsers(build_parser())
    for declared in registry.all_commands():
        actions = set(_subparsers(commands[declared.name]))
        for read in declared.reads - {registry.EVERY_ACTION}:
            if read == "":
                assert not actions, f"{declared.name} has actions: name them"
            else:
                assert read in actions, f"{declared.name} {read} is not an action"


def test_reading_commands_run_on_a_read_only_database_and_changes_do_not():
    request = registry.find("request")
    assert request.only_reads("list") and not request.only_reads("add")
    assert registry.find("print").only_reads("work-order")
    assert registry.find("check").only_reads(None) and not registry.find("vacuum").only_reads(None)
