"""Every command is declared once (desktop/cli/registry.py): the parser's commands and the
declared ones are the same, and every action declared as only reading exists."""

from __future__ import annotations

import argparse
import importlib

import pytest

from desktop.cli import commands, registry
from desktop.cli.parser import build_parser


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _actions(parser: argparse.ArgumentParser) -> set[str]:
    """A command's actions, those of an action's own actions too (`open311 key list`: the
    innermost word is the action, as argparse stores it)."""
    found = set()
    for name, inner in _subparsers(parser).items():
        deeper = _actions(inner)
        found |= {name} | deeper
    return found


def test_every_command_of_the_parser_is_declared_and_no_more():
    parsed = set(_subparsers(build_parser()))
    declared = [c.name for c in commands.all_commands()]
    assert len(declared) == len(set(declared)), "a command is declared twice"
    assert parsed == set(declared)


def test_each_declared_command_is_run_one_way():
    for declared in commands.all_commands():
        assert (declared.handler is None) != (declared.own_opening is None), declared.name


def test_every_action_said_to_only_read_exists():
    parsers = _subparsers(build_parser())
    for declared in commands.all_commands():
        actions = _actions(parsers[declared.name])
        for read in declared.reads - {registry.EVERY_ACTION}:
            if read == "":
                assert not actions, f"{declared.name} has actions: name them"
            else:
                assert read in actions, f"{declared.name} {read} is not an action"


def test_reading_commands_run_on_a_read_only_database_and_changes_do_not():
    request = commands.find("request")
    assert request.only_reads("list") and not request.only_reads("add")
    assert commands.find("print").only_reads("work-order")
    assert commands.find("check").only_reads(None) and not commands.find("vacuum").only_reads(None)


def test_each_module_declares_the_commands_the_registry_lists_for_it():
    for name, listed in registry.COMMAND_MODULES.items():
        module = importlib.import_module(f"desktop.cli.{name}")
        assert tuple(c.name for c in module.COMMANDS) == listed, name
    every = [c for names in registry.COMMAND_MODULES.values() for c in names]
    assert len(every) == len(set(every)), "a command is listed twice"


def test_a_command_is_found_by_name_and_an_unknown_one_is_not():
    assert commands.find("backup").own_opening is not None
    with pytest.raises(KeyError):
        commands.find("no-such-command")
