"""`mytorch train`."""
from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("train", help="(not implemented yet)")
    p.set_defaults(func=lambda args: print("mytorch train: not implemented yet") or 2)
