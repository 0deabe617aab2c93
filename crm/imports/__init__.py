"""Bringing the bureau's spreadsheets in: template, column mapping, dry run, all-or-nothing commit, revert."""

from flask import Blueprint

bp = Blueprint("imports", __name__)
